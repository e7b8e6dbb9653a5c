"""Mail about a gallery's progress through review; every function here runs after the change commits."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse

from galleries.mail import send_after_commit
from galleries.models import Gallery
from galleries.roles import EDITORS


def _send(*, gallery: Gallery, template: str, subject: str, recipients: list[str], **extra) -> None:
    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return
    context = {
        "gallery": gallery,
        "admin_url": settings.SITE_URL + reverse("admin:galleries_gallery_change", args=[gallery.pk]),
        "public_url": settings.SITE_URL + gallery.get_absolute_url(),
        "site_name": settings.SITE_NAME,
        **extra,
    }
    body = render_to_string(f"galleries/email/{template}.txt", context)
    # Sent by a task: a mail server that is down must not turn a step that is done into an error.
    send_after_commit(subject=f"[{settings.SITE_NAME}] {subject}", body=body, recipients=recipients, about=gallery)


def _submitter_address(gallery: Gallery) -> list[str]:
    user = gallery.submitted_by or gallery.created_by
    return [user.email] if user is not None and user.is_active else []


def notify_submitted(*, gallery_id: int) -> None:
    gallery = Gallery.objects.select_related("submitted_by").get(pk=gallery_id)
    editors = get_user_model().objects.filter(groups__name=EDITORS, is_active=True).exclude(email="")
    _send(
        gallery=gallery,
        template="submitted",
        subject=f"For review: {gallery.title}",
        recipients=list(editors.values_list("email", flat=True)),
    )


def notify_changes_requested(*, gallery_id: int) -> None:
    gallery = Gallery.objects.select_related("submitted_by", "created_by").get(pk=gallery_id)
    _send(
        gallery=gallery,
        template="changes_requested",
        subject=f"Changes requested: {gallery.title}",
        recipients=_submitter_address(gallery),
        noted_items=[item for item in gallery.items.all() if item.editor_note],
    )


def notify_approved(*, gallery_id: int) -> None:
    gallery = Gallery.objects.select_related("submitted_by", "created_by").get(pk=gallery_id)
    _send(
        gallery=gallery,
        template="approved",
        subject=f"Approved: {gallery.title}",
        recipients=_submitter_address(gallery),
    )


def notify_withdrawn(*, gallery_id: int) -> None:
    gallery = Gallery.objects.select_related("submitted_by", "created_by").get(pk=gallery_id)
    _send(
        gallery=gallery,
        template="withdrawn",
        subject=f"Withdrawn: {gallery.title}",
        recipients=_submitter_address(gallery),
    )
