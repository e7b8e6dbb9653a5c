import json
from io import StringIO
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from galleries.models import AuditEvent
from newsroom.models import Comment
from newsroom.moderation import approve_comment, unsubscribe_url
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("commenter_data", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_export_lists_everything_held_about_a_commenter():
    mine = CommentFactory(author_email="ada@example.org", author_name="Ada", body="My words", ip_hash="f" * 32)
    CommentFactory(author_email="bo@example.org")

    data = json.loads(run("export", "ADA@example.org"))

    assert [c["id"] for c in data["comments"]] == [mine.pk]
    assert data["comments"][0]["body"] == "My words"
    assert data["comments"][0]["ip_address_hash"] == "f" * 32


def test_erase_anonymises_but_keeps_the_thread_readable(moderator):
    mine = CommentFactory(author_email="ada@example.org", author_name="Ada", body="My words", notify_on_reply=True)
    reply = CommentFactory(parent=mine, author_email="bo@example.org", body="Bo's answer")
    approve_comment(comment=mine, by=moderator)

    run("erase", "ada@example.org")

    mine.refresh_from_db()
    reply.refresh_from_db()
    assert (mine.author_name, mine.body, mine.author_email, mine.ip_hash) == ("[removed]", "[removed]", "", "")
    assert not mine.notify_on_reply
    assert reply.parent == mine
    assert reply.body == "Bo's answer"
    assert not AuditEvent.objects.filter(target_repr__contains="My words").exists()
    assert AuditEvent.objects.filter(action="commenter.erased").exists()
    assert "ada@example.org" not in json.dumps(list(AuditEvent.objects.values("data", "note", "target_repr")))


def test_erased_comment_shows_removed_in_its_thread(client):
    mine = CommentFactory(author_email="ada@example.org", body="My words")
    CommentFactory(parent=mine, body="An answer")
    run("erase", "ada@example.org")

    page = client.get(mine.gallery.get_absolute_url()).content.decode()

    assert "My words" not in page
    assert "[removed]" in page
    assert "An answer" in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "not-an-email"], "not a valid email address"),
        (["erase", "nobody@example.org"], "No comments were posted with nobody@example.org"),
    ],
)
def test_bad_input_gets_a_clear_error(args, message):
    CommentFactory(author_email="ada@example.org")
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert Comment.objects.get().author_email == "ada@example.org"


def test_unsubscribe_link_stops_emails_after_confirmation(client, moderator, django_capture_on_commit_callbacks):
    comment = CommentFactory(status="pending", author_email="ada@example.org", notify_on_reply=True)
    other = CommentFactory(author_email="ada@example.org", notify_on_reply=True)
    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=comment, by=moderator)
    link = next(line for line in mail.outbox[0].body.splitlines() if "/comments/unsubscribe/" in line)
    path = urlparse(link.split()[-1]).path

    confirm = client.get(path)
    comment.refresh_from_db()
    assert confirm.status_code == 200
    assert comment.notify_on_reply  # a GET (a mail scanner) changes nothing

    client.post(path)
    comment.refresh_from_db()
    other.refresh_from_db()
    assert not comment.notify_on_reply
    assert not other.notify_on_reply


def test_forged_unsubscribe_token_is_not_found(client):
    comment = CommentFactory(notify_on_reply=True)

    response = client.post(reverse("comments:unsubscribe", args=[comment.unsubscribe_token]))

    assert response.status_code == 404
    comment.refresh_from_db()
    assert comment.notify_on_reply


def test_unsubscribe_url_is_absolute_and_signed():
    comment = CommentFactory()

    url = unsubscribe_url(comment)

    assert url.startswith("http")
    assert comment.unsubscribe_token not in url
