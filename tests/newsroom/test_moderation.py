import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from galleries.models import AuditEvent, Gallery
from newsroom.models import Ban, Comment, CommentReport, WordRule
from newsroom.moderation import (
    CommentRefused,
    approve_comment,
    ban_commenter,
    issue_form_stamp,
    mark_spam,
    post_comment,
    reject_comment,
    remove_comment,
    report_comment,
)
from newsroom.trust import sign_proof
from tests.factories import CommentFactory, GalleryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gallery():
    return GalleryFactory(published=True, items=1)


def post(gallery, **overrides) -> Comment:
    """Post as a reader who proves an approved comment already, so only the check under test decides."""
    email = overrides.pop("author_email", "ada@example.org")
    earlier = Comment.objects.filter(author_email=email, status="approved").first()
    if earlier is None:
        earlier = CommentFactory(gallery=gallery, author_email=email, body="An earlier, approved comment.")
    arguments = {
        "reader_proof": sign_proof([earlier.pk]),
        "gallery": gallery,
        "body": "A thoughtful comment.",
        "author_name": "Ada",
        "author_email": email,
        "ip_hash": "a" * 32,
        "form_stamp": issue_form_stamp(at=time.time() - 30),
    }
    arguments.update(overrides)
    return post_comment(**arguments)


def test_a_clean_comment_from_a_known_reader_is_approved(gallery):
    comment = post(gallery)

    assert comment.status == Comment.Status.APPROVED
    event = AuditEvent.objects.get(action="comment.posted")
    assert event.to_state == "approved"
    assert event.target_id == str(comment.pk)


def test_site_kill_switch_refuses_and_stores_nothing(gallery, settings):
    settings.LOUPE_COMMENTS_ENABLED = False
    with pytest.raises(CommentRefused, match="switched off"):
        post(gallery)
    assert Comment.objects.count() == 1


def test_closed_gallery_refuses(gallery):
    gallery.comment_mode = Gallery.CommentMode.CLOSED
    gallery.save()
    with pytest.raises(CommentRefused, match="closed"):
        post(gallery)


def test_premoderated_gallery_holds_every_comment(gallery):
    gallery.comment_mode = Gallery.CommentMode.PREMODERATED
    gallery.save()

    comment = post(gallery)

    assert comment.status == Comment.Status.PENDING
    assert "reviewed first" in comment.policy_reason


def test_comments_close_some_days_after_publication(gallery, settings):
    settings.LOUPE_COMMENTS_CLOSE_AFTER_DAYS = 30
    gallery.published_at = timezone.now() - timedelta(days=31)
    gallery.save()

    with pytest.raises(CommentRefused, match="30 days"):
        post(gallery)


def test_honeypot_marks_spam(gallery):
    comment = post(gallery, honeypot="http://cheap.example")

    assert comment.status == Comment.Status.SPAM


def test_posting_faster_than_a_person_marks_spam(gallery):
    comment = post(gallery, form_stamp=issue_form_stamp())

    assert comment.status == Comment.Status.SPAM
    assert "faster" in comment.policy_reason


def test_forged_form_stamp_marks_spam(gallery):
    comment = post(gallery, form_stamp="12345:forged")

    assert comment.status == Comment.Status.SPAM


@pytest.mark.parametrize(
    "ban",
    [
        {"email": "ADA@example.org"},
        {"ip_hash": "a" * 32},
    ],
)
def test_banned_commenter_is_rejected(gallery, moderator, ban):
    Ban.objects.create(reason="Abuse", created_by=moderator, **ban)

    comment = post(gallery)

    assert comment.status == Comment.Status.REJECTED
    assert "banned" in comment.policy_reason


def test_banned_account_is_rejected(gallery, reader):
    Ban.objects.create(user=reader, reason="Abuse")

    comment = post(gallery, user=reader, author_email=reader.email)

    assert comment.status == Comment.Status.REJECTED


