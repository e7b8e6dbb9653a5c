"""Text no one means to send: NUL and other control characters, in addresses and in what is typed."""

import contextlib
import time
from datetime import timedelta
from functools import partial
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db.models import CharField, TextField
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from galleries.models import CorrectionNote, FaqEntry, Gallery, GalleryLink, Item, Photo, Photographer, Tag
from galleries.workflow import submit_gallery
from newsroom.models import Ban, Comment, CommentReport, WordRule
from newsroom.moderation import issue_form_stamp, post_comment, report_comment
from tests.factories import CommentFactory, GalleryFactory, published_gallery

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "address",
    [
        "/search/?q=har%00bour",
        "/galleries/a/?order=%00",
        "/admin/newsroom/comment/?status=%00",  # the admin's list filters hand their value to the database
        "/admin/galleries/gallery/?status__exact=%00",
        "/staff-media/ab/c%00d.jpg",
        "/preview/link/t%00ken/",
    ],
)
def test_a_nul_in_the_address_is_refused_with_the_sites_400_page(address, moderator, editor):
    client = Client(raise_request_exception=False)
    client.force_login(editor if "galleries" in address or "staff" in address else moderator)

    response = client.get(address)

    # PostgreSQL refuses NUL in text: without the check these answer 500 there.
    assert response.status_code == 400
    assert "read that address" in response.text and 'class="skip-link"' in response.text


def test_an_ordinary_query_string_still_reaches_the_page(client):
    gallery = published_gallery(items=2)
    assert client.get(gallery.get_absolute_url(), {"order": "votes", "cpage": "2"}).status_code == 200


def test_search_shows_what_it_searched_for_without_control_characters(client):
    published_gallery(items=0, title="Night shift at the harbour")

    response = client.get(reverse("galleries:search"), {"q": "harbour\x0b\x1b " + "x" * 500})

    assert response.context["query"] == ("harbour " + "x" * 500)[:200] and "\x0b" not in response.text
    found = client.get(reverse("galleries:search"), {"q": "\x01harbour\x02"}).text
    assert "Results for “harbour”" in found and "1 gallery found" in found


def test_comment_text_loses_control_characters():
    gallery = published_gallery(items=1)

    comment = post_comment(
        gallery=gallery, body="Lovely\x0b light.\n\nThank you.\x00", author_name="\x1bAmara", ip_hash="0" * 32
    )

    comment.refresh_from_db()
    assert (comment.body, comment.author_name) == ("Lovely light.\n\nThank you.", "Amara")


def test_report_note_loses_control_characters():
    comment = CommentFactory(status=Comment.Status.APPROVED)

    report_comment(comment=comment, reason="spam", note="Links\x00 to a shop", reporter_key="k")

    assert CommentReport.objects.get().note == "Links to a shop"


ARABIC_NAME = "أمارا أوكافور"
HEBREW_BODY = "האור בתמונה השלישית מדהים.\n\nתודה!"  # noqa: RUF001 -- Hebrew, as readers write it


def test_the_comment_form_removes_invisible_tricks_and_keeps_right_to_left_text():
    gallery = published_gallery(items=1)
    client = Client(headers={"Origin": "http://testserver"})
    form = {
        "gallery": gallery.pk,
        "body": f"\u202e{HEBREW_BODY}\u200b",
        "author_name": f"\u2067{ARABIC_NAME}\u2069\u200d",
        "author_email": "amara@example.org",
        "stamp": issue_form_stamp(at=time.time() - 60),
    }

    client.post(reverse("comments:post"), form)

    comment = Comment.objects.get()
    assert (comment.author_name, comment.body) == (ARABIC_NAME, HEBREW_BODY)


def test_a_name_of_nothing_but_invisible_characters_is_refused_by_the_comment_form():
    gallery = published_gallery(items=1)
    client = Client(headers={"Origin": "http://testserver"})
    form = {
        "gallery": gallery.pk,
        "body": "Lovely light.",
        "author_name": "\u200b\u202e\u200f",
        "author_email": "amara@example.org",
        "stamp": issue_form_stamp(at=time.time() - 60),
    }

    response = client.post(reverse("comments:post"), form)

    assert response.status_code == 400 and not Comment.objects.exists()
    assert "Give the name to show with your comment." in response.text


def test_the_report_form_removes_invisible_tricks_from_the_note():
    comment = CommentFactory(status=Comment.Status.APPROVED)
    client = Client(headers={"Origin": "http://testserver"})

    client.post(
        reverse("comments:report", args=[comment.pk]), {"reason": "spam", "note": "Links\u200b to\u202e a shop"}
    )

    assert CommentReport.objects.get().note == "Links to a shop"


def test_reader_names_are_isolated_on_the_page_so_they_cannot_reorder_what_follows():
    gallery = published_gallery(items=1)
    root = CommentFactory(gallery=gallery, author_name=ARABIC_NAME, status=Comment.Status.APPROVED)
    middle = CommentFactory(gallery=gallery, parent=root, author_name="עמרה", status=Comment.Status.APPROVED)
    CommentFactory(gallery=gallery, parent=middle, author_name="Bo", status=Comment.Status.APPROVED)

    html = Client().get(gallery.get_absolute_url()).text

    assert f'<bdi class="comment-author">{ARABIC_NAME}</bdi>' in html
    assert "in reply to <bdi>עמרה</bdi>" in html


