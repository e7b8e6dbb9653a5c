import pytest
from django.core import mail
from django.utils import timezone

from galleries import workflow
from galleries.models import Photo
from tests.factories import GalleryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(photographer_user):
    gallery = GalleryFactory(items=2, created_by=photographer_user, title="Night shift at the harbour")
    Photo.objects.filter(items__gallery=gallery).update(state=Photo.State.READY)
    return gallery


def test_submission_mails_every_editor(draft, photographer_user, editor, django_capture_on_commit_callbacks):
    second = UserFactory(username="desk", email="desk@example.org")
    second.groups.set(editor.groups.all())
    UserFactory(username="gone", email="gone@example.org", is_active=False).groups.set(editor.groups.all())

    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_gallery(gallery=draft, by=photographer_user)

    (message,) = mail.outbox
    assert sorted(message.to) == ["desk@example.org", "editor@example.org"]
    assert "Night shift at the harbour" in message.subject
    assert f"/admin/galleries/gallery/{draft.pk}/change/" in message.body


def test_request_for_changes_mails_the_submitter_with_the_notes(
    draft, photographer_user, editor, django_capture_on_commit_callbacks
):
    workflow.submit_gallery(gallery=draft, by=photographer_user)
    item = draft.items.order_by("position").last()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(
            gallery=draft, by=editor, note="Names need checking.", item_notes={item.pk: "Too dark."}
        )

    (message,) = mail.outbox
    assert message.to == ["photographer@example.org"]
    assert "Names need checking." in message.body
    assert f"Item {item.number}" in message.body and "Too dark." in message.body


def test_approval_mails_the_submitter(draft, photographer_user, editor, django_capture_on_commit_callbacks):
    workflow.submit_gallery(gallery=draft, by=photographer_user)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve_gallery(gallery=draft, by=editor, publish_at=timezone.now() + timezone.timedelta(days=1))

    (message,) = mail.outbox
    assert message.to == ["photographer@example.org"]
    assert "scheduled" in message.body


def test_no_mail_before_the_commit(draft, photographer_user, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.submit_gallery(gallery=draft, by=photographer_user)

    assert mail.outbox == []
    assert callbacks  # the mail waits for the commit
