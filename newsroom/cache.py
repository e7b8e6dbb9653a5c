"""Django's Redis cache, made to step aside while Redis is down or hung; Django's file cache, culled less often.

A request must never wait on a sick cache: every call has short socket timeouts, and after one fails the
cache is not tried again for `retry_after` seconds (a circuit breaker), so a hung Redis costs at most one
timeout per process every few seconds. While it is open, reads miss and writes are dropped, or, with
`"fallback": "local"`, go to this process's memory (rate limits keep counting, each process alone: a
stricter rule than the shared one, never a looser one). Increments dropped meanwhile (a page-cache purge)
are made again once Redis answers, so no purge is lost to an outage.
"""

import contextlib
import itertools
import logging
import os
import pickle
import threading
import time
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_BROKEN = (RedisError, OSError)


def _guarded(method_name: str, *, missing):
    def method(self, *args, **kwargs):
        if self._is_open():
            if method_name == "incr" and args and self.fallback != "local":
                self._dropped_increments.add(self.make_and_validate_key(args[0], version=kwargs.get("version")))
            return self._fallback_call(method_name, missing, args, kwargs)
        try:
            result = getattr(super(ResilientRedisCache, self), method_name)(*args, **kwargs)
        except _BROKEN as error:
            self._trip(error)
            if method_name == "incr" and args:
                self._dropped_increments.add(self.make_and_validate_key(args[0], version=kwargs.get("version")))
            return self._fallback_call(method_name, missing, args, kwargs)
        self._closed_again()
        return result

    method.__name__ = method_name
    return method


class ReusedClients(RedisCacheClient):
    """Django's Redis cache client, keeping one redis-py client per connection pool.

    Django's makes a new `redis.Redis` for every call, and each one builds its table of some 170 reply
    handlers: on a page-cache hit, whose only cache call is reading the version, that is a third of the
    answer's time. A `redis.Redis` is safe to share between threads (each command takes a connection from the
    pool), so one per pool is kept.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", 5.0))
        self.fallback = options.pop("fallback", "")
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClients
        self._open_until = 0.0
        self._was_open = False
        self._lock = threading.Lock()
        self._dropped_increments: set[str] = set()
        self._local = LocMemCache(f"loupe-fallback-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 10000}})

    @property
    def degraded(self) -> bool:
        return self._is_open()

    def _is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def _trip(self, error: BaseException) -> None:
        with self._lock:
            if not self._was_open:
                logger.warning("Cache unreachable (%s: %s); going without it for now", type(error).__name__, error)
            self._was_open = True
            self._open_until = time.monotonic() + self.retry_after

    def _closed_again(self) -> None:
        if not self._was_open:
            return
        with self._lock:
            if not self._was_open:
                return
            self._was_open = False
            dropped, self._dropped_increments = self._dropped_increments, set()
        logger.warning("Cache reachable again")
        client = self._cache.get_client(write=True)
        for key in dropped:
            # A key that expired meanwhile starts afresh anyway.
            with contextlib.suppress(*_BROKEN):
                client.incr(key)

    def _fallback_call(self, method_name: str, missing, args, kwargs):
        if self.fallback == "local":
            return getattr(self._local, method_name)(*args, **kwargs)
        if isinstance(missing, type) and issubclass(missing, Exception):
            raise missing("The cache is unreachable.")
        if method_name == "get":
            return kwargs.get("default", args[1] if len(args) > 1 else None)
        return missing

    def ping(self) -> bool:
        """True if Redis answers now; for the health endpoint, which must not trip or wait on the breaker."""
        try:
            return bool(self._cache.get_client().ping())
        except _BROKEN:
            return False

    get = _guarded("get", missing=None)
    get_many = _guarded("get_many", missing={})
    set = _guarded("set", missing=None)
    set_many = _guarded("set_many", missing=[])
    add = _guarded("add", missing=False)
    touch = _guarded("touch", missing=False)
    delete = _guarded("delete", missing=False)
    delete_many = _guarded("delete_many", missing=None)
    has_key = _guarded("has_key", missing=False)
    incr = _guarded("incr", missing=ValueError)
    clear = _guarded("clear", missing=None)


class FileCache(FileBasedCache):
    """Django's file cache, shared by the processes of the embedded default, made cheaper to write.

    - Django's counts the files in its directory before every write, to make room past MAX_ENTRIES; once the
      directory holds a few thousand entries that listing costs more than the write. This one counts before
      one write in `cull_every` (the first one included), so the directory may pass MAX_ENTRIES by that many
      writes before it is thinned.
    - Django's writes each entry to a new file and renames it over the old one. When a rename replaces a file,
      ext4 starts writing the new file's data to disk there and then (its guard for programs that skip fsync):
      0.2 ms on every overwrite, more than the rest of a small write. This one removes the old file first, so
      the rename replaces nothing; a read in between finds no entry, a miss, which a cache allows.
    - It stores entries without compressing them: a whole page is written on every page-cache miss, and
      compressing 200 KB of HTML costs more than a millisecond even at zlib's fastest level, and a read of it
      a third of one, for files that stay on the server's own disk. The files are Django's format still.
    Django's reads are unchanged.
    """

    def __init__(self, directory, params):
        options = dict(params.get("OPTIONS") or {})
        self.cull_every = int(options.pop("cull_every", 100))
        super().__init__(directory, {**params, "OPTIONS": options})
        self._writes = itertools.count()

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with contextlib.suppress(FileNotFoundError):
            os.remove(self._key_to_file(key, version))
        super().set(key, value, timeout, version)

    def _cull(self):
        if next(self._writes) % self.cull_every == 0:
            super()._cull()

    def _write_content(self, file, timeout, value):
        file.write(pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol))
        file.write(zlib.compress(pickle.dumps(value, self.pickle_protocol), 0))
