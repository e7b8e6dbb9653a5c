import threading

import pytest
from django.core.files.storage import storages
from django.db import IntegrityError, connection

from galleries import imaging, ingest
from galleries.ingest import UploadRejected, ingest_photo
from galleries.models import AuditEvent, Photo
from tests.factories import PhotographerFactory
from tests.galleries import imagefiles as files


def stored_files(name: str) -> list[str]:
    storage = storages[name]
    found, pending = [], [""]
    while pending:
        folder = pending.pop()
        if not storage.exists(folder or "."):
            continue
        directories, names = storage.listdir(folder or ".")
        found += [f"{folder}/{n}".lstrip("/") for n in names]
        pending += [f"{folder}/{d}".lstrip("/") for d in directories]
    return found


def phone_photo() -> bytes:
    """A rotated, GPS-tagged, Adobe RGB photo with an IPTC caption and credit, as a phone and Photo Mechanic make it."""
    image = files.photograph((600, 400)).transpose(files.Image.Transpose.ROTATE_90)
    jpeg = files.encode(image, quality=90, exif=files.tagged_exif(orientation=6), icc_profile=files.adobe_rgb_profile())
    return files.with_segment(
        jpeg,
        files.iptc_segment(
            {
                (2, 120): ["Fishermen mend nets before the evening tide."],
                (2, 110): ["Amara Okafor for Loupe"],
                (2, 80): ["amara okafor"],
                (2, 90): ["Lagos"],
                (2, 101): ["Nigeria"],
            }
        ),
    )


def test_metadata_text_loses_the_control_characters_cameras_pad_it_with():
    exif = files.tagged_exif()
    exif[0x013B] = "Kofi Mensah\0\0\0old owner"  # EXIF text ends at its first NUL
    exif[0x8298] = " \0Loupe Desk"  # the editor's notice alone, as the EXIF standard writes it
    iptc = files.iptc_segment(
        {
            (2, 120): ["The first ferry\x0b leaves Apapa.\n\nAt dawn.\0"],
            (2, 110): ["Kofi\x01 Mensah for Loupe"],
            (2, 90): ["La\x7fgos"],
            (2, 25): ["ferry\x00", "\x1b"],
        }
    )
    data = files.with_segment(files.encode(files.photograph(), exif=exif), iptc)

    # Imaging reads what the file says; the text is cleaned where it enters Loupe, at ingest.
    metadata = ingest.readable(imaging.inspect_image(data, max_pixels=100_000_000)).metadata

    assert metadata.caption == "The first ferry leaves Apapa.\n\nAt dawn."
    assert metadata.credit_line == "Kofi Mensah for Loupe"
    assert metadata.creator == "Kofi Mensah"
    assert metadata.copyright == "Loupe Desk"
    assert metadata.place_name == "Lagos"
    assert metadata.keywords == ["ferry"]


@pytest.mark.django_db
def test_imported_metadata_loses_invisible_tricks_and_keeps_right_to_left_text(django_capture_on_commit_callbacks):
    iptc = files.iptc_segment(
        {
            (2, 120): ["\u202egpj.exe\u202c Nets drying\u200b at dawn."],
            (2, 110): ["أمارا أوكافور\u2067 for Loupe"],
            (2, 80): ["עמרה\u200b אוקפור"],
            (2, 25): ["ne\u200bts", "\ufeff"],
        }
    )
    data = files.with_segment(files.encode(files.photograph((600, 400)), quality=90), iptc)

    with django_capture_on_commit_callbacks(execute=True):
        photo = ingest_photo(data=data, filename="\u202egpj.exe").photo

    photo.refresh_from_db()
    assert photo.caption == "gpj.exe Nets drying at dawn."
    assert photo.credit_line == "أمارا أوكافور for Loupe"
    assert photo.imported_metadata["creator"] == "עמרה אוקפור"
    assert (photo.keywords, photo.original_filename) == (["nets"], "gpj.exe")


@pytest.mark.django_db
def test_photo_with_nul_padded_metadata_is_stored_without_it(django_capture_on_commit_callbacks):
    # PostgreSQL refuses NUL in text and in JSON: the upload must not fail on what a camera padded its fields with.
    exif = files.tagged_exif()
    exif[0x013B] = "Amara Okafor\0\0"
    exif[0x010E] = "Nets\0 drying"
    jpeg = files.encode(files.photograph((600, 400)), quality=90, exif=exif)
    data = files.with_segment(jpeg, files.iptc_segment({(2, 110): ["Amara\0 Okafor for Loupe"], (2, 25): ["nets\0"]}))

    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_photo(data=data, filename="IMG\x00_2231.JPG")

    photo = Photo.objects.get(pk=result.photo.pk)
    assert (photo.credit_line, photo.original_filename) == ("Amara Okafor for Loupe", "IMG_2231.JPG")
    assert photo.imported_metadata["creator"] == "Amara Okafor"
    assert photo.imported_metadata["keywords"] == ["nets"]
    assert photo.state == Photo.State.READY


