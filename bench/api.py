"""Requests per second for the read API's 45-photo gallery detail, against the same bytes served raw.

Builds the page bench's data (bench/pages.py: production settings, SQLite, a 45-photo and a 200-photo gallery
with their comments) in a temporary LOUPE_DATA_DIR, makes a partner key, serves Loupe with gunicorn (2 sync
workers) on 127.0.0.1:8130 and the raw bytes on 127.0.0.1:8131, and loads them with `wrk` for a bounded time
(a threaded Python loader when wrk is missing), round after round:

- raw: the answer's exact bytes, from memory, by a minimal WSGI app with no Django: the denominator;
- cached: the answer from the page cache, as anonymous apps get it;
- uncached: the view itself on every request (a query parameter the page cache does not keep, which the API
  ignores), with its rate-limit count;
- partner: with a partner's key, which no cache keeps: the key's lookup and rate limit, then the view;
- cold: every cache emptied before each request (the page bench's X-Bench-Cold): the answer built whole,
  one request at a time (eight at once would queue past wrk's timeout, and the rate is what is asked of it).

Goals: uncached at least 0.05x raw, cached at least 0.6x. Prints a table, then one JSON object as its last line.

    .venv/bin/python bench/api.py            # BENCH_ROUNDS=3 of BENCH_SECONDS=5 by default
"""

import importlib.util
import json
import secrets
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This file is bench/api.py: with bench/ first on the path, `import api` would find it instead of Loupe's app.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]
_spec = importlib.util.spec_from_file_location("pages_bench", ROOT / "bench" / "pages.py")
pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pages)

SLUG = "night-shift-45"
ANSWER = f"/api/v1/galleries/{SLUG}/"
SITE_PORT, RAW_PORT = 8130, 8131
GOALS = {"uncached_vs_raw": 0.05, "cached_vs_raw": 0.6}
LOADS = (
    # key, label, ratio key
    ("raw", "same bytes, raw WSGI", None),
    ("cached", "page cache hit", "cached_vs_raw"),
    ("uncached", "the view, every time", "uncached_vs_raw"),
    ("partner", "with a partner key", "partner_vs_raw"),
    ("cold", "every cache empty", "cold_vs_raw"),
)


def environment(data_dir: Path, *, secret: str) -> dict[str, str]:
    env = pages.environment(data_dir, secret=secret)
    # One address sends every request here: the anonymous limit would answer 429 long before the load ends.
    return env | {"LOUPE_API_ANONYMOUS_RATE_LIMIT": str(10**9), "BENCH_RAW_PAGE": str(data_dir / "raw-answer.json")}


def build() -> None:
    """Runs inside the bench environment: the page bench's data, a partner key, the API's query counts."""
    pages.build()
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from api.keys import create_api_key

    _, raw = create_api_key(name="Bench partner", by=None, rate_limit=100_000)
    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for size in (45, 200):
        with override_settings(LOUPE_PAGE_CACHE_SECONDS=0), CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/galleries/night-shift-{size}/")
        assert response.status_code == 200, response.status_code
        counts[size] = len(queries)
    print(json.dumps({"key": raw, "queries_45": counts[45], "queries_200": counts[200]}))


class OneAtATime(pages.Load):
    def run(self, nonce: int, **kwargs) -> tuple[int, float]:
        self.one(1, worker=0, n=0, nonce=nonce)
        answered, started = 0, time.monotonic()
        while time.monotonic() - started < pages.SECONDS:
            self.one(1, worker=0, n=answered, nonce=nonce)
            answered += 1
        return answered, time.monotonic() - started


def main() -> None:
    secret = secrets.token_urlsafe(64)
    with tempfile.TemporaryDirectory(prefix="loupe-bench-api-") as tmp:
        data = Path(tmp)
        env = environment(data, secret=secret)
        facts = pages.build_data(__file__, env)
        site = pages.Server("bench.pages:site_app()", env, port=SITE_PORT, ready=ANSWER)
        try:
            with urllib.request.urlopen(site.url + ANSWER, timeout=10) as response:  # noqa: S310 - loopback
                answer = response.read()
            (data / "raw-answer.json").write_bytes(answer)
            raw = pages.Server("bench.pages:raw_app()", env, port=RAW_PORT, ready="/")
            try:
                loads = {
                    "raw": pages.Load(raw.url + ANSWER),
                    "cached": pages.Load(site.url + ANSWER),
                    "uncached": pages.Load(site.url + ANSWER + "?uncached=1"),
                    "partner": pages.Load(site.url + ANSWER, headers={"Authorization": f"Bearer {facts['key']}"}),
                    "cold": OneAtATime(site.url + ANSWER, headers={"X-Bench-Cold": "1"}),
                }
                rounds = []
                for number in range(pages.ROUNDS):
                    order = list(loads)[number % len(loads) :] + list(loads)[: number % len(loads)]
                    measured = {}
                    for what in order:
                        answered, seconds = loads[what].run(nonce=number + 1)
                        measured[what] = answered / seconds
                    rounds.append(measured)
            finally:
                raw.stop()
        finally:
            site.stop()
    median = pages.median
    result = {f"{what}_rps": round(median([r[what] for r in rounds]), 1) for what, _, _ in LOADS}
    for what, _, ratio in LOADS:
        if ratio:
            result[ratio] = round(median([r[what] / r["raw"] for r in rounds]), 4)
    result |= {
        "queries_45": facts["queries_45"],
        "queries_200": facts["queries_200"],
        "json_kb": round(len(answer) / 1024, 1),
        "loader": "wrk" if pages.shutil.which("wrk") else "python threads",
        "goals_met": all(result[ratio] >= goal for ratio, goal in GOALS.items()),
    }
    print(
        f"API gallery detail ({pages.PHOTOS} photos), gunicorn {pages.WORKERS} sync workers, "
        f"{pages.CONNECTIONS} connections, {pages.ROUNDS} rounds of {pages.SECONDS}s each ({result['loader']})"
    )
    heads = "".join(f"{f'round {n + 1}':>11}" for n in range(pages.ROUNDS))
    print(f"{'what':<26}{heads}{'median':>11}{'vs raw':>9}{'goal':>7}")
    for what, label, ratio in LOADS:
        cells = "".join(f"{r[what]:>11.1f}" for r in rounds)
        versus = f"{result[ratio]:>8.4f}x" if ratio else f"{1:>8.4f}x"
        goal = f"{GOALS[ratio]:>6}x" if ratio in GOALS else ""
        print(f"{label:<26}{cells}{result[f'{what}_rps']:>11.1f}{versus}{goal}")
    print(f"queries: {facts['queries_45']} at 45 photos, {facts['queries_200']} at 200; answer {result['json_kb']} KB")
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:] == ["--build"]:
        build()
    else:
        main()
