"""No original outlives its photo: rollbacks delete what they wrote, and sweep_originals removes the rest."""

import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import transaction

from galleries.ingest import atomic_ingest, ingest_photo
from galleries.models import Photo
from tests.factories import PhotoFactory
from tests.galleries import imagefiles as files
from tests.galleries.test_ingest import stored_files

pytestmark = pytest.mark.django_db


class CallerFailed(Exception):
    pass


def photo_bytes(seed: int) -> bytes:
    return files.encode(files.photograph(seed=seed))


def test_rolled_back_caller_leaves_no_original():
    with pytest.raises(CallerFailed), atomic_ingest():
        name = ingest_photo(data=photo_bytes(1)).photo.original.name
        assert storages["originals"].exists(name)
        raise CallerFailed("the caller's next step failed")

    assert not Photo.objects.exists()
    assert stored_files("originals") == []


def test_a_rolled_back_savepoint_deletes_only_its_own_original():
    with atomic_ingest():
        kept = ingest_photo(data=photo_bytes(2)).photo
        try:
            with transaction.atomic():
                ingest_photo(data=photo_bytes(3))
                raise CallerFailed("this one item failed; the caller carries on")
        except CallerFailed:
            pass

    assert list(Photo.objects.all()) == [kept]
    assert stored_files("originals") == [kept.original.name]


def test_committed_photos_keep_their_originals(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), atomic_ingest():
        photos = [ingest_photo(data=photo_bytes(seed)).photo for seed in (4, 5)]

    assert sorted(stored_files("originals")) == sorted(photo.original.name for photo in photos)
    for photo in photos:
        photo.refresh_from_db()
        assert photo.state == Photo.State.READY


def test_ingest_inside_a_plain_transaction_is_refused_before_writing_anything():
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        ingest_photo(data=photo_bytes(6))

    assert not Photo.objects.exists()
    assert stored_files("originals") == []


def test_deleting_a_photo_deletes_its_original_and_renditions(django_capture_on_commit_callbacks):
    photo = PhotoFactory(rendered=True)
    renditions = list(photo.renditions.values_list("name", flat=True))
    assert renditions and storages["originals"].exists(photo.original.name)

    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()

    assert stored_files("originals") == []
    assert not any(storages["renditions"].exists(name) for name in renditions)


# sweep_originals -------------------------------------------------------------------------------------------


def orphan(name: str, *, hours_old: float) -> str:
    storage = storages["originals"]
    saved = storage.save(name, ContentFile(b"left behind by a crash"))
    stamp = time.time() - hours_old * 3600
    os.utime(storage.path(saved), (stamp, stamp))
    return saved


def sweep(*args: str) -> str:
    out = io.StringIO()
    call_command("sweep_originals", *args, stdout=out)
    return out.getvalue()


def test_sweep_deletes_old_unreferenced_originals_and_nothing_else():
    photo = PhotoFactory(rendered=True)
    os.utime(storages["originals"].path(photo.original.name), (0, 0))  # referenced, however old
    old = orphan("ab/abandoned.jpeg", hours_old=30)
    young = orphan("cd/in-flight.jpeg", hours_old=1)

    output = sweep()

    assert f"deleted {old}" in output and "Deleted 1 unreferenced original " in output
    assert sorted(stored_files("originals")) == sorted([photo.original.name, young])
    assert sweep("--older-than", "0.5").count("deleted ") == 1
    assert stored_files("originals") == [photo.original.name]


def test_sweep_dry_run_lists_and_keeps():
    old = orphan("ab/abandoned.jpeg", hours_old=30)

    output = sweep("--dry-run", "--older-than", "2")

    assert f"would delete {old}" in output and "Would delete 1 unreferenced original" in output
    assert stored_files("originals") == [old]


def test_sweep_of_an_empty_storage_and_bad_ages():
    assert "Deleted 0 unreferenced originals" in sweep()
    with pytest.raises(Exception, match="number of hours"):
        sweep("--older-than", "-1")