@pytest.mark.django_db
def test_phone_photo_is_prefilled_and_its_location_is_on_the_receipt(django_capture_on_commit_callbacks):
    amara = PhotographerFactory(name="Amara Okafor")

    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_photo(data=phone_photo(), filename="C:\\Users\\amara\\IMG_2231.JPG")

    photo = Photo.objects.get(pk=result.photo.pk)
    assert result.created
    assert photo.caption == "Fishermen mend nets before the evening tide."
    assert photo.credit_line == "Amara Okafor for Loupe"
    assert photo.place_name == "Lagos, Nigeria"
    assert photo.photographer == amara
    assert (photo.width, photo.height) == (600, 400)
    assert photo.imported_metadata["caption"] == photo.caption
    assert "GPS position" in photo.removed_metadata
    assert photo.original_filename == "IMG_2231.JPG"
    assert "IMG_2231" not in photo.original.name and photo.original.name.endswith(".jpeg")
    assert photo.state == Photo.State.READY
    assert AuditEvent.objects.filter(action="photo.uploaded", target_id=str(photo.pk)).exists()


@pytest.mark.django_db
def test_imported_values_never_overwrite_typed_ones():
    photo = Photo(caption="Typed by the desk.", credit_line="")
    metadata = ingest.imaging.ImportedMetadata(caption="From the file.", credit_line="File credit")

    filled = ingest.prefill_photo(photo=photo, metadata=metadata)

    assert photo.caption == "Typed by the desk." and photo.credit_line == "File credit"
    assert filled == ["credit_line"]


@pytest.mark.django_db
def test_same_bytes_twice_returns_the_existing_photo():
    data = files.encode(files.photograph())

    first = ingest_photo(data=data)
    second = ingest_photo(data=data, filename="again.jpg")

    assert first.created and not second.created
    assert second.photo.pk == first.photo.pk
    assert Photo.objects.count() == 1 and len(stored_files("originals")) == 1


@pytest.mark.django_db(transaction=True)
def test_racing_uploads_of_the_same_bytes_make_one_photo(monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    data = files.encode(files.photograph(seed=7))
    barrier = threading.Barrier(2)
    real_filter = Photo.objects.filter
    results = []

    waited = threading.local()

    def slow_filter(*args, **kwargs):
        found = real_filter(*args, **kwargs)
        if not getattr(waited, "done", False):
            # Both uploads pass the "already there?" check before either inserts.
            waited.done = True
            barrier.wait(timeout=10)
        return found

    monkeypatch.setattr(Photo.objects, "filter", slow_filter)

    def upload():
        try:
            results.append(ingest_photo(data=data))
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.undo()

    assert sorted(r.created for r in results) == [False, True]
    assert Photo.objects.count() == 1 and len(stored_files("originals")) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, message",
    [
        (files.png_bomb(), "too large"),
        (files.encode(files.photograph((800, 600)))[:20_000], "truncated or damaged"),
        (b"<html><script>alert(1)</script></html>", "JPEG, PNG, WebP, HEIC/HEIF, AVIF or TIFF"),
        (files.encode(files.photograph((150, 100))), "too small"),
        (b"", "empty"),
    ],
    ids=["bomb", "truncated", "html", "tiny", "empty"],
)
def test_refused_upload_leaves_no_row_and_no_file(data, message):
    with pytest.raises(UploadRejected, match=message):
        ingest_photo(data=data)

    assert Photo.objects.count() == 0
    assert stored_files("originals") == []


@pytest.mark.django_db
def test_upload_over_the_size_limit_is_refused(settings):
    settings.LOUPE_UPLOAD_MAX_BYTES = 10_000

    with pytest.raises(UploadRejected, match=r"the limit is 0\.0 MB"):
        ingest_photo(data=files.encode(files.photograph((800, 600)), quality=95))

    assert Photo.objects.count() == 0


@pytest.mark.django_db
def test_failed_insert_removes_the_written_original(monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise IntegrityError("disk full, say")

    monkeypatch.setattr(Photo, "save", broken_save)

    with pytest.raises(IntegrityError):
        ingest_photo(data=files.encode(files.photograph(seed=3)))

    assert stored_files("originals") == []


@pytest.mark.django_db
def test_rendering_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, ingest.atomic_ingest():
        photo = ingest_photo(data=files.encode(files.photograph(seed=4))).photo

    photo.refresh_from_db()
    assert photo.state == Photo.State.QUEUED and photo.renditions.count() == 0
    assert len(callbacks) == 1
