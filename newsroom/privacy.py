"""A commenter's personal data, on request: everything we hold, and its erasure."""

import hashlib

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from galleries.audit import record
from galleries.models import AuditEvent
from newsroom.models import Ban, Comment, new_unsubscribe_token
from newsroom.moderation import comments_changed

REMOVED = "[removed]"


def comments_of(email: str):
    return Comment.objects.filter(Q(author_email__iexact=email) | Q(user__email__iexact=email))


def export_commenter_data(*, email: str) -> dict:
    comments = comments_of(email).select_related("gallery", "user").order_by("created_at", "id")
    return {
        "email": email,
        "comments": [
            {
                "id": comment.pk,
                "gallery": comment.gallery.title,
                "gallery_url": settings.SITE_URL + comment.gallery.get_absolute_url(),
                "item_id": comment.item_id,
                "in_reply_to": comment.parent_id,
                "author_name": comment.author_name,
                "author_email": comment.author_email,
                "account": comment.user.get_username() if comment.user_id else None,
                "body": comment.body,
                "status": comment.status,
                "created_at": comment.created_at.isoformat(),
                "ip_address_hash": comment.ip_hash,
                "emails_on_reply": comment.notify_on_reply,
                "votes_received": comment.vote_count,
            }
            for comment in comments
        ],
        "bans": [
            {"reason": ban.reason, "expires_at": ban.expires_at.isoformat() if ban.expires_at else None}
            for ban in Ban.objects.filter(email__iexact=email)
        ],
    }


@transaction.atomic
def erase_commenter_data(*, email: str, by=None) -> int:
    """Anonymise every comment by this email; replies stay attached so threads still read. Returns the count."""
    comments = list(comments_of(email).only("pk", "root_id", "gallery_id", "item_id"))
    ids = [comment.pk for comment in comments]
    Comment.objects.filter(pk__in=ids).update(
        author_name=REMOVED, body=REMOVED, author_email="", ip_hash="", user=None, notify_on_reply=False
    )
    for pk in ids:
        # Old unsubscribe links must stop naming anyone.
        Comment.objects.filter(pk=pk).update(unsubscribe_token=new_unsubscribe_token())
    # Audit rows name the comment by its text; keep the record of decisions, drop the words.
    AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Comment), target_id__in=[str(pk) for pk in ids]
    ).update(target_repr=REMOVED)
    record(
        None,
        "commenter.erased",
        by=by,
        data={"comments": len(ids), "email_sha256": hashlib.sha256(email.lower().encode()).hexdigest()},
    )
    # Their names and words leave every thread they are in, and the replies that named them.
    comments_changed(comments)
    return len(ids)
