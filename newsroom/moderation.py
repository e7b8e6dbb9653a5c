"""Comment policy and moderation decisions.

A posted comment runs through CHECKS in order; each check approves, holds
(with a reason) or rejects (with a reason). The first rejection wins; otherwise
the first hold wins. Every decision is a function here, called alike from the
public views, the moderation queue and management commands.
"""

import hashlib
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from galleries.audit import record
from galleries.mail import send_after_commit
from galleries.models import AuditEvent
from galleries.pagecache import purge_comment_pages
from galleries.popularity import VOTES_PER_ADDRESS_PER_PHOTO
from galleries.ratelimit import allow
from galleries.ratelimit import cache as counters
from newsroom.models import (
    Ban,
    Comment,
    CommentReport,
    CommentVote,
    WordRule,
    photo_comments_fragment,
)
from newsroom.trust import approved_comments_of

logger = logging.getLogger(__name__)

STAMP_SALT = "loupe.comments.form-stamp"
URL_PATTERN = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


class CommentRefused(Exception):
    """The comment (or report, or vote) was not taken; str() is a clear message for the reader."""


# --- Policy -----------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    action: str  # "approve" | "hold" | "reject"
    reason: str = ""
    spam: bool = False
    # Refusals about the gallery rather than the comment (closed, duplicate)
    # leave nothing behind; rejected spam and abuse are kept for moderators.
    keep: bool = True


APPROVE = Verdict("approve")


def hold(reason: str) -> Verdict:
    return Verdict("hold", reason)


def reject(reason: str, *, spam: bool = False, keep: bool = True) -> Verdict:
    return Verdict("reject", reason, spam=spam, keep=keep)


@dataclass
class Submission:
    gallery: object
    body: str
    author_name: str = ""
    author_email: str = ""
    user: object = None
    ip_hash: str = ""
    honeypot: str = ""
    form_stamp: str = ""
    # The signed cookie from the reader's earlier comments (newsroom.trust): the only proof an address is theirs.
    reader_proof: str = ""
    now: datetime = field(default_factory=timezone.now)


def issue_form_stamp(*, at: float | None = None) -> str:
    """The signed time a comment form was shown; bots that post faster than a person can type are caught by it.

    A random part makes every stamp its own, so using one twice (see check_bot) is told from two forms shown
    in the same second.
    """
    return signing.dumps([int(at if at is not None else time.time()), secrets.token_hex(8)], salt=STAMP_SALT)


def comments_closed_reason(gallery, *, now: datetime | None = None) -> str:
    """Why readers cannot comment on this gallery now, or "" when they can."""
    now = now or timezone.now()
    if not settings.LOUPE_COMMENTS_ENABLED:
        return "Comments are switched off across the site for now."
    if gallery.comment_mode == gallery.CommentMode.CLOSED:
        return "Comments are closed on this gallery."
    if not gallery.is_public:
        return "This gallery is not published."
    days = settings.LOUPE_COMMENTS_CLOSE_AFTER_DAYS
    if days and gallery.published_at and now - gallery.published_at > timedelta(days=days):
        return f"Comments close {days} days after a gallery is published."
    return ""


def check_open(s: Submission) -> Verdict:
    reason = comments_closed_reason(s.gallery, now=s.now)
    return reject(reason, keep=False) if reason else APPROVE


def check_bot(s: Submission) -> Verdict:
    if s.honeypot.strip():
        return reject("A field only robots fill in was filled in.", spam=True)
    max_age = settings.LOUPE_COMMENT_FORM_MAX_AGE
    try:
        shown = signing.loads(s.form_stamp, salt=STAMP_SALT, max_age=max_age)
    except signing.SignatureExpired:
        # A person who took long over their words gets the form back, with a fresh stamp and their text.
        return reject("The form was open too long. Check your comment and send it again.", keep=False)
    except signing.BadSignature:
        return reject("The form was missing, forged or too old.", spam=True)
    # Stamps issued before they carried a random part were the bare time.
    shown_at = shown[0] if isinstance(shown, list) and shown else shown
    if not isinstance(shown_at, int) or time.time() - shown_at < settings.LOUPE_COMMENT_MIN_SECONDS:
        return reject("Posted faster than a person can write.", spam=True)
    # Once per reader's address: a cached page hands the same stamp to everyone who reads it, but one sender
    # replaying a stamp is a script. The key outlives the stamp, so an expired one cannot come back either.
    used = "comment-stamp:" + hashlib.sha256(f"{s.form_stamp}|{s.ip_hash}".encode()).hexdigest()[:40]
    if not counters.add(used, 1, timeout=max_age + 60):
        return reject("This form was sent already. Check your comment and send it again.", keep=False)
    return APPROVE


