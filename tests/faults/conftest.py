"""Loupe's real processes against real services, each service behind a proxy the tests control.

PostgreSQL (127.0.0.1:5432, a database of the suite's own), Redis (127.0.0.1:6379, db 14) and an S3-protocol
server (moto, on loopback) each sit behind a FaultProxy. gunicorn with two workers, two `manage.py worker`s
and one `periodic` talk to the proxies only; the tests read the truth straight from PostgreSQL and S3.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import redis
import requests

from tests.faults.proxy import FaultProxy

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DATABASE = "loupe_faults_suite"
REDIS_DB = 14
SECRET = "loupe-development-key-never-use-in-production"
RESULTS: list[tuple[str, str]] = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Process:
    def __init__(self, name: str, args: list[str], env: dict, logs: Path):
        self.name, self.args, self.env, self.logs = name, args, env, logs
        self.popen: subprocess.Popen | None = None

    def start(self) -> "Process":
        log = open(self.logs / f"{self.name}.log", "ab")  # noqa: SIM115  (closed with the process)
        self.popen = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)

    def stop(self) -> None:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class Stack:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.logs = tmp / "logs"
        self.logs.mkdir()
        # A process of its own, as a real storage server would be: not sharing this one's interpreter lock.
        s3_port = _free_port()
        self.moto = Process("s3", [PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)], {}, self.logs)
        self.moto.env = dict(os.environ)
        self.moto.start()
        self.s3_direct = f"http://127.0.0.1:{s3_port}"
        wait_for(lambda: requests.get(self.s3_direct, timeout=2).status_code < 500, timeout=60, what="moto")
        self.db = FaultProxy(5432, name="postgresql")
        self.cache = FaultProxy(6379, name="redis")
        self.storage = FaultProxy(s3_port, name="s3")
        self.web_port = _free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("LOUPE_", "DJANGO_", "DATABASE_", "REDIS_"))},
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": SECRET,
            "LOUPE_DATA_DIR": str(tmp / "data"),
            "LOUPE_SITE_URL": self.url,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.db.port}/{DATABASE}",
            "LOUPE_DB_POOL_MAX": "4",
            "REDIS_URL": f"redis://127.0.0.1:{self.cache.port}/{REDIS_DB}",
            "LOUPE_CACHE_PREFIX": "faults",
            "LOUPE_TASK_BACKEND": "database",
            "LOUPE_S3_BUCKET": "faults-public",
            "LOUPE_S3_PRIVATE_BUCKET": "faults-private",
            "LOUPE_S3_ENDPOINT_URL": f"http://127.0.0.1:{self.storage.port}",
            "LOUPE_S3_REGION": "us-east-1",
            "LOUPE_S3_ACCESS_KEY_ID": "testing",
            "LOUPE_S3_SECRET_ACCESS_KEY": "testing",
            "LOUPE_S3_TIMEOUT": "3",
            "LOUPE_STORAGE_RETRY_SECONDS": "180",
            "LOUPE_WORKER_LOST_SECONDS": "20",
            "LOUPE_COMMENT_RATE_LIMIT": "1000",
            "LOUPE_LOG_LEVEL": "WARNING",
        }
        self.processes: dict[str, Process] = {}

    # Set-up ---------------------------------------------------------------------------------------------

    def prepare(self) -> None:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        redis.Redis(port=6379, db=REDIS_DB).flushdb()
        s3 = self.s3()
        for bucket in ("faults-public", "faults-private"):
            s3.create_bucket(Bucket=bucket)
        self.manage("migrate", "--no-input", "-v", "0")
        self.manage("collectstatic", "--no-input", "-v", "0")
        self.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model as m; "
            "m().objects.create_superuser('editor', 'editor@example.org', 'faults-editor-password')",
        )

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def make_content(self, label: str, *, photos: int, size: int = 360, photos_only: bool = False) -> dict:
        args = [PYTHON, "-m", "tests.faults.make_content", "--label", label, "--photos", str(photos)]
        args += ["--size", str(size)] + (["--photos-only"] if photos_only else [])
        done = subprocess.run(args, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(done.stderr)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self) -> None:
        self.processes = {
            "web": Process(
                "web",
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "newsroom.wsgi",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--bind",
                    f"127.0.0.1:{self.web_port}",
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "3",
                ],
                self.env,
                self.logs,
            ),
            "worker-a": self._worker("faults-a"),
            "worker-b": self._worker("faults-b"),
            "periodic": self.periodic(),
        }
        for process in self.processes.values():
            process.start()
        wait_for(lambda: requests.get(f"{self.url}/health/", timeout=10).status_code == 200, timeout=180, what="web")

    def _worker(self, worker_id: str) -> Process:
        args = [PYTHON, "manage.py", "worker", "--worker-id", worker_id, "--no-reload", "--interval", "0.5"]
        return Process(worker_id, args, self.env, self.logs)

    def periodic(self) -> Process:
        return Process("periodic", [PYTHON, "manage.py", "periodic", "--every", "3"], self.env, self.logs)

    def close(self) -> None:
        for process in self.processes.values():
            process.stop()
        for proxy in (self.db, self.cache, self.storage):
            proxy.close()
        self.moto.stop()

    # Ground truth, read around the proxies ------------------------------------------------------------------

    def sql(self, query: str, *params):
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{DATABASE}", autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def s3(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.s3_direct,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def public_keys(self) -> set[str]:
        pages = self.s3().get_paginator("list_objects_v2").paginate(Bucket="faults-public")
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def photos_ready(self, ids: list[int]) -> bool:
        states = self.sql("SELECT state FROM galleries_photo WHERE id = ANY(%s)", ids)
        return len(states) == len(ids) and all(state == "ready" for (state,) in states)

    def gallery_fully_public(self, gallery_id: int) -> bool:
        """Published to readers, and every rendition of every photo it shows is in the public bucket."""
        ((status, publishing),) = self.sql("SELECT status, publishing FROM galleries_gallery WHERE id = %s", gallery_id)
        if status != "published" or publishing:
            return False
        names = self.sql(
            "SELECT r.name, r.is_public FROM galleries_rendition r JOIN galleries_item i ON i.photo_id = r.photo_id "
            "WHERE i.gallery_id = %s",
            gallery_id,
        )
        keys = self.public_keys()
        return bool(names) and all(public and name in keys for name, public in names)

    def signed_in(self) -> requests.Session:
        session = requests.Session()
        login = f"{self.url}/admin/login/"
        session.get(login, timeout=10)
        response = session.post(
            login,
            data={
                "username": "editor",
                "password": "faults-editor-password",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
                "next": "/admin/",
            },
            headers={"Referer": login},
            timeout=10,
        )
        assert response.status_code == 200 and "sessionid" in session.cookies, response.text[:300]
        return session

    def approve(self, session: requests.Session, gallery_id: int) -> requests.Response:
        url = f"{self.url}/admin/galleries/gallery/{gallery_id}/workflow/approve/"
        change = f"{self.url}/admin/galleries/gallery/{gallery_id}/change/"
        session.get(change, timeout=10)
        return session.post(
            url,
            data={"csrfmiddlewaretoken": session.cookies["csrftoken"], "publish_at": ""},
            headers={"Referer": change},
            timeout=30,
            allow_redirects=False,
        )


def record(name: str, line: str) -> None:
    RESULTS.append((name, line))
    print(f"\nfault {name}: {line}", flush=True)


@pytest.fixture(scope="session")
def stack():
    if not shutil_which_gunicorn():
        pytest.skip("gunicorn is not installed")
    # Not pytest's tmp_path: its old folders are pruned, and the processes' logs must outlive the run.
    stack = Stack(Path(tempfile.mkdtemp(prefix="loupe-faults-")))
    try:
        stack.prepare()
        stack.start()
        yield stack
    finally:
        stack.close()
        print(f"\nlogs of the fault suite's processes: {stack.logs}")


def shutil_which_gunicorn() -> bool:
    import importlib.util

    return importlib.util.find_spec("gunicorn") is not None


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not RESULTS and not config.getoption("markexpr", "").startswith("faults"):
        return
    failed = len(terminalreporter.stats.get("failed", [])) + len(terminalreporter.stats.get("error", []))
    terminalreporter.write_line("")
    for name, line in RESULTS:
        terminalreporter.write_line(f"fault {name}: {line}")
    terminalreporter.write_line(f"faults: {len(RESULTS)} survived, {failed} lost")
