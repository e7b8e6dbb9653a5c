"""Requests per second for a 45-photo, 200-comment gallery page, against the same bytes served raw.

Builds its own data in a temporary LOUPE_DATA_DIR (production settings, SQLite), serves it with gunicorn
(2 sync workers) on 127.0.0.1 and loads it with Debian's `wrk` for a bounded time (a threaded Python
loader when wrk is missing). Each round runs these loads in turn:

- raw: the page's exact bytes, from memory, by a minimal WSGI app with no Django: the denominator;
- cached: the page from the page cache;
- comment miss: the page right after a comment on it is approved. Before each request the worker that
  answers it puts one of the page's comments back in the queue and approves it with the moderators'
  own `approve_comment`, so whatever an approval invalidates is invalid. The workers time those
  approvals, and that time is taken out: the rate is the page's, as if a moderator elsewhere approved;
- cold: the page with every cache emptied before each request;
- mixed: 95% reads of three such pages, 4% photo votes and 1% comment posts by readers whose comments
  are published at once, every request counted.

Prints a table, then, as its last line, one JSON object; each ratio is the median of the rounds' own.

    .venv/bin/python bench/pages.py            # BENCH_ROUNDS=3 of BENCH_SECONDS=5 by default

BENCH_PORTS=8120,8121 serves the site and the raw copy on those loopback ports rather than on free ones.
BENCH_REDIS_URL=redis://127.0.0.1:6379/11 caches in that Redis database, as production does, instead of the
embedded default's files (the load that empties every cache empties that database).
"""

import http.client
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
PORTS = [int(port) for port in os.environ.get("BENCH_PORTS", "").split(",") if port.strip()]
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "")
PAGE = "/galleries/night-shift-45/"
PHOTOS, COMMENTS = 45, 200
# The mixed load's shares, in requests out of 100: page reads, votes, the rest comment posts.
READS, VOTES = 95, 4
WORKERS = 2
GUNICORN = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--log-level", "warning"]


def environment(data_dir: Path, *, secret: str) -> dict[str, str]:
    # Nothing from the caller's environment may change the server under test (GUNICORN_CMD_ARGS could add workers).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LOUPE_", "DATABASE_URL", "REDIS_URL", "GUNICORN_", "WEB_CONCURRENCY"))
    }
    return (
        env
        | {
            "LOUPE_ENV": "production",
            "DJANGO_SECRET_KEY": secret,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "LOUPE_DATA_DIR": str(data_dir),
            "LOUPE_SITE_URL": "http://127.0.0.1",
            "LOUPE_TASK_BACKEND": "immediate",
            # The bench's photos are rows without files: nothing is rendered, so nothing is signed.
            "LOUPE_C2PA_SIGNING": "false",
            "LOUPE_PAGE_CACHE_SECONDS": "300",
            "LOUPE_LOG_LEVEL": "WARNING",
            # The mixed load's readers are many: each vote and comment names its own address, as a proxy would.
            "LOUPE_TRUSTED_PROXIES": "1",
            "BENCH_RAW_PAGE": str(data_dir / "raw-page.html"),
            "BENCH_APPROVALS": str(data_dir / "approvals.log"),
        }
        | ({"REDIS_URL": REDIS_URL, "LOUPE_CACHE_PREFIX": f"bench-{data_dir.name}"} if REDIS_URL else {})
    )


# --- The applications gunicorn serves (`bench.pages:raw_app()`, `bench.pages:site_app()`) ------------------


def raw_app():
    """The page's bytes from memory: what the fastest possible Python answer under gunicorn costs."""
    body = Path(os.environ["BENCH_RAW_PAGE"]).read_bytes()
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]

    def application(environ, start_response):
        start_response("200 OK", headers)
        return [body]

    return application