def test_expired_ban_no_longer_applies(gallery):
    Ban.objects.create(email="ada@example.org", reason="Cool off", expires_at=timezone.now() - timedelta(minutes=1))

    assert post(gallery).status == Comment.Status.APPROVED


def test_banned_word_rejects_whole_words_only_in_any_case(gallery):
    WordRule.objects.create(word="scum", kind=WordRule.Kind.BANNED)

    assert post(gallery, body="You are SCUM.").status == Comment.Status.REJECTED
    assert post(gallery, body="Scumble is a painting technique.").status == Comment.Status.APPROVED


def test_suspect_word_holds(gallery):
    WordRule.objects.create(word="c.i.a", kind=WordRule.Kind.SUSPECT)

    held = post(gallery, body="Obviously a c.i.a photo.")
    # The dot is a literal dot, not "any character".
    passed = post(gallery, body="Obviously a cxixa photo.")

    assert held.status == Comment.Status.PENDING
    assert "c.i.a" in held.policy_reason
    assert passed.status == Comment.Status.APPROVED


def test_many_links_hold(gallery, settings):
    settings.LOUPE_COMMENT_MAX_LINKS = 2
    body = "see https://a.example https://b.example and www.c.example"

    assert post(gallery, body=body).status == Comment.Status.PENDING
    assert post(gallery, body="only https://a.example").status == Comment.Status.APPROVED


def test_duplicate_of_the_same_authors_recent_comment_is_refused(gallery):
    post(gallery, body="Same words")

    with pytest.raises(CommentRefused, match="already posted"):
        post(gallery, body="Same words")
    assert post(gallery, body="Same words", author_email="someone.else@example.org").status == "approved"


def test_first_time_commenter_is_held_until_trusted(gallery, settings):
    settings.LOUPE_COMMENT_TRUSTED_AFTER = 2
    arguments = {"gallery": gallery, "author_name": "New", "author_email": "new@example.org"}

    def stamp() -> str:
        return issue_form_stamp(at=time.time() - 30)

    first = post_comment(body="First", form_stamp=stamp(), **arguments)
    approve_comment(comment=first, by=None)
    second = post_comment(body="Second", form_stamp=stamp(), reader_proof=sign_proof([first.pk]), **arguments)
    approve_comment(comment=second, by=None)
    third = post_comment(body="Third", form_stamp=stamp(), reader_proof=sign_proof([first.pk, second.pk]), **arguments)

    assert (first.status, second.status, third.status) == ("pending", "pending", "approved")


def test_empty_and_too_long_comments_are_refused(gallery, settings):
    settings.LOUPE_COMMENT_MAX_LENGTH = 10
    with pytest.raises(CommentRefused, match="Write something"):
        post(gallery, body="   ")
    with pytest.raises(CommentRefused, match="at most 10 characters"):
        post(gallery, body="x" * 11)


def test_item_must_belong_to_the_gallery(gallery):
    other_item = GalleryFactory(published=True, items=1).items.get()

    with pytest.raises(CommentRefused, match="not part of this gallery"):
        post(gallery, item=other_item)


def test_rejection_wins_over_holds(gallery):
    gallery.comment_mode = Gallery.CommentMode.PREMODERATED
    gallery.save()
    WordRule.objects.create(word="scum", kind=WordRule.Kind.BANNED)

    assert post(gallery, body="scum").status == Comment.Status.REJECTED


@pytest.mark.parametrize(
    ("decide", "status", "action"),
    [
        (lambda c, by: approve_comment(comment=c, by=by), "approved", "comment.approved"),
        (lambda c, by: reject_comment(comment=c, by=by, reason="Off topic"), "rejected", "comment.rejected"),
        (lambda c, by: mark_spam(comment=c, by=by), "spam", "comment.spam"),
        (lambda c, by: remove_comment(comment=c, by=by, reason="Legal"), "removed", "comment.removed"),
    ],
)
def test_each_decision_is_audited(moderator, decide, status, action):
    comment = CommentFactory(status=Comment.Status.PENDING)

    decided = decide(comment, moderator)

    assert decided.status == status
    assert decided.decided_by == moderator
    event = AuditEvent.objects.get(action=action)
    assert (event.actor, event.from_state, event.to_state) == (moderator, "pending", status)


