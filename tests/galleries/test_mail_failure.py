"""A mail server that is down never turns a step that is done into an error; staff see the failed mail."""

import socket

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from galleries.models import AuditEvent, Gallery, Photo
from newsroom.models import Comment
from tests.factories import CommentFactory, GalleryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_down(settings):
    """The real SMTP backend, pointed at a loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2, "use_tls": False},
        }
    }
    return port


def failed_mail(obj):
    return AuditEvent.objects.filter(
        action="mail.failed", target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
    )


@pytest.fixture
def draft(photographer_user):
    gallery = GalleryFactory(items=1, created_by=photographer_user, title="Night shift")
    Photo.objects.filter(items__gallery=gallery).update(state=Photo.State.READY)
    return gallery


def step(client, gallery, name, **data):
    url = reverse("admin:galleries_gallery_transition", args=[gallery.pk, name])
    return client.post(url, data)


def test_submit_and_approve_succeed_with_the_mail_server_down(
    client, smtp_down, draft, photographer_user, editor, django_capture_on_commit_callbacks
):
    client.force_login(photographer_user)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = step(client, draft, "submit")
    client.force_login(editor)
    later = (timezone.localtime() + timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        approved = step(client, draft, "approve", publish_at=later)

    assert submitted.status_code == approved.status_code == 302
    assert Gallery.objects.get(pk=draft.pk).status == Gallery.Status.APPROVED
    failures = failed_mail(draft)
    assert failures.count() == 2
    assert all(event.data["attempts"] == 4 for event in failures)
    # Staff see it: in the audit log, and in the gallery's history on its page.
    assert "Mail failed" in client.get(reverse("admin:galleries_gallery_change", args=[draft.pk])).text
    assert client.get(reverse("admin:galleries_auditevent_changelist"), {"action": "mail.failed"}).status_code == 200


def test_approving_a_comment_succeeds_with_the_mail_server_down(
    client, smtp_down, moderator, django_capture_on_commit_callbacks
):
    comment = CommentFactory(status=Comment.Status.PENDING, notify_on_reply=True)
    client.force_login(moderator)

    data = {"action": "approve_selected", "_selected_action": [comment.pk], "index": 0}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:newsroom_comment_changelist") + "?queue=pending", data)

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    assert failed_mail(comment).get().data == {
        "subject": f"Your comment on “{comment.gallery.title}” is published",
        "recipients": 1,
        "attempts": 4,
    }
