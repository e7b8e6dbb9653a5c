import pytest
from django.core.files.storage import storages
from django.urls import reverse

from galleries.models import Gallery
from galleries.publication import conceal_photos, expose_photos
from tests.factories import GalleryFactory, ItemFactory, PhotoFactory

pytestmark = pytest.mark.django_db


def public_names(photo) -> list[str]:
    return [r.name for r in photo.renditions.all() if storages["default"].exists(r.name)]


def test_expose_copies_renditions_to_the_public_storage():
    photo = PhotoFactory(rendered=True)
    assert public_names(photo) == []

    expose_photos(photos=[photo])

    renditions = list(photo.renditions.all())
    assert renditions and all(r.is_public for r in renditions)
    assert len(public_names(photo)) == len(renditions)
    assert renditions[0].url.startswith("/media/")


def test_conceal_removes_public_copies_unless_another_published_gallery_shows_the_photo():
    shared, alone = PhotoFactory(rendered=True), PhotoFactory(rendered=True)
    withdrawn = GalleryFactory(withdrawn=True)
    ItemFactory(gallery=withdrawn, photo=shared)
    ItemFactory(gallery=withdrawn, photo=alone)
    ItemFactory(gallery=GalleryFactory(published=True), photo=shared)
    expose_photos(photos=[shared, alone])

    conceal_photos(photos=[shared, alone])

    assert public_names(alone) == [] and not alone.renditions.filter(is_public=True).exists()
    assert len(public_names(shared)) == shared.renditions.count()
    assert Gallery.objects.count() == 2


def test_staff_see_a_private_rendition_with_safe_headers(client, editor):
    rendition = PhotoFactory(rendered=True).renditions.get(format="webp", width=320)
    client.force_login(editor)

    response = client.get(rendition.preview_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"].startswith("private")
    assert b"".join(response.streaming_content)[:4] == b"RIFF"


@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_readers_cannot_fetch_private_renditions(client, reader, who):
    rendition = PhotoFactory(rendered=True).renditions.get(format="jpeg", width=320)
    if who == "reader":
        client.force_login(reader)

    response = client.get(rendition.preview_url)

    assert response.status_code == 403
    assert rendition.preview_url == reverse("galleries:rendition-preview", kwargs={"name": rendition.name})


def test_a_new_blur_saved_while_files_go_up_leaves_none_of_them_public(monkeypatch):
    from galleries.models import Photo

    photo = PhotoFactory(rendered=True)
    public = storages["default"]
    save = public.save

    def save_then_blur(name, content, *args, **kwargs):
        saved = save(name, content, *args, **kwargs)
        # Meanwhile an editor saves a blur area: the photo is queued to render again.
        Photo.objects.filter(pk=photo.pk).update(state=Photo.State.QUEUED)
        return saved

    monkeypatch.setattr(public, "save", save_then_blur)
    expose_photos(photos=[photo])

    assert public_names(photo) == []
    assert not photo.renditions.filter(is_public=True).exists()
