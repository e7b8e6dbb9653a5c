"""Real-browser journeys: Debian's Chromium driven by Playwright against Loupe served by gunicorn.

The server runs in its own data directory with the demo content loaded through
the same commands `make run` uses; tests act only through the browser and
Loupe's management commands, as the newsroom would.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("LOUPE_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


class Site:
    """A Loupe instance on loopback, with its own data directory."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOUPE_", "DATABASE_URL"))},
            "LOUPE_DATA_DIR": str(data_dir),
            "LOUPE_SITE_URL": self.url,
            "PYTHONUNBUFFERED": "1",
            # Every browser here comes from 127.0.0.1, so one address stands for many readers.
            "LOUPE_COMMENT_RATE_LIMIT": "100",
        }
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str, timeout: int = 300) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> None:
        self.manage("migrate", "--no-input")
        self.manage("load_demo")
        log = open(self.data_dir / "server.log", "w")  # noqa: SIM115 -- closed with the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "newsroom.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:  # noqa: S310 -- loopback
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise AssertionError("The server did not answer within 60 s:\n" + (self.data_dir / "server.log").read_text())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: install Debian's chromium package (apt-get install chromium).")
    instance = Site(tmp_path_factory.mktemp("loupe-e2e"))
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--disable-background-networking", "--disable-component-update", "--no-first-run"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, site):
    """Open a fresh browser context (its own cookies) and page; `javascript=False` for the no-JS reader."""
    contexts = []

    def open_page(*, javascript: bool = True):
        context = browser.new_context(
            base_url=site.url, java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shots(request):
    """Save numbered screenshots of key screens under test-artifacts/e2e/<test name>/."""
    folder = ARTIFACTS / re.sub(r"[^\w-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    counter = iter(range(1, 1000))

    def take(page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login(page, username: str, password: str) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/(?!login)"))


def assert_accessible(page, *, context: str = "") -> None:
    """Run axe-core in the page; fail on any serious or critical violation.

    page.evaluate goes through the DevTools protocol, so the site's CSP stays on.
    """
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    bad = [v for v in result if v["impact"] in {"serious", "critical"}]
    assert not bad, f"{context or page.url}: " + json.dumps(
        [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad],
        indent=1,
    )
