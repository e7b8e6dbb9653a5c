"""Each thread of a comment section is kept in the cache under its own version: a page whose comments changed
reads and renders again only the threads that changed, and every change to what a thread shows reaches it.

Pages here are read with the page cache and the fragments on, as readers get them, and in every order first,
so that each order's page of threads and each thread are cached before the change.
"""

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from newsroom.models import ROOTS_PER_PAGE, SORTS, Comment
from newsroom.moderation import (
    approve_comment,
    issue_form_stamp,
    post_comment,
    remove_comment,
    vote_for_comment,
)
from newsroom.privacy import erase_commenter_data
from tests.factories import CommentFactory, GalleryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[False, True], ids=["gallery-page", "photo-page"])
def thread(request):
    """Two threads on a gallery (or on one of its photos): Rosa's, with Ria's reply, and Otto's."""
    gallery = GalleryFactory(published=True, items=1)
    item = gallery.items.get() if request.param else None
    other = CommentFactory(gallery=gallery, item=item, author_name="Otto Other", body="Another thread.")
    root = CommentFactory(gallery=gallery, item=item, author_name="Rosa Root", body="The root of the thread.")
    reply = CommentFactory(parent=root, author_name="Ria Reply", body="A first reply.")
    return {"gallery": gallery, "item": item, "root": root, "reply": reply, "other": other}


def _pages(client, thread) -> list[str]:
    """The comment section's page in every order readers can choose."""
    url = (thread["item"] or thread["gallery"]).get_absolute_url()
    pages = []
    for sort in SORTS:
        response = client.get(url, {"csort": sort})
        assert response.status_code == 200
        pages.append(response.text)
    return pages


def _article(page: str, comment: Comment) -> str:
    found = re.search(rf'<article [^>]*id="comment-{comment.pk}">.*?</article>', page, re.S)
    assert found, f"comment {comment.pk} is not on the page"
    return found.group(0)


def _changed(client, thread, change, capture) -> list[str]:
    assert all("A first reply." in page for page in _pages(client, thread))
    with capture(execute=True):
        change()
    return _pages(client, thread)


def test_a_reply_approved_shows_in_its_cached_thread(client, thread, moderator, django_capture_on_commit_callbacks):
    held = CommentFactory(parent=thread["root"], status=Comment.Status.PENDING, body="A held reply.")

    pages = _changed(
        client, thread, lambda: approve_comment(comment=held, by=moderator), django_capture_on_commit_callbacks
    )

    assert all("A held reply." in page and "Load more replies" not in page for page in pages)


def test_a_reply_published_at_once_shows_in_its_cached_thread(
    client, thread, settings, django_capture_on_commit_callbacks
):
    settings.LOUPE_COMMENT_TRUSTED_AFTER = 0

    def post():
        posted = post_comment(
            gallery=thread["gallery"],
            parent=thread["reply"],
            body="Published at once.",
            author_name="Tess Trusted",
            author_email="tess@example.org",
            ip_hash="1" * 32,
            form_stamp=issue_form_stamp(at=time.time() - 60),
        )
        assert posted.status == Comment.Status.APPROVED

    pages = _changed(client, thread, post, django_capture_on_commit_callbacks)

    assert all("Published at once." in page and "in reply to <bdi>Ria Reply</bdi>" in page for page in pages)


def test_a_reply_removed_and_restored_comes_back_to_its_cached_thread(
    client, thread, moderator, django_capture_on_commit_callbacks
):
    reply = thread["reply"]
    pages = _changed(
        client,
        thread,
        lambda: remove_comment(comment=reply, by=moderator, reason="Off topic."),
        django_capture_on_commit_callbacks,
    )
    assert all("A first reply." not in page for page in pages)

    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=reply, by=moderator)

    assert all("A first reply." in page for page in _pages(client, thread))


@pytest.mark.parametrize("whose", ["root", "reply"])
def test_a_vote_shows_in_its_cached_thread(client, thread, whose, django_capture_on_commit_callbacks):
    voted = thread[whose]

    pages = _changed(
        client,
        thread,
        lambda: vote_for_comment(comment=voted, voter_key="reader-1", ip_hash="1" * 32),
        django_capture_on_commit_callbacks,
    )

    for page in pages:
        assert '<span class="comment-votes">1</span>' in _article(page, voted)
    # Top first puts the voted thread first.
    assert pages[list(SORTS).index("top")].index("Rosa Root") < pages[list(SORTS).index("top")].index("Otto Other")


