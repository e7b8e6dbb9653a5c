import io

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from galleries import tasks
from galleries.ingest import ingest_photo
from galleries.models import Photo, Rendition
from tests.factories import GalleryFactory, ItemFactory, PhotoFactory
from tests.galleries import imagefiles as files

pytestmark = pytest.mark.django_db


def upload(seed=1, size=(700, 500)) -> Photo:
    return ingest_photo(data=files.encode(files.photograph(size, seed=seed)), filename="x.jpg").photo


def test_upload_renders_every_rendition_into_the_private_storage(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = upload()

    photo.refresh_from_db()
    assert photo.state == Photo.State.READY and photo.render_attempts == 1
    assert photo.placeholder.startswith("data:image/webp;base64,") and photo.dominant_color.startswith("#")
    renditions = list(photo.renditions.all())
    assert {(r.format, r.width) for r in renditions if r.purpose == "responsive"} == {
        (fmt, w) for fmt in ("avif", "webp", "jpeg") for w in (320, 640)
    }
    for rendition in renditions:
        assert not rendition.is_public
        assert storages["renditions"].exists(rendition.name)
        assert not storages["default"].exists(rendition.name)
        with storages["renditions"].open(rendition.name) as file:
            assert Image.open(io.BytesIO(file.read())).size == (rendition.width, rendition.height)


def test_rendition_names_are_content_addressed_and_reveal_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = upload(seed=2)
    names = {r.name for r in photo.renditions.all()}

    with django_capture_on_commit_callbacks(execute=True):
        tasks.rerender_photos(photos=[photo])

    assert {r.name for r in photo.renditions.all()} == names
    assert all("x.jpg" not in name and len(name.split("/")[-1].split(".")[0]) == 40 for name in names)


def test_rerender_after_a_focal_change_replaces_and_deletes_the_old_card(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = upload(seed=3, size=(1400, 1400))
    old_card = photo.renditions.get(purpose="social")
    photo.focal_y = 0.0
    photo.save(update_fields=["focal_y"])

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.rerender_photos(photos=[photo]) == 1

    new_card = photo.renditions.get(purpose="social")
    assert new_card.name != old_card.name
    assert storages["renditions"].exists(new_card.name)
    assert not storages["renditions"].exists(old_card.name)


def test_failing_render_is_retried_then_marked_failed_with_the_reason(monkeypatch, django_capture_on_commit_callbacks):
    def broken(*args, **kwargs):
        raise RuntimeError("encoder crashed")

    monkeypatch.setattr(tasks.imaging, "render_image", broken)

    with django_capture_on_commit_callbacks(execute=True):
        photo = upload(seed=4)

    photo.refresh_from_db()
    assert photo.state == Photo.State.FAILED
    assert photo.render_attempts == tasks.MAX_RENDER_ATTEMPTS
    assert "encoder crashed" in photo.state_reason
    assert storages["originals"].exists(photo.original.name)


def test_a_job_left_by_a_dead_worker_is_picked_up_again(django_capture_on_commit_callbacks):
    photo = PhotoFactory(rendered=True)
    Photo.objects.filter(pk=photo.pk).update(state=Photo.State.PROCESSING)
    photo.renditions.all().delete()

    assert tasks.render_photo.call(photo_id=photo.pk) == "skipped"  # another worker may still be on it

    Photo.objects.filter(pk=photo.pk).update(updated_at=timezone.now() - tasks.STALE_AFTER * 2)
    assert list(tasks.stuck_photos()) == [photo]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("rerender", "--stuck", stdout=io.StringIO())

    photo.refresh_from_db()
    assert photo.state == Photo.State.READY and photo.renditions.exists()


def test_rerender_command_shows_progress_and_refuses_unknown_ids(django_capture_on_commit_callbacks):
    photos = [PhotoFactory(rendered=True), PhotoFactory(rendered=True)]
    out = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("rerender", *[str(p.pk) for p in photos], stdout=out)

    assert "2/2" in out.getvalue() and "2 photos queued" in out.getvalue()
    with pytest.raises(Exception, match="No photo with ID 999999"):
        call_command("rerender", "999999", stdout=io.StringIO())


def test_photo_in_a_published_gallery_is_exposed_as_soon_as_it_renders(django_capture_on_commit_callbacks):
    item = ItemFactory(gallery=GalleryFactory(published=True), photo__rendered=True)
    photo = item.photo

    with django_capture_on_commit_callbacks(execute=True):
        tasks.rerender_photos(photos=[photo])

    renditions = list(Rendition.objects.filter(photo=photo))
    assert renditions and all(r.is_public for r in renditions)
    for rendition in renditions:
        assert storages["default"].exists(rendition.name)


def _left_behind(photo: Photo, *, attempts: int) -> None:
    """As a worker killed mid-render leaves a photo: processing, long ago."""
    Photo.objects.filter(pk=photo.pk).update(
        state=Photo.State.PROCESSING, render_attempts=attempts, updated_at=timezone.now() - timezone.timedelta(hours=1)
    )


def test_periodic_jobs_render_again_what_a_killed_worker_left_and_keep_the_original(django_capture_on_commit_callbacks):
    photo = upload(seed=21)  # queued; its job never ran
    _left_behind(photo, attempts=1)
    original = photo.original.name

    with django_capture_on_commit_callbacks(execute=True):
        call_command("periodic")

    photo.refresh_from_db()
    assert photo.state == Photo.State.READY
    assert photo.render_attempts == 2
    assert photo.original.name == original and storages["originals"].exists(original)
    assert photo.renditions.exists()


def test_a_photo_that_keeps_killing_its_worker_fails_with_a_reason(django_capture_on_commit_callbacks):
    photo = upload(seed=22)
    _left_behind(photo, attempts=tasks.MAX_RENDER_ATTEMPTS)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck_renders() == 0

    photo.refresh_from_db()
    assert photo.state == Photo.State.FAILED
    assert "stopped without finishing 3 times" in photo.state_reason


def test_a_render_in_progress_is_not_queued_twice(django_capture_on_commit_callbacks):
    photo = upload(seed=23)
    Photo.objects.filter(pk=photo.pk).update(state=Photo.State.PROCESSING, render_attempts=1)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.requeue_stuck_renders() == 0

    assert callbacks == []
    photo.refresh_from_db()
    assert photo.state == Photo.State.PROCESSING
