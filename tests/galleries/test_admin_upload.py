import hashlib
import json
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from galleries.library import natural_key
from galleries.models import Photo
from tests.factories import GalleryFactory, PhotoFactory, jpeg_bytes


def upload_url(gallery, suffix=""):
    return reverse(f"admin:galleries_gallery_upload{suffix}", args=[gallery.pk])


def jpeg_file(name: str, shade: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(size=(400, 300), color=(shade, 40, 200 - shade)), "image/jpeg")


def post_one(client, gallery, upload):
    return client.post(upload_url(gallery), {"file": upload}, headers={"accept": "application/json"})


def test_a_batch_with_a_bad_file_uploads_the_good_ones(client, editor):
    gallery = GalleryFactory()
    client.force_login(editor)
    answers = [
        post_one(client, gallery, jpeg_file("b.jpg", 10)),
        post_one(client, gallery, SimpleUploadedFile("notes.jpg", b"this is not a photograph at all", "image/jpeg")),
        post_one(client, gallery, jpeg_file("a.jpg", 20)),
    ]
    assert [answer.status_code for answer in answers] == [201, 400, 201]
    assert answers[1].json()["error"]
    photos = [{"photo": answers[i].json()["photo"], "name": answers[i].json()["name"]} for i in (0, 2)]
    response = client.post(
        upload_url(gallery, "_append"), json.dumps({"order": "name", "photos": photos}), content_type="application/json"
    )
    assert response.json() == {"added": 2, "skipped": 0}
    assert [item.photo.original_filename for item in gallery.items.order_by("position")] == ["a.jpg", "b.jpg"]


def test_plain_multi_file_form_works_without_javascript(client, editor):
    gallery = GalleryFactory(items=1)
    client.force_login(editor)
    files = [
        jpeg_file("img-10.jpg", 1),
        jpeg_file("img-2.jpg", 2),
        SimpleUploadedFile("bad.jpg", b"nope", "image/jpeg"),
    ]
    response = client.post(upload_url(gallery), {"files": files, "order": "name"}, follow=True)
    assert response.status_code == 200
    names = [item.photo.original_filename for item in gallery.items.order_by("position")][1:]
    assert names == ["img-2.jpg", "img-10.jpg"]
    text = response.content.decode()
    assert "2 photos added" in text
    assert "“bad.jpg” could not be added" in text


@pytest.mark.parametrize(
    "body", ['{"hashes": ["\\u0000"]}', '{"hashes": [' + "[" * 100_000 + "]" * 100_000 + "]}", '{"hashes": 5}']
)
def test_known_hashes_take_only_hashes(client, editor, body):
    existing = PhotoFactory()
    client.force_login(editor)

    response = client.post(upload_url(GalleryFactory(), "_known"), body, content_type="application/json")

    # A NUL would reach PostgreSQL, which refuses it; deep nesting would exhaust the JSON parser.
    assert response.status_code in (200, 400)
    assert existing.sha256 not in response.text


@pytest.mark.parametrize("photo", ["Infinity", "1e400", str(2**70), "-1"])
def test_append_refuses_or_skips_ids_no_photo_has(client, editor, photo):
    client.force_login(editor)
    body = '{"order": "name", "photos": [{"photo": %s, "name": "x.jpg"}]}' % photo  # noqa: UP031 - raw JSON

    response = client.post(upload_url(GalleryFactory(), "_append"), body, content_type="application/json")

    assert response.status_code in (200, 400)
    assert response.status_code == 400 or response.json() == {"added": 0, "skipped": 1}


