import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from galleries.pagecache import gallery_fragment, purge_pages
from tests.factories import published_gallery

pytestmark = pytest.mark.django_db
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _without_tokens(content: bytes) -> bytes:
    return TOKEN.sub(b"", content)


def test_page_with_open_comments_is_public_for_cdns_and_carries_no_token(client):
    gallery = published_gallery(items=1, comment_mode="open")
    item = gallery.items.get()
    for url in [gallery.get_absolute_url(), item.get_absolute_url()]:
        first = client.get(url)
        with CaptureQueriesContext(connection) as queries:
            second = Client().get(url)

        assert 'class="comment-form"' in first.text
        assert "csrfmiddlewaretoken" not in first.text
        assert not first.cookies and not second.cookies
        assert len(queries) == 0
        assert second.content == first.content
        assert first["Cache-Control"] == f"public, max-age=60, s-maxage={settings.LOUPE_PAGE_CACHE_SECONDS}"
        assert second["Cache-Control"] == first["Cache-Control"]


def test_page_with_open_comments_stays_private_for_a_signed_in_reader(client, reader):
    gallery = published_gallery(items=1, comment_mode="open")
    client.get(gallery.get_absolute_url())
    client.force_login(reader)

    response = client.get(gallery.get_absolute_url())

    assert 'class="comment-form"' in response.text
    assert response["Cache-Control"].startswith("private")


def test_anonymous_gallery_page_is_served_from_the_cache_without_queries(client):
    # Without a comment form the page is the same for everyone, so a CDN may keep it too.
    gallery = published_gallery(items=3, comment_mode="closed")
    first = client.get(gallery.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        second = client.get(gallery.get_absolute_url())
    assert len(queries) == 0
    assert _without_tokens(second.content) == _without_tokens(first.content)
    assert second["ETag"] == first["ETag"]
    assert "s-maxage=" in second["Cache-Control"] and second["Cache-Control"].startswith("public")
    assert "Last-Modified" in first


def test_cached_page_answers_a_matching_etag_with_304(client):
    gallery = published_gallery(items=1)
    etag = client.get(gallery.get_absolute_url())["ETag"]
    assert client.get(gallery.get_absolute_url(), headers={"If-None-Match": etag}).status_code == 304


def test_purge_refreshes_gallery_and_lists(client):
    gallery = published_gallery(items=1, title="First title")
    client.get(gallery.get_absolute_url())
    client.get("/")
    gallery.title = "Corrected title"
    gallery.save()
    assert "First title" in client.get(gallery.get_absolute_url()).text

    purge_pages(changed=[gallery_fragment(gallery.pk)])
    assert "Corrected title" in client.get(gallery.get_absolute_url()).text
    assert "Corrected title" in client.get("/").text


def test_withdrawn_gallery_leaves_the_cache_when_purged(client):
    gallery = published_gallery(items=1)
    client.get(gallery.get_absolute_url())
    gallery.status = gallery.Status.WITHDRAWN
    gallery.save()
    purge_pages(changed=[gallery_fragment(gallery.pk)])
    assert client.get(gallery.get_absolute_url()).status_code == 410


def test_signed_in_staff_never_get_or_fill_the_shared_cache(client, editor):
    gallery = published_gallery(items=1, title="Cached title")
    client.force_login(editor)
    response = client.get(gallery.get_absolute_url())
    assert response["Cache-Control"].startswith("private")
    gallery.title = "Fresh title"
    gallery.save()
    assert "Fresh title" in client.get(gallery.get_absolute_url()).text


def test_unknown_query_parameters_bypass_the_cache(client):
    gallery = published_gallery(items=1, title="Before")
    client.get(gallery.get_absolute_url() + "?utm_source=x")
    gallery.title = "After"
    gallery.save()
    assert "After" in client.get(gallery.get_absolute_url() + "?utm_source=x").text


def test_responses_that_set_cookies_are_not_cached(client):
    gallery = published_gallery(items=1)
    item = gallery.items.get()
    response = client.post(f"/galleries/{gallery.slug}/photos/{item.pk}/vote/", headers={"Origin": "http://testserver"})
    assert response.cookies and "no-store" in response["Cache-Control"]


def test_page_cache_can_be_switched_off(client, settings):
    settings.LOUPE_PAGE_CACHE_SECONDS = 0
    gallery = published_gallery(items=1)
    client.get(gallery.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        client.get(gallery.get_absolute_url())
    assert len(queries) > 0


def test_a_page_another_process_stored_is_answered_from_the_shared_cache(client):
    from galleries import pagecache

    gallery = published_gallery(items=2, comment_mode="closed")
    first = client.get(gallery.get_absolute_url())
    pagecache._local.clear()  # as in a web process that has not answered this page yet
    with CaptureQueriesContext(connection) as queries:
        second = client.get(gallery.get_absolute_url())
    assert len(queries) == 0
    assert second.content == first.content


def test_a_purge_in_another_process_reaches_the_pages_this_process_keeps(client):
    gallery = published_gallery(items=1, title="First title")
    client.get(gallery.get_absolute_url())
    gallery.title = "Corrected title"
    gallery.save()
    purge_pages(changed=[gallery_fragment(gallery.pk)])  # as an edit's commit does, in whichever process
    assert "Corrected title" in client.get(gallery.get_absolute_url()).text


def test_pages_past_their_time_are_rendered_again(client, settings, monkeypatch):
    from galleries import pagecache

    gallery = published_gallery(items=1, title="First title")
    client.get(gallery.get_absolute_url())
    gallery.title = "Later title"
    gallery.save()
    later = pagecache.time.time() + settings.LOUPE_PAGE_CACHE_SECONDS + 1
    monkeypatch.setattr(pagecache.time, "time", lambda: later)
    assert "Later title" in client.get(gallery.get_absolute_url()).text


def test_another_process_on_the_checkout_purging_pages_leaves_this_runs_cache_alone():
    # A dev server, a worker or a second test run on the same LOUPE_DATA_DIR shares its file cache; a test that
    # counts purges must see only its own.
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.core.cache import cache

    from galleries.pagecache import VERSION_KEY, purge_pages

    root = Path(__file__).resolve().parents[2]
    purge_pages()
    before = cache.get(VERSION_KEY)
    purge = "import django; django.setup(); from galleries.pagecache import purge_pages; purge_pages(); purge_pages()"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings", "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", purge], cwd=root, env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert cache.get(VERSION_KEY) == before