def check_banned(s: Submission) -> Verdict:
    bans = Ban.objects.active(now=s.now).matching(email=s.author_email, user=s.user, ip_hash=s.ip_hash)
    if bans.exists():
        return reject("The author is banned from commenting.")
    return APPROVE


def _word_pattern(words: list[str]) -> re.Pattern | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(word.strip()) for word in words if word.strip())
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if alternatives else None


def _word_rules() -> dict[str, list[str]]:
    rules: dict[str, list[str]] = {WordRule.Kind.BANNED: [], WordRule.Kind.SUSPECT: []}
    for word, kind in WordRule.objects.values_list("word", "kind"):
        rules[kind].append(word)
    return rules


def check_words(s: Submission) -> Verdict:
    rules = _word_rules()
    for kind, verdict in (
        (WordRule.Kind.BANNED, reject),
        (WordRule.Kind.SUSPECT, hold),
    ):
        pattern = _word_pattern(rules[kind])
        found = pattern.search(s.body) if pattern else None
        if found:
            label = "banned" if kind == WordRule.Kind.BANNED else "suspect"
            return verdict(f"Contains the {label} word “{found.group(0)}”.")
    return APPROVE


def check_duplicate(s: Submission) -> Verdict:
    since = s.now - timedelta(hours=settings.LOUPE_COMMENT_DUPLICATE_HOURS)
    recent = Comment.objects.filter(created_at__gte=since, body=s.body.strip())
    if s.user is not None and s.user.is_authenticated:
        recent = recent.filter(user=s.user)
    elif s.author_email:
        recent = recent.filter(author_email__iexact=s.author_email)
    else:
        recent = recent.filter(ip_hash=s.ip_hash)
    if recent.exclude(status__in=[Comment.Status.REMOVED]).exists():
        return reject("You have already posted this comment.", keep=False)
    return APPROVE


def check_links(s: Submission) -> Verdict:
    limit = settings.LOUPE_COMMENT_MAX_LINKS
    if len(URL_PATTERN.findall(s.body)) > limit:
        return hold(f"More than {limit} links.")
    return APPROVE


def check_premoderated(s: Submission) -> Verdict:
    if s.gallery.comment_mode == s.gallery.CommentMode.PREMODERATED:
        return hold("Every comment on this gallery is reviewed first.")
    return APPROVE


def check_first_time(s: Submission) -> Verdict:
    needed = settings.LOUPE_COMMENT_TRUSTED_AFTER
    if not needed:
        return APPROVE
    if s.user is not None and s.user.is_authenticated:
        approved = Comment.objects.filter(status=Comment.Status.APPROVED, user=s.user).count()
    else:
        # Never by the typed address alone: anyone can type a trusted reader's e-mail.
        approved = approved_comments_of(proof=s.reader_proof, email=s.author_email)
    if approved < needed:
        return hold("First-time commenter.")
    return APPROVE


CHECKS: list[Callable[[Submission], Verdict]] = [
    check_open,
    check_bot,
    check_banned,
    check_words,
    check_duplicate,
    check_links,
    check_premoderated,
    check_first_time,
]


def evaluate(submission: Submission) -> Verdict:
    held = None
    for check in CHECKS:
        verdict = check(submission)
        if verdict.action == "reject":
            return verdict
        if verdict.action == "hold" and held is None:
            held = verdict
    return held or APPROVE


