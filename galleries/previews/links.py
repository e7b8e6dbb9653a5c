"""Preview links, the domain side: making and revoking them, and finding the live one a token names.

A preview link is a random 256-bit token shown once to the editor who makes it; only its SHA-256 is stored, so
a database leak reveals no working link. It expires (at most LINK_MAX_AGE), can be revoked one by one, and
grants exactly one gallery and the renditions of that gallery's photos, nothing else.
"""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from galleries.audit import record
from galleries.models import Gallery, PreviewLink
from galleries.workflow import is_editor

LINK_MAX_AGE = timedelta(days=30)
LINK_DEFAULT_AGE = timedelta(days=7)
LINK_LIFETIME_ERROR = f"A preview link lasts between five minutes and {LINK_MAX_AGE.days} days."


class PreviewLinkError(Exception):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_preview_link(
    *, gallery: Gallery, by, expires_in: timedelta = LINK_DEFAULT_AGE, label: str = ""
) -> tuple[PreviewLink, str]:
    """Make a link for someone without a login; returns the link and its token, which is never stored."""
    if not is_editor(by):
        raise PreviewLinkError("Only editors may make preview links.")
    if not timedelta(minutes=5) <= expires_in <= LINK_MAX_AGE:
        raise PreviewLinkError(LINK_LIFETIME_ERROR)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = PreviewLink.objects.create(
            gallery=gallery,
            token_hash=_hash(token),
            label=label.strip()[:200],
            expires_at=timezone.now() + expires_in,
            created_by=by,
        )
        record(gallery, "gallery.preview_link_created", by=by, note=link.label, data={"link": link.pk})
    return link, token


def revoke_preview_link(*, link: PreviewLink, by) -> PreviewLink:
    if not is_editor(by):
        raise PreviewLinkError("Only editors may revoke preview links.")
    with transaction.atomic():
        if PreviewLink.objects.filter(pk=link.pk, revoked_at=None).update(revoked_at=timezone.now()):
            record(link.gallery, "gallery.preview_link_revoked", by=by, note=link.label, data={"link": link.pk})
    link.refresh_from_db()
    return link


def active_link(token: str) -> PreviewLink | None:
    """The live link `token` names; expired, revoked, tampered with or never made all give None."""
    return PreviewLink.objects.active().select_related("gallery").filter(token_hash=_hash(token)).first()
