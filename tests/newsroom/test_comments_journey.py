"""The issue's acceptance journey, with JavaScript off: plain forms, redirects and the admin queue."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from newsroom.models import Comment
from newsroom.moderation import issue_form_stamp
from tests.factories import CommentFactory, GalleryFactory
from tests.newsroom.conftest import SAME_SITE

pytestmark = pytest.mark.django_db


def _form_fields(page: str) -> dict:
    fields = {}
    for name in ["gallery", "item", "parent", "stamp"]:
        found = re.search(rf'name="{name}" value="([^"]*)"', page)
        if found:
            fields[name] = found.group(1)
    return fields


def test_reader_comments_replies_and_reports_then_the_moderator_decides(moderator, settings):
    settings.LOUPE_PAGE_CACHE_SECONDS = 0
    gallery = GalleryFactory(published=True, items=12)
    photo12 = gallery.items.get(position=11)
    other = CommentFactory(gallery=gallery, item=photo12, author_name="Bo", body="The fog on the pier!")
    bad = CommentFactory(gallery=gallery, item=photo12, author_name="Cy", body="I know where this woman lives.")
    # Django's CSRF checks on, as in production; the forms carry no token and rely on the browser's Origin.
    reader = Client(enforce_csrf_checks=True, headers=SAME_SITE)

    page = reader.get(photo12.get_absolute_url()).content.decode()
    fields = _form_fields(page)
    assert "csrfmiddlewaretoken" not in page
    assert fields["item"] == str(photo12.pk)

    common = {
        "author_name": "Ada",
        "author_email": "ada@example.org",
        "website": "",
    }
    posted = reader.post(
        reverse("comments:post"),
        {**fields, **common, "stamp": issue_form_stamp(at=time.time() - 20), "body": "Which harbour is this?"},
        follow=True,
    )
    assert "waiting for review" in posted.content.decode()

    reply_page = reader.get(reverse("comments:reply", args=[other.pk])).content.decode()
    reader.post(
        reverse("comments:post"),
        {
            **_form_fields(reply_page),
            **common,
            "stamp": issue_form_stamp(at=time.time() - 20),
            "body": "It was foggy all week.",
        },
    )
    assert reader.get(reverse("comments:report", args=[bad.pk])).status_code == 200
    reported = reader.post(
        reverse("comments:report", args=[bad.pk]),
        {"reason": "endangers", "note": "Doxxing"},
        follow=True,
    )
    assert "Moderators will review your report" in reported.content.decode()

    mine = Comment.objects.filter(author_email="ada@example.org").order_by("id")
    assert [c.status for c in mine] == ["pending", "pending"]
    assert mine[1].parent == other

    desk = Client()
    desk.force_login(moderator)
    queue = desk.get(reverse("admin:newsroom_comment_changelist")).content.decode()
    assert "Which harbour is this?" in queue and "It was foggy all week." in queue
    assert f"Photo 12: {photo12.headline}" in queue
    reported_tab = desk.get(reverse("admin:newsroom_comment_changelist"), {"queue": "reported"}).content.decode()
    assert "I know where this woman lives." in reported_tab
    desk.post(
        reverse("admin:newsroom_comment_changelist"),
        {"action": "approve_selected", "_selected_action": [c.pk for c in mine], "index": 0},
    )
    desk.post(
        reverse("admin:newsroom_comment_changelist") + "?queue=reported",
        {"action": "remove_selected", "_selected_action": [bad.pk], "index": 0, "decision_reason": "Endangers"},
    )

    page = Client().get(photo12.get_absolute_url()).content.decode()
    assert "Which harbour is this?" in page
    assert "I know where this woman lives." not in page
    thread = page[page.index(f'id="comment-{other.pk}"') :]
    assert "It was foggy all week." in thread
    assert "Which harbour is this?" not in Client().get(gallery.get_absolute_url()).content.decode()