def test_the_moderation_queue_isolates_names_and_report_notes(moderator):
    root = CommentFactory(author_name=ARABIC_NAME, status=Comment.Status.APPROVED)
    reply = CommentFactory(gallery=root.gallery, parent=root, author_name="עמרה", status=Comment.Status.PENDING)
    report_comment(comment=root, reason="spam", note="שלום", reporter_key="k")
    client = Client()
    client.force_login(moderator)

    pending = client.get(reverse("admin:newsroom_comment_changelist"), {"queue": "pending"}).text
    reported = client.get(reverse("admin:newsroom_comment_changelist"), {"queue": "reported"}).text

    assert f"In reply to <strong><bdi>{ARABIC_NAME}</bdi></strong>" in pending
    assert "<strong><bdi>עמרה</bdi></strong>" in pending and str(reply.pk) in pending
    assert f"<strong><bdi>{ARABIC_NAME}</bdi></strong>" in reported
    assert "Report: <bdi>Spam: שלום</bdi>" in reported


def test_moderators_reason_box_and_ban_length_take_only_what_can_be_stored(moderator):
    comment = CommentFactory(status=Comment.Status.PENDING, author_email="troll@example.org")
    client = Client()
    client.force_login(moderator)
    changelist = reverse("admin:newsroom_comment_changelist")
    action = {"_selected_action": [comment.pk], "index": 0}

    refused = client.post(
        changelist, {**action, "action": "ban_authors", "decision_reason": "Abuse", "ban_days": "²"}, follow=True
    )
    assert "Ban length must be a whole number of days" in refused.text and not Ban.objects.exists()

    client.post(
        changelist, {**action, "action": "ban_authors", "decision_reason": "Ab\x00use" + "!" * 400, "ban_days": "3"}
    )
    ban = Ban.objects.get()
    assert ban.reason == ("Abuse" + "!" * 400)[:300]
    assert timedelta(days=2, hours=23) < ban.expires_at - timezone.now() <= timedelta(days=3)


def test_text_pasted_into_the_admin_is_saved_without_control_characters(client, editor):
    client.force_login(editor)

    response = client.post(
        reverse("admin:galleries_photographer_add"),
        {"name": "Ada\x0b Lens", "slug": "ada-lens", "bio": "Covers\x0c the delta.\n\nFor ten\x1f years."},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    photographer = Photographer.objects.get(slug="ada-lens")
    assert (photographer.name, photographer.bio) == ("Ada Lens", "Covers the delta.\n\nFor ten years.")


@pytest.mark.parametrize(
    "model", [Gallery, Item, Photo, Tag, CorrectionNote, GalleryLink, FaqEntry, Photographer, Ban, WordRule]
)
def test_every_model_editors_type_into_cleans_its_text_when_validated(model):
    # The admin validates each form's instance with full_clean(), which runs clean_fields() first.
    fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, CharField | TextField) and not f.choices]
    instance = model(**dict.fromkeys(fields, "Ferry\x0b at\x1f dawn"))
    with contextlib.suppress(ValidationError):  # the other fields are left empty
        instance.clean_fields()
    assert fields and all(getattr(instance, name) == "Ferry at dawn" for name in fields)


def test_real_searches_with_percent_signs_are_not_mistaken_for_a_nul(client):
    published_gallery(items=0, title="100% of the harvest")
    for query in ("100%", "%00", "100%25"):
        assert client.get(f"/search/?q={quote(query)}").status_code == 200
    assert "100% of the harvest" in client.get("/search/?q=100%25").text


def test_a_session_cookie_holding_a_nul_is_ignored(client):
    gallery = published_gallery(items=1)
    client.cookies[settings.SESSION_COOKIE_NAME] = "\x00" + "a" * 31

    # On PostgreSQL the session lookup would fail on the NUL and the page answer 500.
    response = client.get(gallery.get_absolute_url())

    assert response.status_code == 200 and gallery.title in response.text


def test_workflow_notes_lose_control_characters(client, editor, django_capture_on_commit_callbacks):
    gallery = published_gallery(items=1)
    client.force_login(editor)

    # The workflow buttons' form is where an editor's note enters.
    with django_capture_on_commit_callbacks(execute=True):
        step = partial(reverse, "admin:galleries_gallery_transition")
        client.post(step(args=[gallery.pk, "correct"]), {"text": "The ferry\x00 left at six,\x0b not five."})
        client.post(step(args=[gallery.pk, "withdraw"]), {"reason": "The family\x00 asked us to.\u202e"})

    gallery.refresh_from_db()
    assert CorrectionNote.objects.get(gallery=gallery).text == "The ferry left at six, not five."
    assert gallery.withdrawn_reason == "The family asked us to."


def test_a_title_saved_with_a_line_break_still_gets_its_mail_out(
    editor, photographer_user, django_capture_on_commit_callbacks
):
    gallery = GalleryFactory(items=1, created_by=photographer_user)
    Photo.objects.update(state=Photo.State.READY)
    Gallery.objects.filter(pk=gallery.pk).update(title="Floods\r\nin the delta")  # as an old import stored it
    gallery.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        submit_gallery(gallery=gallery, by=photographer_user)

    assert [message.subject for message in mail.outbox] == ["[Loupe] For review: Floods in the delta"]


def test_other_bad_requests_get_the_general_400_page():
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert "could not use" in response.text and "read that address" not in response.text