def test_an_erasure_leaves_every_cached_thread_it_was_in(client, thread, django_capture_on_commit_callbacks):
    reply = thread["reply"]
    answer = CommentFactory(parent=reply, author_name="Abe Answer", body="Answering Ria.")

    pages = _changed(
        client, thread, lambda: erase_commenter_data(email=reply.author_email), django_capture_on_commit_callbacks
    )

    for page in pages:
        assert "Ria Reply" not in page and "A first reply." not in page
        assert "[removed]" in _article(page, reply)
        assert "Answering Ria." in _article(page, answer)


def test_a_comment_deleted_in_the_admin_leaves_its_cached_thread(client, thread, django_capture_on_commit_callbacks):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(admin)
    url = reverse("admin:newsroom_comment_delete", args=[thread["reply"].pk])

    pages = _changed(
        client,
        thread,
        lambda: staff.post(url, {"post": "yes"}),
        django_capture_on_commit_callbacks,
    )

    assert not Comment.objects.filter(pk=thread["reply"].pk).exists()
    assert all("A first reply." not in page and "Rosa Root" in page for page in pages)


def test_comments_deleted_by_the_admins_bulk_action_leave_their_cached_threads(
    client, thread, django_capture_on_commit_callbacks
):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(admin)
    url = reverse("admin:newsroom_comment_changelist") + "?queue=approved"

    pages = _changed(
        client,
        thread,
        lambda: staff.post(url, {"action": "delete_selected", "_selected_action": [thread["reply"].pk], "post": "yes"}),
        django_capture_on_commit_callbacks,
    )

    assert not Comment.objects.filter(pk=thread["reply"].pk).exists()
    assert all("A first reply." not in page and "Rosa Root" in page for page in pages)


def test_the_comment_admin_edits_nothing_readers_see(client, moderator, thread):
    # Moderators change comments through the decisions (and superusers by deleting them), each of which moves
    # on the thread's version; a field the admin could edit would change a thread behind its cached copy.
    client.force_login(moderator)
    response = client.get(reverse("admin:newsroom_comment_change", args=[thread["reply"].pk]))

    assert response.status_code == 200
    assert not response.context["adminform"].form.fields


def test_a_change_reads_the_replies_of_only_the_thread_it_touched(
    client, moderator, django_capture_on_commit_callbacks
):
    gallery = GalleryFactory(published=True, items=1)
    roots = [CommentFactory(gallery=gallery) for _ in range(5)]
    for root in roots:
        CommentFactory(parent=root)
    held = CommentFactory(parent=roots[2], status=Comment.Status.PENDING, body="A held reply.")
    client.get(gallery.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=held, by=moderator)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(gallery.get_absolute_url()).text

    assert "A held reply." in page
    windows = [query["sql"] for query in queries.captured_queries if "ROW_NUMBER" in query["sql"]]
    assert len(windows) == 1
    assert re.search(rf'"root_id" IN \({roots[2].pk}\)', windows[0])


def test_a_change_to_a_thread_on_another_page_reads_no_replies(client, django_capture_on_commit_callbacks):
    gallery = GalleryFactory(published=True, items=1)
    oldest = CommentFactory(gallery=gallery)
    for _ in range(ROOTS_PER_PAGE):
        CommentFactory(parent=CommentFactory(gallery=gallery))
    client.get(gallery.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        vote_for_comment(comment=oldest, voter_key="reader-1", ip_hash="1" * 32)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(gallery.get_absolute_url()).status_code == 200

    assert not [query for query in queries.captured_queries if "ROW_NUMBER" in query["sql"]]


def test_a_kept_thread_lives_no_longer_than_fragments_however_often_its_page_is_written(
    client, thread, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from galleries.pagecache import comments_fragment, purge_pages
    from newsroom import sections

    _pages(client, thread)
    # A change made outside Loupe's functions (a process of the release before, an edit in SQL) moves no version.
    Comment.objects.filter(pk=thread["reply"].pk).update(body="A corrected reply.")
    started = time.time()

    def other_thread_changes(after: float) -> list[str]:
        monkeypatch.setattr(sections.time, "time", lambda: started + after)
        with django_capture_on_commit_callbacks(execute=True):
            vote_for_comment(comment=thread["other"], voter_key=f"reader-{after}", ip_hash=f"{after:032}"[:32])
        purge_pages(changed=[comments_fragment(thread["gallery"].pk)])
        return _pages(client, thread)

    # Otto's thread changes again and again, and the page's threads are written back each time.
    assert all("A first reply." in page for page in other_thread_changes(settings.LOUPE_PAGE_CACHE_SECONDS / 2))
    pages = other_thread_changes(settings.LOUPE_PAGE_CACHE_SECONDS + 1)
    assert all("A corrected reply." in page and "A first reply." not in page for page in pages)
