"""Requests per second for a 45-photo gallery page: rendered, from the page cache, and as a static file.

Builds its own data in a temporary LOUPE_DATA_DIR (production settings, SQLite),
serves it with gunicorn (2 sync workers) on 127.0.0.1 and loads each URL with
Debian's `wrk` for a bounded time (a small threaded Python loop when wrk is
missing), the three loads taking turns over several rounds. Prints a table,
then, as its last line, one JSON object.

    .venv/bin/python bench/pages.py            # BENCH_ROUNDS=3 of BENCH_SECONDS=5 by default
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--workers", "2", "--log-level", "warning"]
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))


def environment(data_dir: Path, *, cache_seconds: int, secret: str) -> dict[str, str]:
    # Nothing from the caller's environment may change the server under test (GUNICORN_CMD_ARGS could add workers).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LOUPE_", "DATABASE_URL", "REDIS_URL", "GUNICORN_", "WEB_CONCURRENCY"))
    }
    return env | {
        "LOUPE_ENV": "production",
        "DJANGO_SECRET_KEY": secret,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LOUPE_DATA_DIR": str(data_dir),
        "LOUPE_SITE_URL": "http://127.0.0.1",
        "LOUPE_TASK_BACKEND": "immediate",
        "LOUPE_PAGE_CACHE_SECONDS": str(cache_seconds),
        "LOUPE_LOG_LEVEL": "WARNING",
    }


def build() -> None:
    """Runs inside the bench environment: database, static files, two galleries, query counts, the static copy."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from galleries.imaging import RESPONSIVE_WIDTHS
    from galleries.models import Gallery, Item, Photo, Photographer, Rendition, Section, Tag
    from newsroom.models import Comment

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    photographer = Photographer.objects.create(name="Amara Okafor", slug="amara-okafor", bio="Covers ports.")
    section = Section.objects.create(name="Work", slug="work")
    tag = Tag.objects.create(name="Harbours", slug="harbours")
    placeholder = "data:image/webp;base64,UklGRiwAAABXRUJQVlA4ICAAAACQAQCdASoQAAsABABoJZQAAudZt7gA/vDDPZsZv1tAAA=="

    def gallery(size: int) -> Gallery:
        photos = Photo.objects.bulk_create(
            Photo(
                original=f"bench/{n}.jpg",
                sha256=secrets.token_hex(32),
                original_format="JPEG",
                width=2400,
                height=1600,
                alt_text=f"Dock workers unload crates of fish under floodlights, scene {n}.",
                credit_line="Amara Okafor / Loupe",
                copyright="© 2026 Loupe",
                photographer=photographer,
                state=Photo.State.READY,
                placeholder=placeholder,
                dominant_color="#223344",
            )
            for n in range(size)
        )
        Rendition.objects.bulk_create(
            Rendition(
                photo=photo,
                purpose=purpose,
                format=fmt,
                width=width,
                height=height,
                name=f"{name[:2]}/{name}.{fmt}",
                size_bytes=50_000,
                is_public=True,
            )
            for photo in photos
            for purpose, fmt, width, height in [
                *[("responsive", fmt, w, w * 2 // 3) for fmt in ("avif", "webp", "jpeg") for w in RESPONSIVE_WIDTHS],
                ("social", "jpeg", 1200, 630),
            ]
            # Content-addressed names, as the render task writes them.
            for name in [secrets.token_hex(20)]
        )
        story = Gallery.objects.create(
            title=f"{size} photos from the night shift at the harbour",
            slug=f"night-shift-{size}",
            kind=Gallery.Kind.STORY,
            dek="While the town sleeps, a crew of forty unloads, weighs and sells the day's catch.",
            introduction="I spent a month of nights on the quay.\n\n“Nobody sees us,” a crane driver said.",
            section=section,
            cover=photos[0],
            status=Gallery.Status.PUBLISHED,
            published_at=timezone.now() - timezone.timedelta(hours=1),
        )
        story.photographers.add(photographer)
        story.tags.add(tag)
        Item.objects.bulk_create(
            Item(
                gallery=story,
                photo=photo,
                position=n,
                headline=f"Shift change {n + 1}",
                caption="The night crew arrives at ten. Most of them have worked the harbour for twenty years "
                "or more, and *nobody* hurries.",
            )
            for n, photo in enumerate(photos)
        )
        for n in range(3):
            root = Comment.objects.create(
                gallery=story,
                author_name=f"Reader {n}",
                body="Wonderful light in these.",
                ip_hash="0" * 32,
                status=Comment.Status.APPROVED,
            )
            Comment.objects.create(
                gallery=story,
                parent=root,
                root=root,
                depth=1,
                author_name="Reply",
                body="Agreed.",
                ip_hash="0" * 32,
                status=Comment.Status.APPROVED,
            )
        return story

    client = Client(HTTP_HOST="127.0.0.1")
    counts, pages = {}, {}
    for size in (45, 200):
        story = gallery(size)
        with override_settings(LOUPE_PAGE_CACHE_SECONDS=0), CaptureQueriesContext(connection) as queries:
            response = client.get(story.get_absolute_url())
        assert response.status_code == 200, response.status_code
        counts[size], pages[size] = len(queries), response.content
    static = Path(settings.STATIC_ROOT) / "bench" / "gallery-45.html"
    static.parent.mkdir(parents=True, exist_ok=True)
    static.write_bytes(pages[45])
    print(json.dumps({"queries_45": counts[45], "queries_200": counts[200], "html_bytes": len(pages[45])}))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*GUNICORN, "--bind", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/static/bench/gallery-45.html", timeout=2).read()  # noqa: S310 - loopback
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def load(url: str) -> float:
    """Requests per second over SECONDS with CONNECTIONS concurrent clients; refuses a run with errors."""
    for _ in range(20):  # each worker fills its own caches first
        urllib.request.urlopen(url, timeout=10).read()  # noqa: S310 - loopback
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", url],
            capture_output=True,
            text=True,
            timeout=SECONDS + 30,
            check=True,
        ).stdout
        if "Non-2xx" in out or "Socket errors" in out:
            raise RuntimeError(f"errors while loading {url}:\n{out}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done, stop = [0] * CONNECTIONS, time.monotonic() + SECONDS

    def worker(slot: int) -> None:
        while time.monotonic() < stop:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
                response.read()
            done[slot] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / SECONDS


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> None:
    secret = secrets.token_urlsafe(64)
    page = "/galleries/night-shift-45/"
    with tempfile.TemporaryDirectory(prefix="loupe-bench-") as tmp:
        data = Path(tmp)
        built = subprocess.run(
            [sys.executable, __file__, "--build"],
            cwd=ROOT,
            env=environment(data, cache_seconds=300, secret=secret),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if built.returncode:
            sys.exit(f"building the bench data failed:\n{built.stdout}\n{built.stderr}")
        facts = json.loads(built.stdout.strip().splitlines()[-1])
        # Both servers stay up and the three loads take turns, round after round, each round in a different
        # order: a neighbour on a shared machine slows all three of a round alike, so each round's ratios hold
        # even when the load around them changes. An idle server costs nothing while the other is loaded.
        rendering = Server(environment(data, cache_seconds=0, secret=secret))
        try:
            caching = Server(environment(data, cache_seconds=300, secret=secret))
            try:
                urls = {
                    "uncached": rendering.url + page,
                    "cached": caching.url + page,
                    "static": caching.url + "/static/bench/gallery-45.html",
                }
                rounds = []
                for number in range(ROUNDS):
                    order = list(urls)[number % 3 :] + list(urls)[: number % 3]
                    rounds.append({what: load(urls[what]) for what in order})
            finally:
                caching.stop()
        finally:
            rendering.stop()
    uncached = median([r["uncached"] for r in rounds])
    cached = median([r["cached"] for r in rounds])
    static = median([r["static"] for r in rounds])
    result = {
        "uncached_rps": round(uncached, 1),
        "cached_rps": round(cached, 1),
        "static_rps": round(static, 1),
        "uncached_vs_static": round(median([r["uncached"] / r["static"] for r in rounds]), 3),
        "cached_vs_static": round(median([r["cached"] / r["static"] for r in rounds]), 3),
        "queries_45": facts["queries_45"],
        "queries_200": facts["queries_200"],
        "html_kb": round(facts["html_bytes"] / 1024, 1),
    }
    tool = "wrk" if shutil.which("wrk") else "python threads"
    print(
        f"45-photo gallery page, gunicorn 2 sync workers, {CONNECTIONS} connections, "
        f"{ROUNDS} rounds of {SECONDS}s each ({tool})"
    )
    heads = "".join(f"{f'round {n + 1}':>12}" for n in range(ROUNDS))
    print(f"{'what':<28}{heads}{'median':>12}{'vs static':>11}")
    for what, label, ratio in (
        ("uncached", "rendered (no page cache)", "uncached_vs_static"),
        ("cached", "page cache", "cached_vs_static"),
        ("static", "same bytes, static file", None),
    ):
        cells = "".join(f"{r[what]:>12.1f}" for r in rounds)
        print(f"{label:<28}{cells}{result[f'{what}_rps']:>12.1f}{result[ratio] if ratio else 1.0:>10.3f}x")
    print("(each ratio is the median of the rounds' own ratios)")
    print(f"queries: {facts['queries_45']} at 45 photos, {facts['queries_200']} at 200; page {result['html_kb']} KB")
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:] == ["--build"]:
        build()
    else:
        main()