def site_app():
    """Loupe, with two bench hooks a request can ask for in a header, run before Loupe sees the request.

    X-Bench-Approve: <comment id> puts that comment back in the queue and approves it as a moderator would,
    and adds how long that took to the BENCH_APPROVALS file; X-Bench-Cold: 1 empties every cache.
    """
    import importlib

    # Loupe's WSGI module sets Django up, so it is loaded before anything that needs the settings.
    loupe = importlib.import_module("newsroom.wsgi").application
    from django.contrib.auth import get_user_model
    from django.core.cache import caches
    from django.db import transaction

    from newsroom.models import Comment
    from newsroom.moderation import approve_comment

    moderator = []

    log = os.environ["BENCH_APPROVALS"]

    def approve(comment_id: int) -> None:
        started = time.perf_counter()
        if not moderator:
            moderator.append(get_user_model().objects.get(username="bench-moderator"))
        with transaction.atomic():
            Comment.objects.filter(pk=comment_id).update(status=Comment.Status.PENDING)
            approve_comment(comment=Comment.objects.get(pk=comment_id), by=moderator[0])
        # One short appended line per approval: the two workers' lines never mix.
        with open(log, "a") as file:
            file.write(f"{time.perf_counter() - started:.6f}\n")

    def application(environ, start_response):
        if comment_id := environ.get("HTTP_X_BENCH_APPROVE"):
            approve(int(comment_id))
        if environ.get("HTTP_X_BENCH_COLD"):
            for cache in caches.all():
                cache.clear()
        return loupe(environ, start_response)

    return application


# --- Data ---------------------------------------------------------------------------------------


def build() -> None:
    """Runs inside the bench environment: database, static files, the galleries, query counts, the load's facts."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from galleries.imaging import RESPONSIVE_WIDTHS
    from galleries.models import Gallery, Item, Photo, Photographer, Rendition, Section, Tag
    from newsroom.models import Comment
    from newsroom.moderation import approve_comment, issue_form_stamp
    from newsroom.trust import COOKIE, sign_proof

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    photographer = Photographer.objects.create(name="Amara Okafor", slug="amara-okafor", bio="Covers ports.")
    section = Section.objects.create(name="Work", slug="work")
    tag = Tag.objects.create(name="Harbours", slug="harbours")
    placeholder = "data:image/webp;base64,UklGRiwAAABXRUJQVlA4ICAAAACQAQCdASoQAAsABABoJZQAAudZt7gA/vDDPZsZv1tAAA=="
    readers = [(f"Reader {n}", f"reader{n}@example.org") for n in range(20)]
    sayings = [
        "Wonderful light in these.",
        "My grandfather drove one of those cranes, and nobody ever photographed him at work.",
        "Agreed.",
        "The one of the ice house is the best thing I have seen this year. Thank you for staying all month.",
        "Do the buyers really bid with nods? I would love a story about the auction alone.",
    ]

    def comments(story: Gallery) -> None:
        # Threads as readers leave them: 80 comments, 80 replies to them, 40 replies to those replies.
        def made(parents: list, count: int, offset: int) -> list:
            rows = []
            for n in range(count):
                parent = parents[n] if parents else None
                name, email = readers[(n + offset) % len(readers)]
                rows.append(
                    Comment(
                        gallery=story,
                        parent=parent,
                        root=(parent.root or parent) if parent else None,
                        depth=parent.depth + 1 if parent else 0,
                        author_name=name,
                        author_email=email,
                        body=sayings[(n + offset) % len(sayings)],
                        ip_hash="0" * 32,
                        status=Comment.Status.APPROVED,
                        created_at=timezone.now() - timezone.timedelta(minutes=COMMENTS - n - offset),
                    )
                )
            return Comment.objects.bulk_create(rows)

        roots = made([], 80, 0)
        replies = made(roots, 80, 80)
        made(replies, COMMENTS - 160, 160)

    def comments_of(email: str) -> list[int]:
        return list(Comment.objects.filter(author_email=email).values_list("pk", flat=True)[:5])

    def gallery(slug: str, size: int) -> Gallery:
        photos = Photo.objects.bulk_create(
            Photo(
                original=f"bench/{slug}-{n}.jpg",
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
            slug=slug,
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
        comments(story)
        return story

    moderator = get_user_model().objects.create_user("bench-moderator", is_staff=True)
    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for size in (PHOTOS, 200):
        story = gallery(f"night-shift-{size}", size)
        with override_settings(LOUPE_PAGE_CACHE_SECONDS=0), CaptureQueriesContext(connection) as queries:
            response = client.get(story.get_absolute_url())
        assert response.status_code == 200, response.status_code
        counts[size] = len(queries)
    # The comment the comment-miss load approves over and over: published once the way moderators publish.
    approved = Comment.objects.filter(gallery__slug=PAGE.split("/")[2], depth=0).earliest("created_at")
    Comment.objects.filter(pk=approved.pk).update(status=Comment.Status.PENDING)
    approve_comment(comment=approved, by=moderator)
    # The mixed load reads, votes and comments on three galleries of its own, leaving the measured page as it is.
    mixed = [gallery(f"harbour-{n}", PHOTOS) for n in range(3)]
    print(
        json.dumps(
            {
                "queries_45": counts[PHOTOS],
                "queries_200": counts[200],
                "approve": approved.pk,
                "mix": {
                    "pages": [story.get_absolute_url() for story in mixed],
                    "votes": [
                        f"{story.get_absolute_url()}photos/{pk}/vote/"
                        for story in mixed
                        for pk in story.items.values_list("pk", flat=True)
                    ],
                    "galleries": [story.pk for story in mixed],
                    # Readers with a published comment are trusted, proven by the signed cookie their browser got
                    # when they posted it: theirs are published at once.
                    "readers": [email for _, email in readers],
                    "proofs": [f"{COOKIE}={sign_proof(comments_of(email))}" for _, email in readers],
                    # A form shown a minute ago, as a reader who took a minute to write would send it.
                    "stamp": issue_form_stamp(at=time.time() - 60),
                },
            }
        )
    )


def tally() -> None:
    """Runs inside the bench environment after the loads: what the mixed load's writes became."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from galleries.models import Vote
    from newsroom.models import Comment

    posted = Comment.objects.filter(gallery__slug__startswith="harbour-", body__startswith="Seen from the quay")
    print(
        json.dumps(
            {
                "published": posted.filter(status=Comment.Status.APPROVED).count(),
                "not_published": posted.exclude(status=Comment.Status.APPROVED).count(),
                "votes": Vote.objects.filter(item__gallery__slug__startswith="harbour-").count(),
            }
        )
    )


