"""Blurring faces and setting the focal point: the editor's preview, the form, and what readers get afterwards."""

import io
import json

import pytest
from django.core.files.storage import storages
from django.test import Client
from PIL import Image, ImageChops, ImageStat

from galleries.admin.photos import PhotoAdminForm
from galleries.history import edit_token
from galleries.imaging import SOCIAL_SIZE, render_image
from galleries.models import AuditEvent, Photo, Rendition
from galleries.publication import expose_photos
from tests.factories import GalleryFactory, ItemFactory, PhotoFactory
from tests.galleries import imagefiles as files
from tests.galleries.test_ingest import stored_files

pytestmark = pytest.mark.django_db

FACE = {"x": 0.4, "y": 0.3, "w": 0.2, "h": 0.3}


def noisy_photo(size=(1400, 1000)) -> bytes:
    """A photo whose every region is full of detail, so a blur shows in any crop of it."""
    noise = Image.effect_noise(size, 90)
    return files.encode(Image.merge("RGB", (noise, noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT), noise)))


@pytest.fixture
def published_photo(django_capture_on_commit_callbacks):
    from galleries.ingest import ingest_photo

    with django_capture_on_commit_callbacks(execute=True):
        photo = ingest_photo(data=noisy_photo(), filename="face.jpg").photo
    item = ItemFactory(photo=photo, gallery=GalleryFactory(published=True, comment_mode="closed", cover=photo))
    expose_photos(photos=[photo])
    photo.refresh_from_db()
    assert photo.state == Photo.State.READY
    return item


def change_form_data(photo: Photo, **changes) -> dict:
    """What the change form posts, hidden initial values included (fields with a callable default have them)."""
    data = {
        "initial-redactions": json.dumps(photo.redactions),
        "initial-keywords": json.dumps(photo.keywords),
        "headline": photo.headline,
        "caption": photo.caption,
        "alt_text": photo.alt_text,
        "keywords": json.dumps(photo.keywords),
        "credit_line": photo.credit_line,
        "copyright": photo.copyright,
        "photographer": photo.photographer_id or "",
        "taken_at_0": "",
        "taken_at_1": "",
        "place_name": photo.place_name,
        "focal_x": photo.focal_x,
        "focal_y": photo.focal_y,
        "redactions": json.dumps(photo.redactions),
        "uploaded_by": "",
        "rights_category": photo.rights_category,
        "cc_licence": photo.cc_licence,
        "cc_version": photo.cc_version,
        "rights_cost": photo.rights_cost,
        "rights_restrictions": photo.rights_restrictions,
        "rights_statement_url": photo.rights_statement_url,
        "allowed_until_0": "",
        "allowed_until_1": "",
        "embargoed_until_0": "",
        "embargoed_until_1": "",
        # The form was loaded from the photo as it is now: not a stale save.
        "edit_token": edit_token(Photo, photo.pk, PhotoAdminForm.conflict_fields),
    }
    return data | changes


def public_files(photo: Photo) -> dict[tuple, tuple[str, Image.Image]]:
    found = {}
    for rendition in Rendition.objects.filter(photo=photo, is_public=True):
        with storages["default"].open(rendition.name) as file:
            image = Image.open(io.BytesIO(file.read()))
            image.load()
        found[(rendition.purpose, rendition.format, rendition.width)] = (rendition.name, image.convert("RGB"))
    return found


def face_box(key: tuple, image: Image.Image, photo: Photo) -> tuple[int, int, int, int]:
    """Where FACE lies in a rendition; the social card is a crop around the focal point (the centre here)."""
    width, height = image.size
    if key[0] == Rendition.Purpose.RESPONSIVE:
        left, top, scale_x, scale_y = 0.0, 0.0, width, height
    else:
        crop_h = photo.width * SOCIAL_SIZE[1] / SOCIAL_SIZE[0] / photo.height
        left, top, scale_x, scale_y = 0.0, (1 - crop_h) / 2, width, height / crop_h
    # A margin inside the area: resampling blends its edge with the sharp pixels around it.
    x0, y0 = (FACE["x"] - left) * scale_x, (FACE["y"] - top) * scale_y
    x1, y1 = x0 + FACE["w"] * scale_x, y0 + FACE["h"] * scale_y
    margin = 0.15
    return (
        round(x0 + (x1 - x0) * margin),
        round(y0 + (y1 - y0) * margin),
        round(x1 - (x1 - x0) * margin),
        round(y1 - (y1 - y0) * margin),
    )