def test_known_hashes_are_answered_so_files_are_not_sent_again(client, editor):
    existing = PhotoFactory()
    gallery = GalleryFactory()
    client.force_login(editor)
    unknown = hashlib.sha256(b"something else").hexdigest()
    response = client.post(
        upload_url(gallery, "_known"),
        json.dumps({"hashes": [existing.sha256, unknown]}),
        content_type="application/json",
    )
    assert response.json() == {"known": {existing.sha256: existing.pk}}
    response = client.post(
        upload_url(gallery, "_append"),
        json.dumps({"order": "name", "photos": [{"photo": existing.pk, "name": "x.jpg"}]}),
        content_type="application/json",
    )
    assert response.json()["added"] == 1
    assert gallery.items.get().photo == existing
    assert Photo.objects.count() == 1


def test_the_same_file_uploaded_twice_is_one_photo(client, editor):
    gallery = GalleryFactory()
    client.force_login(editor)
    first = post_one(client, gallery, jpeg_file("a.jpg", 5)).json()
    second = post_one(client, gallery, jpeg_file("copy-of-a.jpg", 5)).json()
    assert (first["created"], second["created"]) == (True, False)
    assert first["photo"] == second["photo"]


def test_append_in_capture_time_order(client, editor):
    gallery = GalleryFactory()
    client.force_login(editor)
    ids = [
        post_one(client, gallery, jpeg_file(f"{name}.jpg", shade)).json()["photo"]
        for name, shade in (("a", 1), ("b", 2), ("c", 3))
    ]
    # Capture times as read from the files: c first, then a; b has none and goes last.
    Photo.objects.filter(pk=ids[2]).update(taken_at=datetime(2024, 5, 1, 8, tzinfo=UTC))
    Photo.objects.filter(pk=ids[0]).update(taken_at=datetime(2024, 5, 1, 9, tzinfo=UTC))
    photos = [{"photo": pk, "name": f"{name}.jpg"} for pk, name in zip(ids, "abc", strict=True)]
    client.post(
        upload_url(gallery, "_append"),
        json.dumps({"order": "taken", "photos": photos}),
        content_type="application/json",
    )
    assert list(gallery.items.order_by("position").values_list("photo_id", flat=True)) == [ids[2], ids[0], ids[1]]


def test_photos_already_in_the_gallery_are_not_added_twice(client, editor):
    gallery = GalleryFactory(items=1)
    photo = gallery.items.get().photo
    client.force_login(editor)
    response = client.post(
        upload_url(gallery, "_append"),
        json.dumps({"order": "name", "photos": [{"photo": photo.pk, "name": "x.jpg"}]}),
        content_type="application/json",
    )
    assert response.json() == {"added": 0, "skipped": 1}


@pytest.mark.parametrize("persona", ["reader", "photographer_user"])
def test_upload_refused_to_reader_and_other_photographer(db, client, request, persona):
    gallery = GalleryFactory()
    client.force_login(request.getfixturevalue(persona))
    response = post_one(client, gallery, jpeg_file("a.jpg", 1))
    assert response.status_code in (302, 403)
    assert not Photo.objects.exists()


def test_photographer_uploads_to_own_draft(client, photographer_user):
    gallery = GalleryFactory(created_by=photographer_user)
    client.force_login(photographer_user)
    assert post_one(client, gallery, jpeg_file("a.jpg", 1)).status_code == 201


def test_upload_requires_csrf_token(editor):
    gallery = GalleryFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert post_one(client, gallery, jpeg_file("a.jpg", 1)).status_code == 403
    response = client.post(upload_url(gallery, "_known"), json.dumps({"hashes": []}), content_type="application/json")
    assert response.status_code == 403
    assert not Photo.objects.exists()


def test_upload_accepts_only_post(client, editor):
    gallery = GalleryFactory()
    client.force_login(editor)
    assert client.get(upload_url(gallery)).status_code == 405


def test_file_names_sort_by_their_numbers_whatever_digits_they_hold():
    names = ["img-10.jpg", "img-2.jpg", "img-1²3.jpg", "img-٣.jpg"]  # superscript two; Arabic-Indic three

    assert sorted(names, key=natural_key) == ["img-1²3.jpg", "img-2.jpg", "img-٣.jpg", "img-10.jpg"]