# --- The mixed load -----------------------------------------------------------------------------


def mixed_request(mix: dict, *, origin: str, roll: int, worker: int, n: int, nonce: int) -> tuple:
    """The n-th request of one mixed-load worker as (method, path, headers, body); `roll` is from 1 to 100.

    wrk runs the same choices in Lua (MIXED_LUA): keep the two alike.
    """
    if roll <= READS:
        return "GET", random.choice(mix["pages"]), {}, b""
    # Each write comes from an address of its own: a crowd of readers, not one reader over the limits.
    address = f"10.{(nonce * 8 + worker) % 256}.{n // 256 % 256}.{n % 256}"
    headers = {"Origin": origin, "X-Forwarded-For": address, "Content-Type": "application/x-www-form-urlencoded"}
    if roll <= READS + VOTES:
        return "POST", random.choice(mix["votes"]), headers, b""
    reader = random.randrange(len(mix["readers"]))
    headers["Cookie"] = mix["proofs"][reader]
    body = urllib.parse.urlencode(
        {
            "gallery": random.choice(mix["galleries"]),
            "author_name": "Reader",
            "author_email": mix["readers"][reader],
            "website": "",
            "stamp": mix["stamp"],
            "body": f"Seen from the quay, note {nonce}-{worker}-{n}",
        }
    )
    return "POST", "/comments/post/", headers, body.encode()


MIXED_LUA = """
local pages = {%(pages)s}
local votes = {%(votes)s}
local galleries = {%(galleries)s}
local readers = {%(readers)s}
local proofs = {%(proofs)s}
local threads = 0
local n = 0
local nonce = 0

function setup(thread)
  threads = threads + 1
  thread:set("worker", threads)
end

function init(args)
  nonce = tonumber(args[1]) or 0
  math.randomseed(nonce * 1000 + worker)
end

function request()
  n = n + 1
  local roll = math.random(100)
  if roll <= %(reads)d then
    return wrk.format("GET", pages[math.random(#pages)])
  end
  local address = string.format("10.%%d.%%d.%%d", (nonce * 8 + worker) %% 256, math.floor(n / 256) %% 256, n %% 256)
  local headers = {
    ["Origin"] = "%(origin)s",
    ["X-Forwarded-For"] = address,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  if roll <= %(reads)d + %(votes_share)d then
    return wrk.format("POST", votes[math.random(#votes)], headers, "")
  end
  local reader = math.random(#readers)
  headers["Cookie"] = proofs[reader]
  local body = "gallery=" .. galleries[math.random(#galleries)] .. "&author_name=Reader&author_email="
    .. readers[reader] .. "&website=&stamp=%(stamp)s&body=Seen+from+the+quay%%2C+note+"
    .. nonce .. "-" .. worker .. "-" .. n
  return wrk.format("POST", "/comments/post/", headers, body)
end
"""


