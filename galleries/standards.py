"""Requests from the people pictured: filing one from a photo's page, and one function per editor decision.

A request goes to the standards queue (the admin's "requests from the people pictured"), never to the comment
queue and never to a public page. Each decision is audited and the requester is told by mail with their
reference; the audit log names a request by its reference and ask, never by who asked.
"""

import hashlib
import secrets
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import signing
from django.core.cache import caches
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.connection import ConnectionProxy

from galleries.audit import record
from galleries.mail import send_after_commit
from galleries.models import AuditEvent, Item, PersonRequest, Photo
from galleries.takedowns import TakedownRefused, take_down_photo

PERMISSION = "galleries.handle_person_request"
STAMP_SALT = "loupe.galleries.person-request-stamp"
# Per reader's address: enough for someone in several photos of one story, too few to flood the desk.
REQUESTS_PER_HOUR = 5

counters = ConnectionProxy(caches, "counters")


class RequestRefused(Exception):
    """The request was not taken, or the decision not made; str() says why, in words for the person."""


def can_handle_requests(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(PERMISSION))


def issue_stamp(*, item: Item, at: float | None = None) -> str:
    """The signed time the form for `item` was shown: a form posted at once, replayed or for another photo is
    refused (the same guard as the comment form's, with its limits)."""
    return signing.dumps([int(at if at is not None else time.time()), item.pk, secrets.token_hex(8)], salt=STAMP_SALT)


def check_stamp(*, stamp: str, item: Item, ip_hash: str) -> None:
    try:
        shown_at, item_pk, _ = signing.loads(stamp, salt=STAMP_SALT, max_age=settings.LOUPE_COMMENT_FORM_MAX_AGE)
    except signing.SignatureExpired:
        raise RequestRefused("The form was open too long. Check your request and send it again.") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise RequestRefused("The form was missing or forged. Open it again from the photo's page.") from None
    if item_pk != item.pk:
        raise RequestRefused("The form was for another photo. Open it again from the photo's page.")
    if time.time() - shown_at < settings.LOUPE_COMMENT_MIN_SECONDS:
        raise RequestRefused("The form was sent faster than a person can fill it in. Please send it again.")
    used = "person-request-stamp:" + hashlib.sha256(f"{stamp}|{ip_hash}".encode()).hexdigest()[:40]
    if not counters.add(used, 1, timeout=settings.LOUPE_COMMENT_FORM_MAX_AGE + 60):
        raise RequestRefused("This form was sent already: your request has its reference in the mail we sent.")


@transaction.atomic
def file_person_request(*, item: Item, name: str, relation: str, ask: str, details: str, email: str) -> PersonRequest:
    """Put a request in the standards queue; the requester and the desk are mailed once it commits."""
    person_request = PersonRequest(
        item=item,
        photo=item.photo,
        page_title=f"{item.gallery.title}: {item.headline or f'photo {item.number}'}"[:300],
        caption_filed=item.caption,
        name=name,
        relation=relation,
        ask=ask,
        details=details,
        email=email,
    )
    person_request.full_clean()
    person_request.save()
    # The desk's record names the request, never the person or their address.
    record(person_request, "person_request.filed", data={"ask": ask, "item": item.pk, "photo": item.photo_id})
    _tell_requester(person_request, template="received", subject="We received your request")
    _tell_desk(person_request)
    return person_request


def _lock_open(person_request: PersonRequest) -> PersonRequest:
    # Only the request's row is locked: its item and photo are joined in (outer joins PostgreSQL cannot lock).
    locked = (
        PersonRequest.objects.select_for_update(of=("self",))
        .select_related("item__gallery", "photo")
        .get(pk=person_request.pk)
    )
    if locked.status != PersonRequest.Status.OPEN:
        raise RequestRefused(f"This request was already decided: {locked.get_status_display().lower()}.")
    return locked


def _decide(person_request: PersonRequest, *, status: str, by, note: str, data: dict | None = None) -> None:
    person_request.status = status
    person_request.decision_note = note
    person_request.decided_by = by
    person_request.decided_at = timezone.now()
    person_request.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    record(
        person_request,
        f"person_request.{status}",
        by=by,
        from_state=PersonRequest.Status.OPEN,
        to_state=status,
        note=note,
        data={"photo": person_request.photo_id, "item": person_request.item_id, **(data or {})},
    )
    _tell_requester(person_request, template=status, subject="Your request has been answered")