def is_rate_limited(*, ip_hash: str, user=None, action: str = "comment") -> bool:
    """Count one attempt; True when this reader or address has posted too often in the window."""
    limit, window = settings.LOUPE_COMMENT_RATE_LIMIT, settings.LOUPE_COMMENT_RATE_WINDOW
    if action == "vote":
        limit = settings.LOUPE_COMMENT_VOTE_RATE_LIMIT
    keys = [f"{action}:ip:{ip_hash}"]
    if user is not None and user.is_authenticated:
        keys.append(f"{action}:user:{user.pk}")
    # Count every key even after one trips, so neither window can be reset by alternating.
    results = [allow(key, limit=limit, window=window) for key in keys]
    return not all(results)


def can_moderate(user) -> bool:
    """Moderators hold `newsroom.moderate_comments` through their group (see galleries.roles); so do superusers."""
    return bool(
        user.is_authenticated and user.is_active and user.is_staff and user.has_perm("newsroom.moderate_comments")
    )


# --- Decisions --------------------------------------------------------------


def comments_changed(comments: list[Comment], *, counted: bool = False) -> None:
    """Every write that changes what readers see of comments calls this, in its transaction, before it commits.

    The threads the comments belong to move on to a new version there and then (CommentQuerySet.change_threads),
    so a cached copy of a thread is never shown past the commit; the comment sections of their galleries and the
    cached pages that show them are purged once it is done. `counted`: the comments were published, hidden or
    deleted, so the counts of comments under each photo of the gallery page change too.
    """
    Comment.objects.filter(pk__in=[comment.pk for comment in comments]).change_threads()
    galleries = sorted({comment.gallery_id for comment in comments})
    # The photos' comment counts on the gallery page, which are kept with the photos.
    on_photos = {comment.gallery_id for comment in comments if counted and comment.item_id}
    changed = sorted(photo_comments_fragment(gallery_id) for gallery_id in on_photos)
    transaction.on_commit(partial(purge_comment_pages, galleries, changed=changed))


def _after_decision(comment: Comment, *, approved_now: bool = False, visibility_changed: bool = True) -> None:
    if visibility_changed:
        comments_changed([comment], counted=True)
    if approved_now:
        if comment.notify_on_reply and comment.author_email:
            # Read again after the commit, as it then is; most readers ask for no mail, and cost no query.
            transaction.on_commit(partial(notify_published, comment_id=comment.pk))
        if comment.parent_id:
            transaction.on_commit(partial(notify_reply, comment_id=comment.pk))