def mixed_script(mix: dict, *, origin: str, path: Path) -> Path:
    def strings(values) -> str:
        return ", ".join(json.dumps(str(value)) for value in values)

    path.write_text(
        MIXED_LUA
        % {
            "pages": strings(mix["pages"]),
            "votes": strings(mix["votes"]),
            "galleries": strings(mix["galleries"]),
            "readers": strings(urllib.parse.quote(email, safe="") for email in mix["readers"]),
            "proofs": strings(mix["proofs"]),
            "stamp": urllib.parse.quote(mix["stamp"], safe=""),
            "origin": origin,
            "reads": READS,
            "votes_share": VOTES,
        }
    )
    return path


# --- Serving and loading ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving `app`, imported from the project's root (bench.pages:…): with bench/ itself on the
    path, `import api` would find bench/api.py instead of Loupe's app."""

    def __init__(self, app: str, env: dict[str, str], *, ready: str, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*GUNICORN, app, "--pythonpath", str(ROOT), "--bind", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + ready, timeout=2).read()  # noqa: S310 - loopback
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start {app}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Load:
    """One load: a URL with headers, or the mixed load's script, run by wrk or by Python threads."""

    def __init__(self, url: str, *, headers: dict | None = None, mix: dict | None = None, script: Path | None = None):
        self.url, self.headers, self.mix, self.script = url, headers or {}, mix, script

    def run(self, nonce: int, *, measuring: Callable[[], None] = lambda: None) -> tuple[int, float]:
        """Requests answered, and seconds, of SECONDS with CONNECTIONS concurrent clients; refuses errors.

        `measuring` is called once the warm-up is over and the measured requests start.
        """
        for n in range(20):  # each worker fills its own caches first
            self.one(random.randint(1, READS), worker=0, n=n, nonce=nonce)
        measuring()
        if shutil.which("wrk"):
            # A request slower than wrk's default two seconds on a busy machine is slow, not an error.
            command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "30s"]
            command += [f"-H{name}: {value}" for name, value in self.headers.items()]
            command += ["-s", str(self.script), self.url, "--", str(nonce)] if self.script else [self.url]
            out = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS + 30, check=True).stdout
            if "Non-2xx" in out or "Socket errors" in out:
                raise RuntimeError(f"errors while loading {self.url}:\n{out}")
            answered, took, unit = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).groups()
            return int(answered), float(took) * {"ms": 0.001, "s": 1, "m": 60}[unit]
        done, stop = [0] * CONNECTIONS, time.monotonic() + SECONDS

        def worker(slot: int) -> None:
            while time.monotonic() < stop:
                self.one(random.randint(1, 100), worker=slot + 1, n=done[slot] + 1, nonce=nonce)
                done[slot] += 1

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(done), SECONDS

    def one(self, roll: int, *, worker: int, n: int, nonce: int) -> None:
        parts = urllib.parse.urlsplit(self.url)
        if self.mix:
            method, path, headers, body = mixed_request(
                self.mix, origin=f"{parts.scheme}://{parts.netloc}", roll=roll, worker=worker, n=n, nonce=nonce
            )
        else:
            method, path, headers, body = "GET", parts.path, self.headers, b""
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status}")


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def without_approvals(answered: int, seconds: float, approvals: list[float]) -> float:
    """Requests per second once the workers' time spent approving is given back to them.

    The connections keep both workers busy, so the answered requests took WORKERS x seconds of worker time;
    each of them also cost one approval, at the mean of those the workers timed.
    """
    spent = answered * (sum(approvals) / len(approvals)) / WORKERS
    return answered / (seconds - spent)


LOADS = (
    # key, label, ratio key
    ("raw", "same bytes, raw WSGI", None),
    ("cached", "page cache hit", "cached_vs_raw"),
    ("comment_miss", "after a comment approval", "comment_miss_vs_raw"),
    ("comment_miss_gross", "(approvals counted in)", "comment_miss_with_approval_vs_raw"),
    ("cold", "every cache empty", "cold_vs_raw"),
    ("mixed", "mixed 95/4/1", "mixed_vs_raw"),
)


