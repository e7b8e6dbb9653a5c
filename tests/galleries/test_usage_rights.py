"""Usage rights on the desk: paid and conditional photos are confirmed before publication, embargoes hold."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from galleries import workflow
from galleries.models import AuditEvent, Gallery, Photo
from galleries.workflow import ConfirmationNeeded, TransitionError
from tests.factories import GalleryFactory

pytestmark = pytest.mark.django_db
Status = Gallery.Status


@pytest.fixture
def in_review(photographer_user):
    gallery = GalleryFactory(items=3, created_by=photographer_user, in_review=True)
    Photo.objects.filter(items__gallery=gallery).update(state=Photo.State.READY)
    return gallery


def _photo(gallery: Gallery, number: int) -> Photo:
    return gallery.items.get(position=number - 1).photo


def _set(photo: Photo, **fields) -> None:
    Photo.objects.filter(pk=photo.pk).update(**fields)


def test_approving_a_gallery_with_a_paid_photo_asks_the_editor_to_confirm(editor, in_review):
    _set(_photo(in_review, 2), rights_category="agency", rights_cost="pay", rights_restrictions="One use, web only.")
    with pytest.raises(ConfirmationNeeded) as needed:
        workflow.approve_gallery(gallery=in_review, by=editor)
    assert needed.value.problems == ["Item 2: Agency / wire · Pay · restricted (One use, web only.)"]
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW and in_review.rights_confirmed_by is None

    workflow.approve_gallery(gallery=in_review, by=editor, confirm_rights=True)
    in_review.refresh_from_db()
    assert in_review.status == Status.PUBLISHED
    assert in_review.rights_confirmed_by == editor and in_review.rights_confirmed_photos == [_photo(in_review, 2).pk]
    event = AuditEvent.objects.get(action="gallery.rights_confirmed")
    assert event.actor == editor and event.data["photos"][0]["cost"] == "pay"


def test_a_photo_whose_rights_changed_to_conditional_is_asked_about_again(editor, in_review):
    _set(_photo(in_review, 1), rights_cost="pay")
    workflow.approve_gallery(
        gallery=in_review, by=editor, publish_at=timezone.now() + timedelta(days=1), confirm_rights=True
    )
    _set(_photo(in_review, 3), rights_cost="conditional", rights_restrictions="Credit the family.")
    in_review.refresh_from_db()
    with pytest.raises(ConfirmationNeeded, match="Confirm the usage rights"):
        workflow.publish_gallery(gallery=in_review, by=editor)
    workflow.publish_gallery(gallery=in_review, by=editor, confirm_rights=True)
    in_review.refresh_from_db()
    assert in_review.status == Status.PUBLISHED


def test_a_photographer_cannot_confirm_rights_for_the_desk(photographer_user, in_review):
    _set(_photo(in_review, 1), rights_cost="pay")
    with pytest.raises(TransitionError, match="You may not approve"):
        workflow.approve_gallery(gallery=in_review, by=photographer_user, confirm_rights=True)
    in_review.refresh_from_db()
    assert in_review.rights_confirmed_photos == [] and not AuditEvent.objects.filter(action="gallery.rights_confirmed")


def test_the_admin_asks_for_the_confirmation_and_records_it(client, editor, in_review):
    _set(
        _photo(in_review, 1),
        rights_category="pool",
        rights_cost="conditional",
        rights_restrictions="Pool members only.",
    )
    client.force_login(editor)
    url = reverse("admin:galleries_gallery_transition", args=[in_review.pk, "approve"])

    page = client.get(reverse("admin:galleries_gallery_change", args=[in_review.pk])).text
    assert "You will be asked to confirm the usage rights of:" in page and "Pool members only." in page

    asked = client.post(url, {"version": in_review.version, "publish_at": ""})
    assert asked.status_code == 200
    assert "Item 1: Pool · Conditional · restricted (Pool members only.)" in asked.text
    assert 'name="confirm_rights" value="yes" required' in asked.text
    assert f'<input type="hidden" name="version" value="{in_review.version}">' in asked.text
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW

    done = client.post(url, {"version": in_review.version, "publish_at": "", "confirm_rights": "yes"}, follow=True)
    assert "Approved and published" in done.text
    in_review.refresh_from_db()
    assert in_review.status == Status.PUBLISHED and in_review.rights_confirmed_by == editor


def test_an_embargoed_photo_cannot_be_published_before_the_embargo_ends(editor, in_review):
    until = timezone.now() + timedelta(days=2)
    _set(_photo(in_review, 3), embargoed_until=until)
    with pytest.raises(TransitionError, match="Item 3's photo is embargoed until"):
        workflow.approve_gallery(gallery=in_review, by=editor)
    with pytest.raises(TransitionError, match="embargoed"):
        workflow.approve_gallery(gallery=in_review, by=editor, publish_at=until - timedelta(hours=1))
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW


def test_a_gallery_may_be_scheduled_for_after_the_embargo(editor, in_review):
    until = timezone.now() + timedelta(days=2)
    _set(_photo(in_review, 3), embargoed_until=until)
    workflow.approve_gallery(gallery=in_review, by=editor, publish_at=until + timedelta(hours=1))
    in_review.refresh_from_db()
    assert in_review.status == Status.APPROVED
    # The scheduler does not publish it early, even when asked before its time.
    assert workflow.publish_due(now=until - timedelta(minutes=5)) == []


def test_a_photo_taken_down_keeps_its_gallery_from_approval(editor, in_review):
    from galleries.takedowns import take_down_photo

    take_down_photo(photo=_photo(in_review, 2), by=editor, reason="Kill notice.")
    with pytest.raises(TransitionError, match="Item 2's photo was taken down"):
        workflow.approve_gallery(gallery=in_review, by=editor)
