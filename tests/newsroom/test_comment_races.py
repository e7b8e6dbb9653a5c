"""The anti-bot stamp is short-lived and used once per reader; two moderators never both decide one comment."""

import time

import pytest
from django.urls import reverse

from newsroom.models import Comment
from newsroom.moderation import (
    CommentRefused,
    Submission,
    approve_comment,
    check_bot,
    issue_form_stamp,
    post_comment,
    reject_comment,
)
from tests.factories import CommentFactory, GalleryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gallery():
    return GalleryFactory(published=True, items=1)


def post(gallery, *, stamp: str, ip_hash: str = "a" * 32, body: str = "A comment.") -> Comment:
    return post_comment(
        gallery=gallery, body=body, author_name="Ada", author_email="ada@example.org", ip_hash=ip_hash, form_stamp=stamp
    )


def test_a_form_stamp_is_used_once_per_reader(gallery):
    stamp = issue_form_stamp(at=time.time() - 30)
    post(gallery, stamp=stamp)

    with pytest.raises(CommentRefused, match="sent already"):
        post(gallery, stamp=stamp, body="The same form, sent again.")
    # A cached page gives the same stamp to every reader: another reader may use it.
    assert post(gallery, stamp=stamp, ip_hash="b" * 32, body="Another reader.").pk


def test_a_form_stamp_stops_working_after_two_hours(gallery, monkeypatch):
    stamp = issue_form_stamp(at=time.time() - 30)
    now = time.time()
    submission = Submission(gallery=gallery, body="Late words.", form_stamp=stamp, ip_hash="a" * 32)
    assert check_bot(submission).action == "approve"

    monkeypatch.setattr(time, "time", lambda: now + 2 * 3600 + 5)
    verdict = check_bot(Submission(gallery=gallery, body="Late words.", form_stamp=stamp, ip_hash="c" * 32))

    assert verdict.action == "reject"
    assert not verdict.keep  # nothing stored: the reader gets the form back with a fresh stamp
    assert "open too long" in verdict.reason


def test_a_second_moderator_cannot_overturn_a_decision_they_did_not_see(gallery, moderator):
    comment = CommentFactory(gallery=gallery, status=Comment.Status.PENDING)
    approve_comment(comment=comment, by=moderator, expected_status=Comment.Status.PENDING)

    with pytest.raises(CommentRefused, match="Someone else decided this comment"):
        reject_comment(comment=comment, by=moderator, reason="Off topic", expected_status=Comment.Status.PENDING)

    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


def test_the_queue_refuses_a_decision_on_a_comment_decided_since_it_was_shown(client, gallery, moderator):
    comment = CommentFactory(gallery=gallery, status=Comment.Status.PENDING)
    client.force_login(moderator)
    shown = client.get(reverse("admin:newsroom_comment_changelist") + "?queue=pending")
    assert shown.status_code == 200
    approve_comment(comment=comment, by=moderator)  # someone else, meanwhile

    data = {"action": "reject_selected", "_selected_action": [comment.pk], "index": 0}
    response = client.post(reverse("admin:newsroom_comment_changelist") + "?queue=pending", data, follow=True)

    assert "decided by someone else after this page was shown" in response.text
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