def _fingerprint(*, gallery, item, parent, user, author_email: str, ip_hash: str, body: str, now: datetime) -> str:
    # The same reader, place and words within the same hour. Unique in the table, so two identical posts
    # that pass check_duplicate's look-up at the same moment cannot both be stored.
    reader = f"user:{user.pk}" if user is not None else f"email:{author_email.lower()}" if author_email else ip_hash
    place = f"{gallery.pk}:{getattr(item, 'pk', '')}:{getattr(parent, 'pk', '')}"
    hour = int(now.timestamp() // 3600)
    return hashlib.sha256(f"{reader}\n{place}\n{hour}\n{body}".encode()).hexdigest()


@transaction.atomic
def post_comment(
    *,
    gallery,
    body: str,
    item=None,
    parent: Comment | None = None,
    user=None,
    author_name: str = "",
    author_email: str = "",
    ip_hash: str = "",
    honeypot: str = "",
    form_stamp: str = "",
    notify: bool = False,
    reader_proof: str = "",
) -> Comment:
    """Take a reader's comment through the policy; raises CommentRefused when nothing is stored."""
    body = (body or "").strip()
    if not body:
        raise CommentRefused("Write something before posting.")
    max_length = settings.LOUPE_COMMENT_MAX_LENGTH
    if len(body) > max_length:
        raise CommentRefused(f"Comments can be at most {max_length} characters; this one has {len(body)}.")
    if item is not None and item.gallery_id != gallery.pk:
        raise CommentRefused("That photo is not part of this gallery.")
    if user is not None and user.is_authenticated:
        author_name = author_name or user.get_full_name() or user.get_username()
        author_email = user.email or author_email
    else:
        user = None
    author_name = (author_name or "").strip()
    if not author_name:
        raise CommentRefused("Give a name to post under.")
    depth, root = 0, None
    if parent is not None:
        if parent.gallery_id != gallery.pk or parent.status != Comment.Status.APPROVED:
            raise CommentRefused("You can only reply to a published comment on this gallery.")
        item = parent.item
        # Deeper replies attach to the deepest ancestor that is allowed to have replies.
        while parent.depth >= settings.LOUPE_COMMENT_MAX_DEPTH:
            parent = parent.parent
        depth, root = parent.depth + 1, parent.root or parent

    submission = Submission(
        gallery=gallery,
        body=body,
        author_name=author_name,
        author_email=author_email,
        user=user,
        ip_hash=ip_hash,
        honeypot=honeypot,
        form_stamp=form_stamp,
        reader_proof=reader_proof,
    )
    verdict = evaluate(submission)
    if not verdict.keep:
        raise CommentRefused(verdict.reason)
    status = {
        "approve": Comment.Status.APPROVED,
        "hold": Comment.Status.PENDING,
        "reject": Comment.Status.SPAM if verdict.spam else Comment.Status.REJECTED,
    }[verdict.action]
    try:
        with transaction.atomic():
            comment = Comment.objects.create(
                gallery=gallery,
                item=item,
                parent=parent,
                root=root,
                depth=depth,
                user=user,
                author_name=author_name[:80],
                author_email=author_email.strip(),
                ip_hash=ip_hash,
                body=body,
                status=status,
                policy_reason=verdict.reason[:300],
                notify_on_reply=notify,
                decided_at=submission.now if status != Comment.Status.PENDING else None,
                fingerprint=_fingerprint(
                    gallery=gallery,
                    item=item,
                    parent=parent,
                    user=user,
                    author_email=author_email.strip(),
                    ip_hash=ip_hash,
                    body=body,
                    now=submission.now,
                ),
            )
    except IntegrityError as error:
        if "fingerprint" not in str(error):
            raise
        # The twin of a post another request stored a moment ago: check_duplicate's look-up could not see it.
        raise CommentRefused("You have already posted this comment.") from None
    record(comment, "comment.posted", by=user, to_state=status, note=verdict.reason)
    _after_decision(
        comment,
        approved_now=status == Comment.Status.APPROVED,
        visibility_changed=status == Comment.Status.APPROVED,
    )
    return comment


def _decide(comment: Comment, *, to: str, by, reason: str, action: str, expected_status: str | None) -> Comment:
    reason = (reason or "").strip()
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    before = comment.status
    if expected_status is not None and before != expected_status:
        # Two moderators on one comment: the first decision stands, the second is told rather than winning.
        raise CommentRefused(
            f"Someone else decided this comment after your page was shown: it is {comment.get_status_display()} "
            "now. Nothing was changed."
        )
    now = timezone.now()
    comment.status = to
    comment.decided_at = now
    comment.decided_by = by
    comment.report_count = 0
    if reason:
        comment.policy_reason = reason[:300]
    comment.save(update_fields=["status", "decided_at", "decided_by", "report_count", "policy_reason"])
    comment.reports.filter(resolved_at__isnull=True).update(resolved_at=now)
    # A comment that was public once (say, hidden by reports and now cleared) was already announced.
    first_publication = to == Comment.Status.APPROVED and not _was_ever_approved(comment)
    record(comment, action, by=by, from_state=before, to_state=to, note=reason)
    _after_decision(
        comment,
        approved_now=first_publication,
        visibility_changed=Comment.Status.APPROVED in (before, to),
    )
    return comment


def _was_ever_approved(comment: Comment) -> bool:
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Comment),
        target_id=str(comment.pk),
        to_state=Comment.Status.APPROVED,
    ).exists()


# Each decision takes `expected_status`, the state the moderator saw: given, a comment decided by someone else
# since is refused with CommentRefused instead of decided twice.


