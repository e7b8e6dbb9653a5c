"""A photographer's view of another's drafts: nothing of other people's unpublished work, by any admin road.

The whole library is the `galleries.browse_library` permission (editors, staff photographers); contributors see
their own photos and galleries, and what readers can see anyway.
"""

import json

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from galleries.access import photos_visible_to
from galleries.models import Photo, Rendition
from galleries.roles import STAFF_PHOTOGRAPHERS
from tests.factories import GalleryFactory, ItemFactory, PhotographerFactory, UserFactory, jpeg_bytes

pytestmark = pytest.mark.django_db

SECRET = "Secret draft zqv"


@pytest.fixture
def other():
    user = UserFactory(username="other-photographer", is_staff=True)
    user.groups.add(Group.objects.get(name="Photographers"))
    return user


@pytest.fixture
def their_draft(other):
    """Another photographer's draft gallery, with their unpublished photo in it."""
    photographer = PhotographerFactory(name="Other Photographer", user=other)
    gallery = GalleryFactory(title=f"{SECRET} title", created_by=other)
    gallery.photographers.add(photographer)
    ItemFactory(gallery=gallery, photo__photographer=photographer, photo__headline=f"{SECRET} headline")
    Photo.objects.filter(items__gallery=gallery).update(uploaded_by=other, caption=f"{SECRET} caption")
    return gallery


@pytest.fixture
def mine(photographer_user):
    photographer = PhotographerFactory(name="Me", user=photographer_user)
    gallery = GalleryFactory(title="My own draft", created_by=photographer_user)
    gallery.photographers.add(photographer)
    ItemFactory(gallery=gallery, photo__photographer=photographer, photo__headline="My own photo")
    return gallery


def their_photo(gallery) -> Photo:
    return gallery.items.get().photo


def test_the_photo_library_lists_only_my_own_and_published_photos(client, photographer_user, their_draft, mine):
    published = ItemFactory(gallery=GalleryFactory(published=True)).photo
    client.force_login(photographer_user)

    response = client.get(reverse("admin:galleries_photo_changelist"))

    assert set(response.context["cl"].result_list) == {their_photo(mine), published}
    assert SECRET not in response.text
    assert SECRET not in client.get(reverse("admin:galleries_photo_changelist"), {"q": "zqv"}).text


def test_another_photographers_draft_photo_cannot_be_opened(client, photographer_user, their_draft):
    photo = their_photo(their_draft)
    client.force_login(photographer_user)

    for url in (
        reverse("admin:galleries_photo_change", args=[photo.pk]),
        reverse("admin:galleries_photo_upright", args=[photo.pk]),
    ):
        response = client.get(url, follow=True)
        assert SECRET not in response.text
        assert response.status_code in (403, 404) or response.redirect_chain


def test_their_full_size_files_are_refused_under_staff_media(client, photographer_user, their_draft, mine):
    client.force_login(photographer_user)
    theirs = Rendition.objects.filter(photo=their_photo(their_draft)).first()
    own = Rendition.objects.filter(photo=their_photo(mine)).first()

    assert client.get(reverse("galleries:rendition-preview", args=[theirs.name])).status_code == 403
    assert client.get(reverse("galleries:rendition-preview", args=[own.name])).status_code == 200


def test_their_draft_titles_stay_out_of_my_gallery_list_and_photographer_pages(
    client, photographer_user, their_draft, mine
):
    client.force_login(photographer_user)
    photographer = their_draft.photographers.get()

    assert SECRET not in client.get(reverse("admin:galleries_gallery_changelist")).text
    page = client.get(reverse("admin:galleries_photographer_change", args=[photographer.pk]))
    assert page.status_code == 200
    assert SECRET not in page.text


def test_a_published_photo_does_not_name_the_drafts_that_use_it(client, photographer_user, their_draft):
    photo = ItemFactory(gallery=GalleryFactory(published=True, title="Out in the world")).photo
    their_draft.items.create(photo=photo, position=1)
    client.force_login(photographer_user)

    page = client.get(reverse("admin:galleries_photo_change", args=[photo.pk]))

    assert page.status_code == 200
    assert "Out in the world" in page.text
    assert SECRET not in page.text


def test_their_photos_cannot_be_pulled_into_my_gallery(client, photographer_user, their_draft, mine):
    photo = their_photo(their_draft)
    client.force_login(photographer_user)

    append = client.post(
        reverse("admin:galleries_gallery_upload_append", args=[mine.pk]),
        json.dumps({"order": "name", "photos": [{"photo": photo.pk, "name": "x.jpg"}]}),
        content_type="application/json",
    )
    known = client.post(
        reverse("admin:galleries_gallery_upload_known", args=[mine.pk]),
        json.dumps({"hashes": [photo.sha256]}),
        content_type="application/json",
    )
    change = client.get(reverse("admin:galleries_gallery_change", args=[mine.pk]))

    assert append.json() == {"added": 0, "skipped": 1}
    assert known.json() == {"known": {}}
    assert SECRET not in change.text  # the item rows' photo choices
    assert not mine.items.filter(photo=photo).exists()


def test_their_photo_ids_are_refused_by_the_library_picker(client, photographer_user, their_draft, mine):
    photo = their_photo(their_draft)
    client.force_login(photographer_user)

    listed = client.get(reverse("admin:galleries_gallery_library", args=[mine.pk]))
    response = client.post(reverse("admin:galleries_gallery_library", args=[mine.pk]), {"photos": [str(photo.pk)]})

    assert listed.status_code == 200 and SECRET not in listed.text
    assert response.status_code == 302
    assert not mine.items.filter(photo=photo).exists()


def test_uploading_the_same_file_as_their_draft_photo_does_not_hand_it_over(client, photographer_user, mine, other):
    data = jpeg_bytes(size=(420, 300), color=(1, 2, 3))
    from galleries.ingest import ingest_photo

    theirs = ingest_photo(data=data, filename="theirs.jpg", uploaded_by=other).photo
    Photo.objects.filter(pk=theirs.pk).update(caption=f"{SECRET} caption")
    client.force_login(photographer_user)

    response = client.post(
        reverse("admin:galleries_gallery_upload", args=[mine.pk]),
        {"file": SimpleUploadedFile("mine.jpg", data, "image/jpeg")},
        headers={"accept": "application/json"},
    )

    assert response.status_code == 400
    assert "already in the library" in response.json()["error"]
    assert not mine.items.filter(photo=theirs).exists()


def test_editors_and_staff_photographers_browse_the_whole_library(client, editor, photographer_user, their_draft):
    photo = their_photo(their_draft)
    assert photo in photos_visible_to(editor)
    assert photo not in photos_visible_to(photographer_user)

    photographer_user.groups.add(Group.objects.get(name=STAFF_PHOTOGRAPHERS))
    staff = type(photographer_user).objects.get(pk=photographer_user.pk)
    client.force_login(staff)

    assert photo in photos_visible_to(staff)
    assert client.get(reverse("admin:galleries_photo_change", args=[photo.pk])).status_code == 200


def test_autocomplete_lookups_do_not_name_their_drafts(client, photographer_user, their_draft, mine):
    client.force_login(photographer_user)

    photos = client.get(
        reverse("admin:autocomplete"), {"app_label": "galleries", "model_name": "item", "field_name": "photo"}
    )
    galleries = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "galleries", "model_name": "item", "field_name": "gallery", "term": "zqv"},
    )

    assert photos.status_code == 200
    assert SECRET not in photos.text
    assert str(their_photo(their_draft).pk) not in [result["id"] for result in photos.json()["results"]]
    assert SECRET not in galleries.text
