import functools
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


def _served_from_cache(url: str) -> bool:
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
    assert response.status_code == 200
    return len(queries) == 0


def test_a_comment_refreshes_its_gallerys_pages_and_leaves_the_other_galleries_cached(
    moderator, django_capture_on_commit_callbacks
):
    from newsroom.models import Comment
    from newsroom.moderation import approve_comment
    from tests.factories import CommentFactory

    commented, other = published_gallery(items=2), published_gallery(items=2)
    pending = CommentFactory(gallery=commented, item=commented.items.first(), body="Seen from the lighthouse.")
    Comment.objects.filter(pk=pending.pk).update(status=Comment.Status.PENDING)
    pages = {
        gallery: [gallery.get_absolute_url(), *(item.get_absolute_url() for item in gallery.items.all())]
        for gallery in (commented, other)
    }
    for url in [*pages[commented], *pages[other], "/", "/api/v1/galleries/"]:
        Client().get(url)

    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=Comment.objects.get(pk=pending.pk), by=moderator)

    # The other gallery's pages show none of its comments: they stay in the cache.
    assert all(_served_from_cache(url) for url in pages[other])
    # The commented gallery's page, and the photo's page the comment is on, show it at once.
    assert "Seen from the lighthouse." in Client().get(pages[commented][1]).text
    assert "1 comment<span" in Client().get(pages[commented][0]).text
    # Its other photo's page may show the counts too: it is rendered again with the rest of the gallery's pages.
    assert not _served_from_cache(pages[commented][2])
    # Every other page may show comments of any gallery (lists, the API): a comment refreshes them all.
    assert not _served_from_cache("/")
    assert not _served_from_cache("/api/v1/galleries/")


def test_a_comment_changed_while_its_gallery_page_renders_outdates_the_copy_kept(
    monkeypatch, moderator, django_capture_on_commit_callbacks
):
    from newsroom import sections
    from newsroom.models import Comment
    from newsroom.moderation import approve_comment
    from tests.factories import CommentFactory

    gallery = published_gallery(items=1)
    pending = CommentFactory(gallery=gallery, body="Approved while the page was being read.")
    Comment.objects.filter(pk=pending.pk).update(status=Comment.Status.PENDING)
    roots = sections.CommentSection.roots.func

    def roots_then_a_moderator_approves(section):
        found = roots(section)  # read before the approval commits
        with django_capture_on_commit_callbacks(execute=True):
            approve_comment(comment=Comment.objects.get(pk=pending.pk), by=moderator)
        return found

    patched = functools.cached_property(roots_then_a_moderator_approves)
    patched.__set_name__(sections.CommentSection, "roots")
    monkeypatch.setattr(sections.CommentSection, "roots", patched)
    stale = Client().get(gallery.get_absolute_url())
    monkeypatch.undo()

    assert "Approved while the page was being read." not in stale.text
    assert "Approved while the page was being read." in Client().get(gallery.get_absolute_url()).text


def _rendering_elsewhere(url: str):
    """The page at `url` as another process sees it while it renders the page: missing, and marked as rendering.
    Returns the copy that process is about to keep, and the mark."""
    from django.core.cache import cache
    from django.test import RequestFactory

    from galleries import pagecache

    Client().get(url)
    key = pagecache._page_key(RequestFactory().get(url))
    copy = cache.get(key)
    cache.delete(key)
    pagecache._local.clear()
    mark = pagecache.RENDERING_KEY + key
    versions = tuple(cache.get(name) for name in (pagecache.VERSION_KEY, pagecache.ALL_COMMENTS_KEY))
    assert cache.add(mark, versions, pagecache.RENDER_LOCK_SECONDS)
    return key, copy, mark


def test_a_page_another_process_is_rendering_is_awaited_not_rendered_again():
    import threading

    from django.core.cache import cache

    gallery = published_gallery(items=2, comment_mode="closed")
    key, copy, mark = _rendering_elsewhere(gallery.get_absolute_url())

    def the_other_process_keeps_its_copy():
        cache.set(key, copy, settings.LOUPE_PAGE_CACHE_SECONDS)
        cache.delete(mark)

    threading.Timer(0.05, the_other_process_keeps_its_copy).start()
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(gallery.get_absolute_url())

    assert response.status_code == 200 and response.content == copy[1]
    assert len(queries) == 0


def test_a_page_whose_other_renderer_keeps_no_copy_is_rendered_once_it_stops():
    import threading
    import time

    from django.core.cache import cache

    from galleries import pagecache

    gallery = published_gallery(items=2, comment_mode="closed")
    _, _, mark = _rendering_elsewhere(gallery.get_absolute_url())
    threading.Timer(0.05, cache.delete, [mark]).start()

    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(gallery.get_absolute_url())

    assert response.status_code == 200 and gallery.title in response.text
    assert len(queries) > 0
    assert time.monotonic() - started < pagecache.RENDER_WAIT_SECONDS
    assert not cache.has_key(mark)


def test_a_renderer_that_never_finishes_keeps_readers_waiting_no_longer_than_the_wait():
    from django.core.cache import cache

    gallery = published_gallery(items=2, comment_mode="closed")
    _, _, mark = _rendering_elsewhere(gallery.get_absolute_url())  # and it dies with its mark still set

    response = Client().get(gallery.get_absolute_url())

    assert response.status_code == 200 and gallery.title in response.text
    assert cache.has_key(mark)  # the mark is its own, until it lapses
    assert _served_from_cache(gallery.get_absolute_url())


def test_a_page_another_process_renders_from_before_a_purge_is_rendered_at_once():
    import time

    from django.core.cache import cache

    gallery = published_gallery(items=2, comment_mode="closed")
    _, _, mark = _rendering_elsewhere(gallery.get_absolute_url())
    purge_pages()  # the copy that process keeps will be out of date: nobody waits for it

    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(gallery.get_absolute_url())

    assert response.status_code == 200 and len(queries) > 0
    assert time.monotonic() - started < 0.2
    assert cache.has_key(mark)
