"""Publication, withdrawal and renders that survive crashes, outages and lost jobs."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from galleries import workflow
from galleries.models import Gallery, Photo, Rendition, TaskWorker
from galleries.publication import publication_progress, repair_public_files
from galleries.tasks import MAX_RENDER_ATTEMPTS, STORAGE_OUTAGE, recover_abandoned_jobs, render_photo, settle_gallery
from tests.factories import GalleryFactory, PhotoFactory, add_renditions, published_gallery

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
NO_WORKER = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def _private_copies(gallery: Gallery) -> None:
    private = storages["renditions"]
    for rendition in Rendition.objects.filter(photo__items__gallery=gallery):
        private.save(rendition.name, _content(b"rendition"))


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


@pytest.fixture
def approved_but_unexposed(editor):
    """A gallery in review whose photos are rendered privately, none public yet."""
    gallery = published_gallery(items=4, public=False)
    Gallery.objects.filter(pk=gallery.pk).update(status=Gallery.Status.IN_REVIEW, published_at=None)
    gallery.refresh_from_db()
    Photo.objects.filter(items__gallery=gallery).update(alt_text="People at the market.")
    _private_copies(gallery)
    return gallery


def test_a_gallery_is_hidden_from_readers_until_every_photo_is_public(settings, editor, approved_but_unexposed):
    settings.TASKS = NO_WORKER  # the publication job is queued but no worker has run it yet
    gallery = approved_but_unexposed

    workflow.approve_gallery(gallery=gallery, by=editor)

    gallery.refresh_from_db()
    assert gallery.status == Gallery.Status.PUBLISHED and gallery.publishing
    assert not Gallery.objects.published().filter(pk=gallery.pk).exists()
    assert publication_progress(gallery) == (0, 4)


def test_the_repair_pass_finishes_a_publication_whose_job_was_lost(settings, editor, approved_but_unexposed):
    settings.TASKS = NO_WORKER
    gallery = approved_but_unexposed
    workflow.approve_gallery(gallery=gallery, by=editor)

    fixed = repair_public_files()

    gallery.refresh_from_db()
    assert fixed["galleries"] == 1
    assert not gallery.publishing
    assert Gallery.objects.published().filter(pk=gallery.pk).exists()
    assert publication_progress(gallery) == (4, 4)
    assert all(storages["default"].exists(r.name) for r in Rendition.objects.filter(photo__items__gallery=gallery))


def test_the_publication_job_is_stored_in_the_approval_transaction(settings, editor, approved_but_unexposed):
    settings.TASKS = DATABASE_QUEUE

    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.approve_gallery(gallery=approved_but_unexposed, by=editor)
        raise RuntimeError("the request died before its commit")
    assert not DBTaskResult.objects.filter(task_path="galleries.tasks.settle_gallery").exists()

    workflow.approve_gallery(gallery=approved_but_unexposed, by=editor)

    job = DBTaskResult.objects.get(task_path="galleries.tasks.settle_gallery")
    assert job.args_kwargs["kwargs"] == {"gallery_id": approved_but_unexposed.pk}


def test_a_publication_that_fails_on_storage_is_retried_later(settings, editor, approved_but_unexposed, tmp_path):
    settings.TASKS = DATABASE_QUEUE
    workflow.approve_gallery(gallery=approved_but_unexposed, by=editor)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the public folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": blocked}},
    }
    job = DBTaskResult.objects.get(task_path="galleries.tasks.settle_gallery")

    with pytest.raises(OSError):
        settle_gallery.call(**job.args_kwargs["kwargs"])  # as the worker runs it

    again = DBTaskResult.objects.filter(task_path="galleries.tasks.settle_gallery").exclude(pk=job.pk).get()
    assert again.status == "READY" and again.run_after > timezone.now()
    assert again.args_kwargs["kwargs"]["attempt"] == 1
    assert Gallery.objects.get(pk=approved_but_unexposed.pk).publishing


def test_the_repair_pass_takes_down_files_of_a_withdrawn_gallery(settings, editor):
    settings.TASKS = NO_WORKER
    gallery = published_gallery(items=2)
    for rendition in Rendition.objects.filter(photo__items__gallery=gallery):
        storages["default"].save(rendition.name, _content(b"public copy"))

    workflow.withdraw_gallery(gallery=gallery, by=editor, reason="Legal review.")
    repair_public_files()

    renditions = Rendition.objects.filter(photo__items__gallery=gallery)
    assert not renditions.filter(is_public=True).exists()
    assert not any(storages["default"].exists(r.name) for r in renditions)


def test_the_repair_pass_takes_down_files_of_a_photo_waiting_for_new_blur_areas(settings):
    gallery = published_gallery(items=1)
    photo = gallery.items.get().photo
    Photo.objects.filter(pk=photo.pk).update(state=Photo.State.QUEUED, redactions=[[0.1, 0.1, 0.2, 0.2]])

    repair_public_files()

    assert not Rendition.objects.filter(photo=photo, is_public=True).exists()
    assert Gallery.objects.published().filter(pk=gallery.pk).exists()


def _dead_worker_job(photo: Photo, *, attempts: int) -> DBTaskResult:
    Photo.objects.filter(pk=photo.pk).update(state=Photo.State.PROCESSING, render_attempts=attempts)
    render_photo.using(backend="default").enqueue(photo_id=photo.pk)
    job = DBTaskResult.objects.get(task_path="galleries.tasks.render_photo")
    started = timezone.now() - timedelta(minutes=1)
    DBTaskResult.objects.filter(pk=job.pk).update(status="RUNNING", started_at=started, worker_ids=["killed"])
    TaskWorker.objects.create(worker_id="killed", seen_at=started)
    return job


def test_a_render_a_killed_worker_held_is_queued_again_within_a_minute(settings):
    settings.TASKS = DATABASE_QUEUE
    photo = PhotoFactory()
    job = _dead_worker_job(photo, attempts=1)

    assert recover_abandoned_jobs() == [photo.pk]

    job.refresh_from_db()
    photo.refresh_from_db()
    assert job.status == "FAILED"
    assert photo.state == Photo.State.QUEUED
    assert DBTaskResult.objects.filter(task_path="galleries.tasks.render_photo", status="READY").count() == 1


def test_a_job_of_a_live_worker_is_left_alone(settings):
    settings.TASKS = DATABASE_QUEUE
    photo = PhotoFactory()
    job = _dead_worker_job(photo, attempts=1)
    TaskWorker.objects.filter(worker_id="killed").update(seen_at=timezone.now())

    assert recover_abandoned_jobs() == []
    job.refresh_from_db()
    assert job.status == "RUNNING"


def test_rerender_stuck_applies_the_three_failure_cap(settings):
    settings.TASKS = NO_WORKER
    photo = PhotoFactory()
    Photo.objects.filter(pk=photo.pk).update(
        state=Photo.State.PROCESSING,
        render_attempts=MAX_RENDER_ATTEMPTS,
        updated_at=timezone.now() - timedelta(hours=1),
    )

    call_command("rerender", stuck=True, stdout=io.StringIO())

    photo.refresh_from_db()
    assert photo.state == Photo.State.FAILED
    assert "3 times" in photo.state_reason


def test_a_photo_that_failed_while_storage_was_away_is_retried_when_it_returns(settings, tmp_path):
    from galleries.tasks import retry_photos_failed_by_outage

    photo = PhotoFactory()
    add_renditions(photo, public=False)
    Photo.objects.filter(pk=photo.pk).update(state=Photo.State.FAILED, state_reason=f"{STORAGE_OUTAGE}: timed out")
    blocked = tmp_path / "file"
    blocked.write_text("x")
    broken = {**settings.STORAGES, "originals": {**settings.STORAGES["originals"], "OPTIONS": {"location": blocked}}}
    healthy = settings.STORAGES
    settings.TASKS = NO_WORKER

    settings.STORAGES = broken
    assert retry_photos_failed_by_outage() in (0, 1)  # a file where the folder should be still reads as absent
    settings.STORAGES = healthy
    Photo.objects.filter(pk=photo.pk).update(state=Photo.State.FAILED, state_reason=f"{STORAGE_OUTAGE}: timed out")

    assert retry_photos_failed_by_outage() == 1
    photo.refresh_from_db()
    assert photo.state == Photo.State.QUEUED


def test_an_original_that_cannot_be_read_is_retried_not_failed(settings, tmp_path):
    settings.TASKS = DATABASE_QUEUE
    settings.LOUPE_STORAGE_RETRY_SECONDS = 600
    photo = PhotoFactory(state=Photo.State.QUEUED)
    attempts = photo.render_attempts
    unreadable = tmp_path / "originals-gone"
    unreadable.mkdir()
    (unreadable / Path(photo.original.name)).mkdir(parents=True)  # a folder where the file should be: EISDIR
    settings.STORAGES = {
        **settings.STORAGES,
        "originals": {**settings.STORAGES["originals"], "OPTIONS": {"location": unreadable}},
    }

    state = render_photo.call(photo_id=photo.pk)

    photo.refresh_from_db()
    assert state == Photo.State.QUEUED
    assert photo.state_reason.startswith(STORAGE_OUTAGE)
    assert photo.render_attempts == attempts  # an outage is not the photo's fault


def test_a_new_gallery_factory_is_visible_as_before():
    assert Gallery.objects.published().filter(pk=GalleryFactory(published=True).pk).exists()


def test_the_editor_sees_how_many_photos_are_public_while_a_gallery_is_publishing(
    client, settings, editor, approved_but_unexposed
):
    settings.TASKS = NO_WORKER
    editor.is_superuser = True
    editor.save(update_fields=["is_superuser"])
    workflow.approve_gallery(gallery=approved_but_unexposed, by=editor)
    client.force_login(editor)

    page = client.get(f"/admin/galleries/gallery/{approved_but_unexposed.pk}/change/")

    assert "Publishing: 0 of 4 photos public." in page.content.decode()


def test_periodic_runs_again_within_seconds_after_losing_the_database(monkeypatch):
    import signal
    import time

    from galleries import periodic

    monkeypatch.setattr(periodic, "RETRY_AFTER_OUTAGE", 0.2)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # leave the test runner's handlers alone
    runs = []
    started = time.monotonic()

    periodic.repeat(lambda: runs.append(time.monotonic()) or len(runs) > 1, every=60, runs=2)

    assert len(runs) == 2
    assert time.monotonic() - started < 5