@transaction.atomic
def approve_comment(*, comment: Comment, by, note: str = "", expected_status: str | None = None) -> Comment:
    return _decide(
        comment,
        to=Comment.Status.APPROVED,
        by=by,
        reason=note,
        action="comment.approved",
        expected_status=expected_status,
    )


@transaction.atomic
def reject_comment(*, comment: Comment, by, reason: str, expected_status: str | None = None) -> Comment:
    return _decide(
        comment,
        to=Comment.Status.REJECTED,
        by=by,
        reason=reason,
        action="comment.rejected",
        expected_status=expected_status,
    )


@transaction.atomic
def mark_spam(*, comment: Comment, by, reason: str = "Spam", expected_status: str | None = None) -> Comment:
    return _decide(
        comment,
        to=Comment.Status.SPAM,
        by=by,
        reason=reason,
        action="comment.spam",
        expected_status=expected_status,
    )


@transaction.atomic
def remove_comment(*, comment: Comment, by, reason: str, expected_status: str | None = None) -> Comment:
    return _decide(
        comment,
        to=Comment.Status.REMOVED,
        by=by,
        reason=reason,
        action="comment.removed",
        expected_status=expected_status,
    )


@transaction.atomic
def ban_commenter(
    *,
    by,
    reason: str,
    comment: Comment | None = None,
    email: str = "",
    user=None,
    ip_hash: str = "",
    until: datetime | None = None,
) -> Ban:
    """Ban whoever wrote `comment` (or the given email, account or IP hash); `until=None` bans for good."""
    if comment is not None:
        email, user, ip_hash = email or comment.author_email, user or comment.user, ip_hash or comment.ip_hash
    if not (email or user or ip_hash):
        raise CommentRefused("Name an email address, an account or an IP hash to ban.")
    reason = (reason or "").strip()
    if not reason:
        raise CommentRefused("Give a reason for the ban.")
    if until is not None and until <= timezone.now():
        raise CommentRefused("A ban must end in the future.")
    ban = Ban.objects.create(
        email=email, user=user, ip_hash=ip_hash, expires_at=until, reason=reason[:300], created_by=by
    )
    record(
        ban,
        "commenter.banned",
        by=by,
        note=reason,
        data={"comment": comment.pk if comment else None, "until": until.isoformat() if until else None},
    )
    return ban


@transaction.atomic
def report_comment(
    *,
    comment: Comment,
    reason: str,
    reporter_key: str,
    note: str = "",
    user=None,
    ip_hash: str = "",
) -> CommentReport:
    """File a reader's report; enough open reports hide the comment until a moderator looks."""
    if reason not in CommentReport.Reason.values:
        raise CommentRefused("Choose a reason for the report.")
    note = (note or "").strip()
    if len(note) > 1000:
        raise CommentRefused("Keep the note under 1000 characters.")
    if comment.status != Comment.Status.APPROVED:
        raise CommentRefused("This comment is already waiting for review.")
    try:
        with transaction.atomic():
            report = CommentReport.objects.create(
                comment=comment,
                reason=reason,
                note=note,
                reporter_key=reporter_key,
                ip_hash=ip_hash,
                user=user if user is not None and user.is_authenticated else None,
            )
    except IntegrityError:
        raise CommentRefused("You have already reported this comment.") from None
    Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
    comment.refresh_from_db(fields=["report_count", "status"])
    record(comment, "comment.reported", by=user, note=note, data={"reason": reason})
    threshold = settings.LOUPE_COMMENT_REPORTS_TO_HIDE
    if _reporting_addresses(comment) >= threshold and comment.status == Comment.Status.APPROVED:
        comment.status = Comment.Status.PENDING
        comment.policy_reason = f"Hidden after {comment.report_count} reader reports."
        comment.save(update_fields=["status", "policy_reason"])
        record(
            comment,
            "comment.hidden",
            from_state=Comment.Status.APPROVED,
            to_state=Comment.Status.PENDING,
            note=comment.policy_reason,
        )
        _after_decision(comment)
    return report