def detail(image: Image.Image) -> float:
    """How much fine detail is left: the spread of the difference between neighbouring pixels."""
    grey = image.convert("L")
    shifted = ImageChops.offset(grey, 1, 0)
    return ImageStat.Stat(ImageChops.difference(grey, shifted).crop((1, 0, grey.width, grey.height))).mean[0]


# The upright preview the editor draws on --------------------------------------------------------------------


def upright_url(photo: Photo) -> str:
    return f"/admin/galleries/photo/{photo.pk}/upright/"


def test_anonymous_visitors_are_sent_to_log_in():
    photo = PhotoFactory(rendered=True)

    response = Client().get(upright_url(photo))

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_readers_without_staff_access_are_sent_to_log_in(client, reader):
    client.force_login(reader)
    assert client.get(upright_url(PhotoFactory(rendered=True))).status_code == 302


def test_photographer_cannot_see_someone_elses_original(client, photographer_user):
    client.force_login(photographer_user)

    unpublished = client.get(upright_url(PhotoFactory(rendered=True)))
    response = client.get(upright_url(ItemFactory(gallery=GalleryFactory(published=True)).photo))

    # Someone else's unpublished photo is not in their library at all; a published one is, but not its original.
    assert unpublished.status_code == 404
    assert response.status_code == 403
    assert response["Content-Type"] != "image/jpeg"


def test_photographer_frames_their_own_photo_until_a_gallery_is_submitted(client, photographer_user):
    photo = PhotoFactory(rendered=True, uploaded_by=photographer_user)
    client.force_login(photographer_user)
    assert client.get(upright_url(photo)).status_code == 200

    ItemFactory(photo=photo, gallery=GalleryFactory(in_review=True))

    assert client.get(upright_url(photo)).status_code == 403


