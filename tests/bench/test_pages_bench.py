"""The page bench's yardsticks: a raw baseline that is not the page, or a mix that is not 95/4/1, would make its
ratios meaningless."""

import importlib.util
import io
import urllib.parse
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_started
from django.db import close_old_connections

from newsroom.models import Comment
from tests.factories import CommentFactory, UserFactory, published_gallery


@pytest.fixture(scope="module")
def bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "pages.py"
    spec = importlib.util.spec_from_file_location("pages_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def call(app, environ: dict) -> tuple[list, bytes]:
    setup_testing_defaults(environ)
    answered = []
    body = b"".join(app(environ, lambda status, headers: answered.extend([status, headers])))
    return answered, body


def test_raw_app_answers_every_request_with_the_pages_exact_bytes(bench, tmp_path, monkeypatch):
    page = tmp_path / "page.html"
    page.write_bytes("<!doctype html><title>Nuit à quai</title>".encode())
    monkeypatch.setenv("BENCH_RAW_PAGE", str(page))

    (status, headers), body = call(bench.raw_app(), {"PATH_INFO": "/galleries/night-shift-45/"})

    assert status == "200 OK" and body == page.read_bytes()
    assert ("Content-Length", str(len(body))) in headers


def test_mixed_load_is_95_reads_4_votes_and_1_comment_in_100(bench):
    mix = {
        "pages": ["/galleries/a/", "/galleries/b/", "/galleries/c/"],
        "votes": ["/galleries/a/photos/1/vote/"],
        "galleries": [1, 2, 3],
        "readers": ["reader0@example.org"],
        "proofs": ["loupe_commenter=signed"],
        "stamp": "stamp:signed",
    }
    made = [bench.mixed_request(mix, origin="http://h", roll=roll, worker=1, n=roll, nonce=1) for roll in range(1, 101)]

    reads = [r for r in made if r[0] == "GET"]
    votes = [r for r in made if r[1] in mix["votes"]]
    posts = [r for r in made if r[1] == "/comments/post/"]
    assert (len(reads), len(votes), len(posts)) == (95, 4, 1)
    assert {path for _, path, _, _ in reads} <= set(mix["pages"])
    # Every write comes from its own address and every comment says something new: no limit or duplicate check trips.
    writes = votes + posts
    assert len({headers["X-Forwarded-For"] for _, _, headers, _ in writes}) == len(writes)
    form = urllib.parse.parse_qs(posts[0][3].decode())
    assert form["stamp"] == ["stamp:signed"] and form["author_email"] == ["reader0@example.org"]
    # Trusted as a reader is: by the signed cookie from their approved comment, not by the typed address.
    assert posts[0][2]["Cookie"] == "loupe_commenter=signed"


def test_wrk_script_is_the_mixed_load_with_every_value_filled_in(bench, tmp_path):
    mix = {
        "pages": ["/g/a/"],
        "votes": ["/g/a/v/"],
        "galleries": [7],
        "readers": ["r@x.org"],
        "proofs": ["c=p"],
        "stamp": "a:b",
    }

    script = bench.mixed_script(mix, origin="http://127.0.0.1:8000", path=tmp_path / "mixed.lua").read_text()

    assert "%(" not in script
    assert 'local pages = {"/g/a/"}' in script and 'local readers = {"r%40x.org"}' in script
    assert 'local proofs = {"c=p"}' in script
    assert "stamp=a%3Ab&" in script and "roll <= 95 then" in script and "roll <= 95 + 4 then" in script


def test_approvals_timed_by_the_workers_are_taken_out_of_the_miss_rate(bench):
    # 100 pages in 10 s on two workers is 20 s of worker time; 100 approvals of 50 ms took 5 s of it.
    assert bench.without_approvals(100, 10.0, [0.05, 0.05]) == pytest.approx(100 / 7.5)


@pytest.fixture
def keep_the_test_transaction():
    # As Django's test client does: a request would otherwise close the connection the test's transaction is on.
    request_started.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_the_test_transaction")
def test_approval_hook_approves_through_moderation_before_loupe_answers(bench, tmp_path, monkeypatch):
    UserFactory(username="bench-moderator", is_staff=True)
    gallery = published_gallery(items=1)
    comment = CommentFactory(gallery=gallery, body="Wonderful light in these.")
    log = tmp_path / "approvals.log"
    monkeypatch.setenv("BENCH_APPROVALS", str(log))
    environ = {
        "PATH_INFO": gallery.get_absolute_url(),
        "HTTP_HOST": "testserver",
        "HTTP_X_BENCH_APPROVE": str(comment.pk),
        "wsgi.input": io.BytesIO(),
    }

    (status, _), body = call(bench.site_app(), environ)

    assert status.startswith("200") and b"Wonderful light in these." in body
    comment.refresh_from_db()
    # Only moderation's decisions set who decided.
    assert comment.status == Comment.Status.APPROVED and comment.decided_by.username == "bench-moderator"
    assert len(log.read_text().split()) == 1