def _reporting_addresses(comment: Comment) -> int:
    # Reporters by address, not by cookie: one person clearing cookies between reports must not hide a comment.
    open_reports = comment.reports.filter(resolved_at__isnull=True).order_by()
    addresses = open_reports.exclude(ip_hash="").values("ip_hash").distinct().count()
    return addresses + open_reports.filter(ip_hash="").count()


@transaction.atomic
def vote_for_comment(*, comment: Comment, voter_key: str, ip_hash: str = "") -> bool:
    """Count one upvote per reader (cookie or account), a few per address, as for photos; False when not counted."""
    if comment.status != Comment.Status.APPROVED:
        raise CommentRefused("You can only vote for a published comment.")
    # One vote per comment at a time: racing requests with fresh cookies would otherwise all pass the count.
    Comment.objects.select_for_update().filter(pk=comment.pk).values_list("pk").first()
    if ip_hash and CommentVote.objects.filter(comment=comment, ip_hash=ip_hash).count() >= VOTES_PER_ADDRESS_PER_PHOTO:
        return False
    try:
        with transaction.atomic():
            CommentVote.objects.create(comment=comment, voter_key=voter_key, ip_hash=ip_hash)
    except IntegrityError:
        return False
    Comment.objects.filter(pk=comment.pk).update(vote_count=F("vote_count") + 1)
    comments_changed([comment])
    return True


# --- Notifications ----------------------------------------------------------


def unsubscribe_url(comment: Comment) -> str:
    token = signing.dumps(comment.unsubscribe_token, salt="loupe.comments.unsubscribe")
    return settings.SITE_URL + reverse("comments:unsubscribe", kwargs={"token": token})


def _mail(comment: Comment, subject: str, lines: list[str]) -> None:
    body = "\n\n".join(
        [
            *lines,
            f"Stop these emails: {unsubscribe_url(comment)}",
        ]
    )
    # Sent by a task, retried: the comment is already decided, and a mail outage must not undo or hide that.
    send_after_commit(subject=subject, body=body, recipients=[comment.author_email], about=comment)


def notify_published(*, comment_id: int) -> None:
    comment = Comment.objects.select_related("gallery").filter(pk=comment_id).first()
    if comment is None or not comment.notify_on_reply or not comment.author_email:
        return
    _mail(
        comment,
        f"Your comment on “{comment.gallery.title}” is published",
        [
            f"Hello {comment.author_name},",
            "Your comment is now published:",
            settings.SITE_URL + comment.get_absolute_url(),
        ],
    )


def notify_reply(*, comment_id: int) -> None:
    reply = Comment.objects.select_related("parent", "gallery").filter(pk=comment_id).first()
    if reply is None or reply.parent is None:
        return
    parent = reply.parent
    if not parent.notify_on_reply or not parent.author_email or parent.author_email == reply.author_email:
        return
    _mail(
        parent,
        f"{reply.author_name} replied to your comment on “{reply.gallery.title}”",
        [
            f"Hello {parent.author_name},",
            f"{reply.author_name} replied to your comment:",
            settings.SITE_URL + reply.get_absolute_url(),
        ],
    )


@transaction.atomic
def unsubscribe_commenter(*, comment: Comment) -> int:
    """Stop every notification to the author of `comment`; returns how many comments it touched."""
    mine = Comment.objects.filter(notify_on_reply=True)
    mine = (
        mine.filter(author_email__iexact=comment.author_email) if comment.author_email else mine.filter(pk=comment.pk)
    )
    count = mine.update(notify_on_reply=False)
    record(comment, "commenter.unsubscribed", data={"comments": count})
    return count


@transaction.atomic
def lift_ban(*, ban: Ban, by) -> Ban:
    now = timezone.now()
    if ban.expires_at is not None and ban.expires_at <= now:
        return ban
    before = ban.expires_at.isoformat() if ban.expires_at else "permanent"
    ban.expires_at = now
    ban.save(update_fields=["expires_at"])
    record(ban, "commenter.ban_lifted", by=by, data={"was_until": before})
    return ban
