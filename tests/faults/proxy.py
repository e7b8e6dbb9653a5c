"""A TCP proxy the fault tests control: pass traffic, cut it (connections reset, new ones refused) or hang it
(connections open, not a byte through), then restore it."""

import contextlib
import select
import socket
import threading
import time

PASS, CUT, HANG = "pass", "cut", "hang"


class FaultProxy:
    def __init__(self, upstream_port: int, *, name: str, upstream_host: str = "127.0.0.1"):
        self.name = name
        self.upstream = (upstream_host, upstream_port)
        self.mode = PASS
        self._server = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port = self._server.getsockname()[1]
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, name=f"proxy-{name}", daemon=True).start()

    def cut(self) -> None:
        self.mode = CUT
        self._drop_all()

    def hang(self) -> None:
        self.mode = HANG

    def restore(self) -> None:
        # Connections that lived through a hang are dropped: their clients have timed out on them anyway.
        was = self.mode
        self.mode = PASS
        if was == HANG:
            self._drop_all()

    def close(self) -> None:
        self._closed = True
        self._server.close()
        self._drop_all()

    def _drop_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, set()
        for client, upstream in pairs:
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if self.mode == CUT:
                with contextlib.suppress(OSError):
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    client.close()
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
            upstream.settimeout(None)
        except OSError:
            client.close()
            return
        pair = (client, upstream)
        with self._lock:
            self._pairs.add(pair)
        try:
            sockets = [client, upstream]
            while True:
                readable, _, _ = select.select(sockets, [], [], 0.5)
                if self.mode == HANG:
                    time.sleep(0.2)  # nothing goes through; bytes wait in the kernel's buffers
                    continue
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except (OSError, ValueError):
            return
        finally:
            with self._lock:
                self._pairs.discard(pair)
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()
