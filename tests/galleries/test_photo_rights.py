"""Re-rendering and attribution are the desk's: limited to who may, recorded, and re-rendering runs in a worker."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from galleries.models import AuditEvent, Photo, Photographer
from tests.factories import GalleryFactory, ItemFactory, PhotoFactory, PhotographerFactory, UserFactory
from tests.galleries import imagefiles as files
from tests.galleries.test_stale_saves import form_data

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:galleries_photo_changelist"


def events(photo: Photo, action: str):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Photo), target_id=str(photo.pk), action=action
    )


def rerender(client, *photos):
    data = {"action": "rerender", "_selected_action": [photo.pk for photo in photos]}
    return client.post(reverse(CHANGELIST), data, follow=True)


@pytest.fixture
def own_draft_photo(photographer_user):
    photographer = PhotographerFactory(user=photographer_user)
    return ItemFactory(gallery=GalleryFactory(created_by=photographer_user), photo__photographer=photographer).photo


def test_a_photographer_cannot_rerender_published_or_other_peoples_photos(client, photographer_user, own_draft_photo):
    published = ItemFactory(gallery=GalleryFactory(published=True)).photo
    client.force_login(photographer_user)

    response = rerender(client, published)

    assert "Only editors re-render" in response.text
    published.refresh_from_db()
    assert published.state == Photo.State.READY
    assert not events(published, "photo.rerender_requested").exists()


def test_the_owner_rerenders_their_own_unpublished_photo_audited_and_queued(client, photographer_user, own_draft_photo):
    client.force_login(photographer_user)

    response = rerender(client, own_draft_photo)

    assert "1 photo queued for re-rendering" in response.text
    own_draft_photo.refresh_from_db()
    # Queued for a worker, not rendered while the request waits.
    assert own_draft_photo.state == Photo.State.QUEUED
    assert events(own_draft_photo, "photo.rerender_requested").get().actor == photographer_user


def test_an_editor_rerenders_any_photo_audited(client, editor):
    published = ItemFactory(gallery=GalleryFactory(published=True)).photo
    client.force_login(editor)

    rerender(client, published)

    assert events(published, "photo.rerender_requested").get().actor == editor


def test_a_photographer_cannot_change_who_uploaded_or_is_credited(client, photographer_user, own_draft_photo):
    someone = UserFactory(username="someone-else")
    famous = PhotographerFactory(name="A Famous Name")
    url = reverse("admin:galleries_photo_change", args=[own_draft_photo.pk])
    client.force_login(photographer_user)

    data = form_data(client, url, photographer=famous.pk, uploaded_by=someone.pk, alt_text="Ferries.")
    response = client.post(url, data)

    assert response.status_code == 302
    own_draft_photo.refresh_from_db()
    assert own_draft_photo.alt_text == "Ferries."
    assert own_draft_photo.photographer != famous
    assert own_draft_photo.uploaded_by != someone
    assert not events(own_draft_photo, "photo.attribution_changed").exists()


def test_an_editor_changes_attribution_audited(client, editor):
    photo = PhotoFactory()
    before = photo.photographer_id
    famous = PhotographerFactory(name="A Famous Name")
    url = reverse("admin:galleries_photo_change", args=[photo.pk])
    client.force_login(editor)

    assert client.post(url, form_data(client, url, photographer=famous.pk)).status_code == 302

    photo.refresh_from_db()
    assert photo.photographer == famous
    event = events(photo, "photo.attribution_changed").get()
    assert event.actor == editor
    assert event.data == {"photographer": {"before": before, "after": famous.pk}}
    assert Photographer.objects.filter(pk=before).exists()


def artist_jpeg(name: str) -> bytes:
    exif = files.tagged_exif(gps=False)
    exif[0x013B] = name
    return files.encode(files.photograph((600, 400)), quality=90, exif=exif)


def test_an_upload_by_a_photographer_cannot_credit_someone_else_through_its_artist_tag(client, photographer_user):
    PhotographerFactory(name="A Famous Name")
    gallery = GalleryFactory(created_by=photographer_user)
    client.force_login(photographer_user)

    response = client.post(
        reverse("admin:galleries_gallery_upload", args=[gallery.pk]),
        {"file": SimpleUploadedFile("a.jpg", artist_jpeg("A Famous Name"), "image/jpeg")},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 201
    assert Photo.objects.get(pk=response.json()["photo"]).photographer is None


def test_an_editors_upload_is_credited_from_its_artist_tag(client, editor):
    famous = PhotographerFactory(name="A Famous Name")
    client.force_login(editor)

    response = client.post(
        reverse("admin:galleries_gallery_upload", args=[GalleryFactory().pk]),
        {"file": SimpleUploadedFile("a.jpg", artist_jpeg("A Famous Name"), "image/jpeg")},
        headers={"accept": "application/json"},
    )

    assert Photo.objects.get(pk=response.json()["photo"]).photographer == famous
