"""Taking photos down everywhere (kill notices, ended licences, requests) and putting them back."""

from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.utils import timezone

from galleries.models import AuditEvent, Item, Photo, Rendition
from galleries.publication import settle_gallery_files
from galleries.takedowns import (
    TakedownRefused,
    renew_licence,
    restore_photo,
    take_down_ended_leases,
    take_down_photo,
)
from tests.factories import GalleryFactory, PhotoFactory

pytestmark = pytest.mark.django_db


def _live(items: int):
    """A published gallery whose photos' files are really in the public storage."""
    gallery = GalleryFactory(published=True, items=items)
    gallery.cover = gallery.items.first().photo
    gallery.save(update_fields=["cover"])
    settle_gallery_files(gallery_id=gallery.pk)
    return gallery


def _public_names(photo: Photo) -> list[str]:
    return list(Rendition.objects.filter(photo=photo).values_list("name", flat=True))


def test_an_editor_takes_a_photo_down_with_an_audited_reason(editor, django_capture_on_commit_callbacks):
    gallery = _live(2)
    photo = gallery.items.first().photo
    assert storages["default"].exists(_public_names(photo)[0])

    with django_capture_on_commit_callbacks(execute=True):
        take_down_photo(photo=photo, by=editor, reason="Kill notice: wrong caption from the agency.")

    photo.refresh_from_db()
    assert photo.is_taken_down and photo.takedown_cause == Photo.TakedownCause.EDITOR
    event = AuditEvent.objects.get(action="photo.taken_down")
    assert event.actor == editor and event.note == "Kill notice: wrong caption from the agency."
    assert event.data["galleries"] == [gallery.pk] and event.data["hide_items"] is False
    assert not any(storages["default"].exists(name) for name in _public_names(photo))
    assert not Photo.objects.in_published_galleries().filter(pk=photo.pk).exists()
    assert not Rendition.objects.public().filter(photo=photo).exists()
    # Its item stays, saying the photo is gone; hidden items leave.
    assert Item.objects.published().filter(photo=photo).count() == 1


def test_hiding_the_item_takes_it_out_of_its_gallery(editor, django_capture_on_commit_callbacks):
    gallery = _live(2)
    photo = gallery.items.first().photo
    with django_capture_on_commit_callbacks(execute=True):
        take_down_photo(photo=photo, by=editor, reason="Asked by the person pictured.", hide_item=True)
    assert not Item.objects.published().filter(photo=photo).exists()
    assert list(Item.objects.filter(gallery=gallery).for_page()) == [gallery.items.last()]


def test_a_photographer_may_not_take_a_photo_down(photographer_user):
    photo = _live(1).items.first().photo
    with pytest.raises(TakedownRefused, match="Only editors"):
        take_down_photo(photo=photo, by=photographer_user, reason="I changed my mind.")
    photo.refresh_from_db()
    assert not photo.is_taken_down and not AuditEvent.objects.filter(action="photo.taken_down").exists()


def test_a_takedown_without_a_reason_is_refused(editor):
    photo = PhotoFactory()
    with pytest.raises(TakedownRefused, match="reason"):
        take_down_photo(photo=photo, by=editor, reason="   ")
    photo.refresh_from_db()
    assert not photo.is_taken_down


def test_taking_down_twice_keeps_the_first_record_and_can_hide_the_item(editor):
    photo = PhotoFactory()
    take_down_photo(photo=photo, by=editor, reason="First.")
    first = Photo.objects.get(pk=photo.pk).taken_down_at
    take_down_photo(photo=photo, by=editor, reason="Second.", hide_item=True)
    photo.refresh_from_db()
    assert photo.taken_down_at == first and photo.takedown_reason == "First." and photo.takedown_hides_items
    assert AuditEvent.objects.filter(action="photo.takedown_repeated").count() == 1