def test_approval_emails_a_commenter_who_asked(moderator, django_capture_on_commit_callbacks):
    comment = CommentFactory(status=Comment.Status.PENDING, notify_on_reply=True, author_email="ada@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=comment, by=moderator)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.org"]
    assert "/comments/unsubscribe/" in mail.outbox[0].body


def test_approval_emails_nobody_who_did_not_ask(moderator, django_capture_on_commit_callbacks):
    comment = CommentFactory(status=Comment.Status.PENDING)

    with django_capture_on_commit_callbacks(execute=True):
        approve_comment(comment=comment, by=moderator)

    assert mail.outbox == []


def test_a_published_reply_emails_the_parent_author(gallery, django_capture_on_commit_callbacks):
    parent = CommentFactory(gallery=gallery, notify_on_reply=True, author_email="parent@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        post(gallery, parent=parent, body="A reply")

    assert [message.to for message in mail.outbox] == [["parent@example.org"]]
    assert "replied to your comment" in mail.outbox[0].subject


def test_reports_hide_a_comment_after_the_threshold(settings):
    settings.LOUPE_COMMENT_REPORTS_TO_HIDE = 2
    comment = CommentFactory()

    report_comment(comment=comment, reason="abuse", reporter_key="r1")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    report_comment(comment=comment, reason="endangers", reporter_key="r2", note="Shows a child's face")
    comment.refresh_from_db()

    assert comment.status == Comment.Status.PENDING
    assert "2 reader reports" in comment.policy_reason
    assert not Comment.objects.visible().filter(pk=comment.pk).exists()
    assert Comment.objects.reported().filter(pk=comment.pk).exists()
    assert AuditEvent.objects.filter(action="comment.hidden").count() == 1


def test_a_reader_reports_a_comment_once():
    comment = CommentFactory()
    report_comment(comment=comment, reason="spam", reporter_key="r1")

    with pytest.raises(CommentRefused, match="already reported"):
        report_comment(comment=comment, reason="spam", reporter_key="r1")
    assert CommentReport.objects.count() == 1


def test_a_report_needs_a_known_reason():
    with pytest.raises(CommentRefused, match="reason"):
        report_comment(comment=CommentFactory(), reason="boring", reporter_key="r1")


def test_deciding_a_reported_comment_clears_its_reports(moderator):
    comment = CommentFactory()
    report_comment(comment=comment, reason="spam", reporter_key="r1")

    approve_comment(comment=comment, by=moderator)
    comment.refresh_from_db()

    assert comment.report_count == 0
    assert not Comment.objects.reported().exists()
    assert CommentReport.objects.get().resolved_at is not None


def test_ban_from_a_comment_covers_email_account_and_address(moderator, reader):
    comment = CommentFactory(user=reader, author_email="r@example.org", ip_hash="b" * 32)
    until = timezone.now() + timedelta(days=7)

    ban = ban_commenter(comment=comment, by=moderator, reason="Harassment", until=until)

    assert (ban.email, ban.user, ban.ip_hash, ban.expires_at) == ("r@example.org", reader, "b" * 32, until)
    event = AuditEvent.objects.get(action="commenter.banned")
    assert (event.actor, event.note) == (moderator, "Harassment")


def test_a_ban_needs_someone_a_reason_and_a_future_end(moderator):
    with pytest.raises(CommentRefused, match="Name an email"):
        ban_commenter(by=moderator, reason="x")
    with pytest.raises(CommentRefused, match="reason"):
        ban_commenter(by=moderator, email="a@example.org", reason=" ")
    with pytest.raises(CommentRefused, match="future"):
        ban_commenter(by=moderator, email="a@example.org", reason="x", until=timezone.now() - timedelta(days=1))
    assert not Ban.objects.exists()
