"""Which readers skip first-time moderation: those who prove who they are, never those who type an address.

A reader with an account proves it by signing in. A reader without one earns trust with a comment that was
approved: whenever they post, their browser gets a signed cookie naming the comments it posted (the latest
few), and on a later post the approved ones among them, written under the same e-mail address as the new
one, are their proof. Typing the address of a trusted reader proves nothing: the cookie is signed with the
site's secret key, and only the browser that posted those comments holds it.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpResponse

from newsroom.models import Comment

COOKIE = "loupe_commenter"
SALT = "loupe.comments.trust"
MAX_AGE = timedelta(days=365)
# The latest comments a cookie names: enough to outlast a few held or rejected ones.
KEEP = 10


def proven_comments(proof: str) -> list[int]:
    """The comments a reader's cookie names, if the site signed it (and not too long ago); else none."""
    try:
        ids = signing.loads(proof or "", salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return []
    if not isinstance(ids, list):
        return []
    return [pk for pk in ids if isinstance(pk, int) and not isinstance(pk, bool)][:KEEP]


def sign_proof(comment_ids: list[int]) -> str:
    return signing.dumps(comment_ids[-KEEP:], salt=SALT, compress=True)


def approved_comments_of(*, proof: str, email: str) -> int:
    """How many approved comments this reader proves they wrote under `email`."""
    if not email:
        return 0
    proven = proven_comments(proof)
    if not proven:
        return 0
    return Comment.objects.filter(pk__in=proven, status=Comment.Status.APPROVED, author_email__iexact=email).count()


def remember_comment(response: HttpResponse, *, proof: str, comment: Comment) -> HttpResponse:
    """Add `comment` to the reader's signed cookie; the proof for their next comments once it is approved."""
    ids = [pk for pk in proven_comments(proof) if pk != comment.pk] + [comment.pk]
    response.set_cookie(
        COOKIE,
        sign_proof(ids),
        max_age=int(MAX_AGE.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=not settings.DEBUG,
    )
    return response