def test_restoring_needs_a_licence_that_has_not_ended(editor, django_capture_on_commit_callbacks):
    gallery = _live(1)
    photo = gallery.items.first().photo
    Photo.objects.filter(pk=photo.pk).update(allowed_until=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        take_down_ended_leases()
    photo.refresh_from_db()
    with pytest.raises(TakedownRefused, match="licence has ended"):
        restore_photo(photo=photo, by=editor, reason="Back.")

    with django_capture_on_commit_callbacks(execute=True):
        renew_licence(photo=photo, by=editor, allowed_until=timezone.now() + timedelta(days=90))
    photo.refresh_from_db()
    assert not photo.is_taken_down
    assert all(storages["default"].exists(name) for name in _public_names(photo))
    assert AuditEvent.objects.filter(action="photo.restored", actor=editor).exists()


def test_a_photographer_may_not_renew_a_licence(photographer_user):
    photo = PhotoFactory(allowed_until=timezone.now() + timedelta(days=3))
    with pytest.raises(TakedownRefused):
        renew_licence(photo=photo, by=photographer_user, allowed_until=timezone.now() + timedelta(days=30))


def test_the_periodic_run_takes_down_photos_whose_licence_ended(django_capture_on_commit_callbacks):
    gallery = _live(3)
    ended, running, _ = (item.photo for item in gallery.items.all())
    Photo.objects.filter(pk=ended.pk).update(allowed_until=timezone.now() - timedelta(seconds=5))
    Photo.objects.filter(pk=running.pk).update(allowed_until=timezone.now() + timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("periodic", stdout=(out := __import__("io").StringIO()))

    assert f"Took down photo {ended.pk}" in out.getvalue()
    ended.refresh_from_db()
    running.refresh_from_db()
    assert ended.is_taken_down and ended.takedown_cause == Photo.TakedownCause.LEASE_ENDED
    assert not running.is_taken_down
    event = AuditEvent.objects.get(action="photo.taken_down")
    assert event.actor is None and event.note.startswith("Licence ended")
    assert not any(storages["default"].exists(name) for name in _public_names(ended))
    # A second run finds nothing left to do.
    assert take_down_ended_leases() == []


def test_licences_ending_lists_the_next_thirty_days_soonest_first():
    now = timezone.now()
    soon = PhotoFactory(allowed_until=now + timedelta(days=2))
    later = PhotoFactory(allowed_until=now + timedelta(days=20))
    PhotoFactory(allowed_until=now + timedelta(days=45))
    PhotoFactory(allowed_until=now - timedelta(days=1))
    assert list(Photo.objects.licences_ending(days=30)) == [soon, later]


def test_syndicatable_photos_are_free_unrestricted_and_within_their_licence():
    now = timezone.now()
    staff = PhotoFactory(rights_category=Photo.RightsCategory.STAFF)
    cc_by = PhotoFactory(rights_category=Photo.RightsCategory.CREATIVE_COMMONS, cc_licence="by", cc_version="4.0")
    agreed = PhotoFactory(rights_category=Photo.RightsCategory.AGENCY, syndication_allowed=True)
    PhotoFactory(rights_category=Photo.RightsCategory.CREATIVE_COMMONS, cc_licence="by-nc", cc_version="4.0")
    PhotoFactory(rights_category=Photo.RightsCategory.AGENCY)
    PhotoFactory(rights_category=Photo.RightsCategory.STAFF, rights_cost=Photo.Cost.PAY)
    PhotoFactory(rights_category=Photo.RightsCategory.STAFF, rights_restrictions="No use in advertising.")
    PhotoFactory(rights_category=Photo.RightsCategory.STAFF, allowed_until=now - timedelta(hours=1))
    PhotoFactory(rights_category=Photo.RightsCategory.STAFF, embargoed_until=now + timedelta(hours=1))
    PhotoFactory(rights_category=Photo.RightsCategory.STAFF, taken_down_at=now)
    assert set(Photo.objects.syndicatable()) == {staff, cc_by, agreed}


def test_no_publication_or_repair_puts_a_photo_taken_down_back_up(editor, django_capture_on_commit_callbacks):
    from galleries.publication import repair_public_files

    gallery = _live(2)
    photo = gallery.items.first().photo
    with django_capture_on_commit_callbacks(execute=True):
        take_down_photo(photo=photo, by=editor, reason="Kill notice.")
    settle_gallery_files(gallery_id=gallery.pk)
    repair_public_files()
    assert not any(storages["default"].exists(name) for name in _public_names(photo))
    assert not Rendition.objects.filter(photo=photo, is_public=True).exists()
    assert not Photo.objects.owed_public_files().filter(pk=photo.pk).exists()
    # The gallery's other photo is untouched.
    other = gallery.items.last().photo
    assert all(storages["default"].exists(name) for name in _public_names(other))


def test_rights_that_contradict_themselves_are_refused_on_the_form():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Creative Commons licence"):
        Photo(rights_category=Photo.RightsCategory.CREATIVE_COMMONS).clean()
    with pytest.raises(ValidationError, match="goes with the Creative Commons category"):
        Photo(rights_category=Photo.RightsCategory.STAFF, cc_licence="by").clean()
    now = timezone.now()
    with pytest.raises(ValidationError, match="embargo ends after the licence"):
        Photo(allowed_until=now + timedelta(days=1), embargoed_until=now + timedelta(days=2)).clean()