def _require(user) -> None:
    if not can_handle_requests(user):
        raise RequestRefused("Only editors of the standards desk act on these requests.")


@transaction.atomic
def blur_for_request(*, person_request: PersonRequest, by, note: str = "") -> PersonRequest:
    """Close a request as blurred: the photo's blur areas were saved since it came in (the redaction editor's
    save took the old public files down and queued new renditions, see tasks.reframe_photo)."""
    _require(by)
    person_request = _lock_open(person_request)
    photo = person_request.photo
    if photo is None:
        raise RequestRefused("The photo is no longer in the library.")
    blurred_since = AuditEvent.objects.filter(
        action="photo.reframed",
        target_id=str(photo.pk),
        created_at__gte=person_request.created_at,
        data__blur_areas__gt=0,
    ).exists()
    if not (photo.redactions and blurred_since):
        raise RequestRefused("Blur the person in the redaction editor first; then the request is closed as blurred.")
    _decide(
        person_request,
        status=PersonRequest.Status.BLURRED,
        by=by,
        note=note,
        data={"blur_areas": len(photo.redactions)},
    )
    return person_request


@transaction.atomic
def take_down_for_request(
    *, person_request: PersonRequest, by, note: str = "", hide_item: bool = False
) -> PersonRequest:
    """Take the photo down everywhere at once (the mechanism of kill notices and lease ends)."""
    _require(by)
    person_request = _lock_open(person_request)
    if person_request.photo is None:
        raise RequestRefused("The photo is no longer in the library.")
    try:
        take_down_photo(
            photo=person_request.photo,
            by=by,
            reason=f"Request {person_request.reference} from a person pictured. {note}".strip(),
            hide_item=hide_item,
            cause=Photo.TakedownCause.PERSON_PICTURED,
        )
    except TakedownRefused as refusal:
        raise RequestRefused(str(refusal)) from None
    _decide(person_request, status=PersonRequest.Status.TAKEN_DOWN, by=by, note=note, data={"hide_item": hide_item})
    return person_request


@transaction.atomic
def correct_caption_for_request(*, person_request: PersonRequest, by, note: str = "") -> PersonRequest:
    """Close a request as corrected once the item's caption differs from the one the person asked about."""
    _require(by)
    person_request = _lock_open(person_request)
    item = person_request.item
    if item is None:
        raise RequestRefused("The photo is no longer in that gallery; there is no caption to correct.")
    if item.caption == person_request.caption_filed:
        raise RequestRefused("The caption is as it was when the request came in: correct it first.")
    _decide(
        person_request,
        status=PersonRequest.Status.CAPTION_CORRECTED,
        by=by,
        note=note,
        data={"caption_before": person_request.caption_filed, "caption_after": item.caption},
    )
    return person_request


@transaction.atomic
def decline_request(*, person_request: PersonRequest, by, reason: str) -> PersonRequest:
    """Decline with a reason, which the requester reads."""
    _require(by)
    reason = (reason or "").strip()
    if not reason:
        raise RequestRefused("Say why the request is declined: the person who asked reads it.")
    person_request = _lock_open(person_request)
    _decide(person_request, status=PersonRequest.Status.DECLINED, by=by, note=reason)
    return person_request


def _tell_requester(person_request: PersonRequest, *, template: str, subject: str) -> None:
    context = {"request": person_request, "site_name": settings.SITE_NAME}
    send_after_commit(
        subject=f"[{settings.SITE_NAME}] {subject} ({person_request.reference})",
        body=render_to_string(f"galleries/email/person_request_{template}.txt", context),
        recipients=[person_request.email],
        about=person_request,
    )


def _tell_desk(person_request: PersonRequest) -> None:
    """Mail the staff who act on requests; the mail says what is asked, not who asked or how to reach them."""
    app_label, codename = PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    holders = (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)
        )
        .filter(is_active=True)
        .exclude(email="")
        .distinct()
    )
    context = {
        "request": person_request,
        "site_name": settings.SITE_NAME,
        "queue_url": settings.SITE_URL + reverse("admin:galleries_personrequest_change", args=[person_request.pk]),
    }
    send_after_commit(
        subject=f"[{settings.SITE_NAME}] Standards queue: {person_request}",
        body=render_to_string("galleries/email/person_request_desk.txt", context),
        recipients=list(holders.values_list("email", flat=True)),
        about=person_request,
    )