def test_editor_gets_the_photo_upright_unblurred_and_without_metadata(client, editor):
    sideways = files.photograph((600, 400)).transpose(Image.Transpose.ROTATE_90)
    data = files.encode(sideways, exif=files.tagged_exif(orientation=6))
    from galleries.ingest import ingest_photo

    photo = ingest_photo(data=data, filename="rotated.jpg").photo
    Photo.objects.filter(pk=photo.pk).update(redactions=[FACE])
    client.force_login(editor)

    response = client.get(upright_url(photo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (600, 400)  # upright: the file holds it 400x600 with an orientation tag
    assert not image.getexif() and files.SERIAL.encode() not in response.content
    # The blur areas are drawn over it by the editor, not burnt into it.
    upright = files.photograph((600, 400)).convert("L")
    assert abs(detail(image.crop((240, 120, 360, 240))) - detail(upright.crop((240, 120, 360, 240)))) < 4


def test_unknown_photo_is_404_for_editors(client, editor):
    client.force_login(editor)
    assert client.get("/admin/galleries/photo/999999/upright/").status_code == 404


# The change page ------------------------------------------------------------------------------------------


def test_change_page_offers_the_framing_editor_with_its_fields_as_fallback(client, editor):
    photo = PhotoFactory(rendered=True)
    client.force_login(editor)

    page = client.get(f"/admin/galleries/photo/{photo.pk}/change/").text

    assert f'class="loupe-framer" data-src="{upright_url(photo)}"' in page
    assert "/static/loupe/admin/framing.js" in page and "/static/loupe/admin/admin.css" in page
    assert 'name="redactions"' in page and 'name="focal_x"' in page and 'name="focal_y"' in page
    assert "<script>" not in page and " style=" not in page  # the CSP allows neither


def test_photographer_sees_someone_elses_photo_read_only_without_the_editor(client, photographer_user):
    photo = ItemFactory(gallery=GalleryFactory(published=True)).photo
    client.force_login(photographer_user)

    page = client.get(f"/admin/galleries/photo/{photo.pk}/change/")
    refused = client.post(
        f"/admin/galleries/photo/{photo.pk}/change/", change_form_data(photo, redactions='[{"x":0,"y":0,"w":1,"h":1}]')
    )

    assert page.status_code == 200 and "loupe-framer" not in page.text and 'name="redactions"' not in page.text
    assert refused.status_code == 403
    photo.refresh_from_db()
    assert photo.redactions == []


@pytest.mark.parametrize(
    "redactions",
    [
        '[{"x": true, "y": 0.1, "w": 0.1, "h": 0.1}]',
        '[{"x": 0.9, "y": 0.1, "w": 0.2, "h": 0.1}]',
        '{"x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1}',
        '[{"x": 0.1, "y": 0.1, "w": 0, "h": 0.1}]',
    ],
)
def test_the_fields_stay_the_source_of_truth_and_bad_areas_are_refused(client, editor, redactions):
    photo = PhotoFactory(rendered=True)
    client.force_login(editor)

    response = client.post(f"/admin/galleries/photo/{photo.pk}/change/", change_form_data(photo, redactions=redactions))

    assert response.status_code == 200 and "errorlist" in response.text
    photo.refresh_from_db()
    assert photo.redactions == []


# After saving -------------------------------------------------------------------------------------------


def save_blur(client, editor, photo: Photo, django_capture_on_commit_callbacks, **changes) -> None:
    client.force_login(editor)
    data = change_form_data(
        photo, redactions=f'[{{"x": {FACE["x"]}, "y": {FACE["y"]}, "w": {FACE["w"]}, "h": {FACE["h"]}}}]', **changes
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/galleries/photo/{photo.pk}/change/", data)
    assert response.status_code == 302, response.text


def test_blur_changes_the_pixels_of_every_public_rendition(
    client, editor, published_photo, django_capture_on_commit_callbacks
):
    photo = published_photo.photo
    before = public_files(photo)
    assert {key[0] for key in before} == {"responsive", "social"} and len(before) >= 10

    save_blur(client, editor, photo, django_capture_on_commit_callbacks)

    photo.refresh_from_db()
    after = public_files(photo)
    assert photo.state == Photo.State.READY and photo.redactions == [FACE]
    assert set(after) == set(before)
    for key, (name, image) in after.items():
        old_name, old_image = before[key]
        assert name != old_name, key
        box = face_box(key, image, photo)
        assert detail(image.crop(box)) < detail(old_image.crop(box)) / 4, key
        # Outside the area the photo is as it was.
        corner = (0, 0, image.width // 5, image.height // 5)
        assert ImageStat.Stat(ImageChops.difference(image.crop(corner), old_image.crop(corner))).mean[0] < 6, key


def test_after_a_blur_the_unblurred_files_are_gone_everywhere(
    client, editor, published_photo, django_capture_on_commit_callbacks
):
    photo = published_photo.photo
    old = set(Rendition.objects.filter(photo=photo).values_list("name", flat=True))
    old_card = Rendition.objects.get(photo=photo, purpose="social").name

    save_blur(client, editor, photo, django_capture_on_commit_callbacks)

    photo.refresh_from_db()
    new = set(Rendition.objects.filter(photo=photo).values_list("name", flat=True))
    assert new and not new & old
    assert Rendition.objects.get(photo=photo, purpose="social").name != old_card
    # The placeholder pages show before the photo loads comes from the blurred pixels too.
    with photo.original.open("rb") as original:
        blurred = render_image(original.read(), max_pixels=10**8, redactions=[tuple(FACE.values())], formats=["jpeg"])
    assert photo.placeholder == blurred.placeholder and photo.placeholder.startswith("data:image/")
    public, private = set(stored_files("default")), set(stored_files("renditions"))
    assert not old & public and not old & private
    assert new <= public and new <= private
    client.logout()
    for name in old:
        assert client.get(f"/staff-media/{name}").status_code in (403, 404)
    assert AuditEvent.objects.filter(action="photo.reframed", actor=editor).count() == 1


def test_pages_showing_the_photo_are_refreshed_after_a_blur(
    client, editor, published_photo, django_capture_on_commit_callbacks
):
    photo, gallery = published_photo.photo, published_photo.gallery
    reader = Client()
    old = set(Rendition.objects.filter(photo=photo).values_list("name", flat=True))
    for url in (gallery.get_absolute_url(), published_photo.get_absolute_url(), "/"):
        page = reader.get(url).text
        assert any(name in page for name in old), url
        assert reader.get(url).text == page  # now served from the page cache

    save_blur(client, editor, photo, django_capture_on_commit_callbacks)

    new = set(Rendition.objects.filter(photo=photo).values_list("name", flat=True))
    for url in (gallery.get_absolute_url(), published_photo.get_absolute_url(), "/"):
        page = reader.get(url).text
        assert not any(name in page for name in old), url
        assert any(name in page for name in new), url


def test_a_new_blur_takes_the_public_files_down_before_the_new_renditions_exist(
    client, editor, published_photo, settings, django_capture_on_commit_callbacks
):
    # No worker runs: the job is queued and waits.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    photo, gallery = published_photo.photo, published_photo.gallery
    old = set(Rendition.objects.filter(photo=photo).values_list("name", flat=True))
    Client().get(gallery.get_absolute_url())

    save_blur(client, editor, photo, django_capture_on_commit_callbacks)

    photo.refresh_from_db()
    assert photo.state == Photo.State.QUEUED
    assert not old & set(stored_files("default"))
    page = Client().get(gallery.get_absolute_url()).text
    assert not any(name in page for name in old) and "The image is not available." in page


def test_moving_the_focal_point_alone_leaves_the_files_up_until_the_new_card_is_ready(
    client, editor, published_photo, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    photo = published_photo.photo
    old = set(Rendition.objects.filter(photo=photo).values_list("name", flat=True))
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/galleries/photo/{photo.pk}/change/", change_form_data(photo, focal_y="0.1"))

    assert response.status_code == 302

    assert old <= set(stored_files("default"))


def test_a_blur_saved_while_a_worker_renders_is_not_lost(
    editor, published_photo, monkeypatch, django_capture_on_commit_callbacks
):
    from galleries import tasks

    photo = published_photo.photo
    real_render = tasks.imaging.render_image
    calls = []

    def render_while_the_editor_saves(*args, **kwargs):
        calls.append(kwargs["redactions"])
        if len(calls) == 1:
            # The editor saves a blur while this job is still rendering the photo without it.
            Photo.objects.filter(pk=photo.pk).update(redactions=[FACE])
            tasks.reframe_photo(photo=Photo.objects.get(pk=photo.pk), by=editor, blur_changed=True)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(tasks.imaging, "render_image", render_while_the_editor_saves)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.rerender_photos(photos=[photo])

    photo.refresh_from_db()
    assert calls == [[], [tuple(FACE.values())]]
    assert photo.state == Photo.State.READY
    after = public_files(photo)
    assert after
    for key, (_, image) in after.items():
        box = face_box(key, image, photo)
        assert detail(image.crop(box)) < 8, key


def test_rerendering_the_same_pixels_leaves_cached_pages_alone(published_photo, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from galleries import pagecache, tasks

    Client().get(published_photo.gallery.get_absolute_url())
    version = cache.get(pagecache.VERSION_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.rerender_photos(photos=[published_photo.photo]) == 1

    assert version is not None and cache.get(pagecache.VERSION_KEY) == version