def build_data(script: str, env: dict[str, str]) -> dict:
    """Run `script --build` in the bench's environment: it fills the database and says what it made, as JSON."""
    built = subprocess.run(
        [sys.executable, script, "--build"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if built.returncode:
        sys.exit(f"building the bench data failed:\n{built.stdout}\n{built.stderr}")
    return json.loads(built.stdout.strip().splitlines()[-1])


def main() -> None:
    secret = secrets.token_urlsafe(64)
    with tempfile.TemporaryDirectory(prefix="loupe-bench-") as tmp:
        data = Path(tmp)
        env = environment(data, secret=secret)
        facts = build_data(__file__, env)
        # Both servers stay up and the loads take turns, round after round, each round in a different order:
        # a neighbour on a shared machine slows all the loads of a round alike, so each round's ratios hold
        # even when the load around them changes. An idle server costs nothing while the other is loaded.
        site = Server("bench.pages:site_app()", env, ready=PAGE, port=PORTS[0] if PORTS else None)
        try:
            # The raw copy is what the site itself serves, byte for byte.
            with urllib.request.urlopen(site.url + PAGE, timeout=10) as response:  # noqa: S310 - loopback
                page = response.read()
            (data / "raw-page.html").write_bytes(page)
            raw = Server("bench.pages:raw_app()", env, ready="/", port=PORTS[1] if len(PORTS) > 1 else None)
            try:
                approve = {"X-Bench-Approve": str(facts["approve"])}
                loads = {
                    "raw": Load(raw.url + PAGE),
                    "cached": Load(site.url + PAGE),
                    "comment_miss": Load(site.url + PAGE, headers=approve),
                    "cold": Load(site.url + PAGE, headers={"X-Bench-Cold": "1"}),
                    "mixed": Load(
                        site.url,
                        mix=facts["mix"],
                        script=mixed_script(facts["mix"], origin=site.url, path=data / "mixed.lua"),
                    ),
                }
                approvals = Path(env["BENCH_APPROVALS"])

                def forget_approvals() -> None:
                    approvals.unlink(missing_ok=True)

                rounds = []
                for number in range(ROUNDS):
                    order = list(loads)[number % len(loads) :] + list(loads)[: number % len(loads)]
                    measured = {}
                    for what in order:
                        answered, seconds = loads[what].run(nonce=number + 1, measuring=forget_approvals)
                        measured[what] = answered / seconds
                        if what == "comment_miss":
                            timed = [float(line) for line in approvals.read_text().split()]
                            measured["comment_miss_gross"] = measured[what]
                            measured[what] = without_approvals(answered, seconds, timed)
                            measured["approval_ms"] = 1000 * sum(timed) / len(timed)
                    rounds.append(measured)
            finally:
                raw.stop()
        finally:
            site.stop()
        counted = subprocess.run(
            [sys.executable, __file__, "--tally"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        writes = json.loads(counted.stdout.strip().splitlines()[-1])
    result = {f"{what}_rps": round(median([r[what] for r in rounds]), 1) for what, _, _ in LOADS}
    for what, _, ratio in LOADS:
        if ratio:
            result[ratio] = round(median([r[what] / r["raw"] for r in rounds]), 4)
    result |= {
        "approval_ms": round(median([r["approval_ms"] for r in rounds]), 1),
        "queries_45": facts["queries_45"],
        "queries_200": facts["queries_200"],
        "comments": COMMENTS,
        "html_kb": round(len(page) / 1024, 1),
        "loader": "wrk" if shutil.which("wrk") else "python threads",
        "cache": "redis" if REDIS_URL else "files",
        "mixed_comments_published": writes["published"],
        "mixed_comments_not_published": writes["not_published"],
        "mixed_votes": writes["votes"],
    }
    print(
        f"{PHOTOS}-photo, {COMMENTS}-comment gallery page, gunicorn 2 sync workers, {CONNECTIONS} connections, "
        f"{ROUNDS} rounds of {SECONDS}s each ({result['loader']}, {result['cache']} cache)"
    )
    heads = "".join(f"{f'round {n + 1}':>11}" for n in range(ROUNDS))
    print(f"{'what':<26}{heads}{'median':>11}{'vs raw':>9}")
    for what, label, ratio in LOADS:
        cells = "".join(f"{r[what]:>11.1f}" for r in rounds)
        versus = f"{result[ratio]:>8.4f}x" if ratio else (f"{1:>8.4f}x" if what == "raw" else "")
        print(f"{label:<26}{cells}{result[f'{what}_rps']:>11.1f}{versus}")
    print("(each ratio is the median of the rounds' own ratios; the miss's rate leaves out the approvals before")
    print(f" each request, {result['approval_ms']} ms each on the median, which the line below it counts in)")
    queries = f"queries: {facts['queries_45']} at {PHOTOS} photos, {facts['queries_200']} at 200"
    print(f"{queries}; page {result['html_kb']} KB")
    print(
        f"the mixed load's writes: comments published at once {writes['published']}, "
        f"not published {writes['not_published']}; votes {writes['votes']}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:] == ["--build"]:
        build()
    elif sys.argv[1:] == ["--tally"]:
        tally()
    else:
        main()
