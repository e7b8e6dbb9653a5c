"""Background jobs: renditions of photos, and the files a publication owes readers.

A render job may run twice, or die half-way: it only reads the original,
writes files under names derived from their bytes, and swaps the rendition
rows in one transaction, so running it again simply redoes the work.

What a change requires afterwards (public copies, purges, mail) is enqueued in the
transaction that makes the change (`enqueue_with_change`): with the database queue
the job commits or rolls back with it, so no crash between the two can lose it.
Jobs that fail are enqueued again with a growing delay, and `periodic` repairs
whatever is still left undone (galleries.publication.repair_public_files).
"""

import hashlib
import logging
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from galleries import imaging, notifications
from galleries.audit import record
from galleries.models import Photo, Rendition, TaskWorker
from galleries.publication import expose_photos, settle_gallery_files, show_new_renditions, take_down_photos
from galleries.signing import sign_rendered_files

logger = logging.getLogger(__name__)

MAX_RENDER_ATTEMPTS = 3
# A job still "processing" after this long belongs to a worker that died. Workers that beat
# (manage.py worker) have theirs recovered much sooner: see recover_abandoned_jobs.
STALE_AFTER = timedelta(minutes=15)
# A worker writes its heartbeat this often; one silent for LOUPE_WORKER_LOST_SECONDS is taken for dead.
HEARTBEAT_EVERY = timedelta(seconds=10)
# Why a photo failed when the storage, not the photo, was at fault; such photos are retried once it is back.
STORAGE_OUTAGE = "Storage was unavailable"
MAX_RETRY_DELAY = 300


class StorageUnavailable(Exception):
    """Reading or writing a file failed for a reason that is not the file's: the storage is down or slow."""


def worker_lost_after() -> timedelta:
    return timedelta(seconds=settings.LOUPE_WORKER_LOST_SECONDS)


def queued_in_database() -> bool:
    return isinstance(render_photo.get_backend(), DatabaseBackend)


def enqueue_with_change(job, **kwargs) -> None:
    """Record a job in the current transaction, so it exists exactly when the change that needs it commits.

    The database queue writes the job's row inside the transaction. In-process backends (the embedded
    default, tests) run the job at once, so there it waits for the commit instead.
    """
    if queued_in_database():
        job.enqueue(**kwargs)
    else:
        transaction.on_commit(partial(job.enqueue, **kwargs))


def retry_later(job, *, attempt: int, **kwargs) -> bool:
    """Enqueue `job` again after a delay that doubles with each attempt (1 s up to 5 minutes).

    False where the queue cannot wait (in-process tasks): the periodic repair pass finishes the work there.
    """
    if not queued_in_database():
        return False
    delay = min(2**attempt, MAX_RETRY_DELAY)
    job.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(attempt=attempt + 1, **kwargs)
    return True


@task()
def settle_gallery(*, gallery_id: int, attempt: int = 0) -> str:
    """Publish or withdraw a gallery's files (galleries.publication.settle_gallery_files), until done."""
    try:
        settle_gallery_files(gallery_id=gallery_id)
    except Exception:
        logger.exception("Files of gallery %s could not be settled (attempt %s); trying again", gallery_id, attempt)
        retry_later(settle_gallery, attempt=attempt, gallery_id=gallery_id)
        raise
    return "done"


@task()
def take_down(*, photo_ids: list[int], attempt: int = 0) -> str:
    """Remove public copies at once (new blur areas), until done."""
    try:
        take_down_photos(photos=photo_ids)
    except Exception:
        logger.exception("Public files of photos %s could not be taken down (attempt %s)", photo_ids, attempt)
        retry_later(take_down, attempt=attempt, photo_ids=photo_ids)
        raise
    return "done"


@task()
def replace_public_files(*, photo_id: int, changed: bool, outdated: list[str], attempt: int = 0) -> str:
    """After a render: new files up for the published galleries showing the photo, then the old ones gone."""
    try:
        if Photo.objects.filter(pk=photo_id).owed_public_files().exists():
            # New files up and the pages naming them refreshed before the old files go: no broken images.
            # The same files again (a rerender with unchanged settings) leave the cached pages as they are.
            (show_new_renditions if changed else expose_photos)(photos=[photo_id])
        _delete_files(names=outdated)
    except Exception:
        logger.exception("Public files of photo %s could not be replaced (attempt %s)", photo_id, attempt)
        retry_later(replace_public_files, attempt=attempt, photo_id=photo_id, changed=changed, outdated=outdated)
        raise
    return "done"


NOTIFICATIONS = {
    "submitted": notifications.notify_submitted,
    "changes_requested": notifications.notify_changes_requested,
    "approved": notifications.notify_approved,
    "withdrawn": notifications.notify_withdrawn,
}


@task()
def notify(*, kind: str, gallery_id: int, attempt: int = 0) -> str:
    """Mail the people a workflow step concerns; retried while the mail server is away."""
    try:
        NOTIFICATIONS[kind](gallery_id=gallery_id)
    except Exception:
        logger.exception("Mail about gallery %s (%s) could not be sent (attempt %s)", gallery_id, kind, attempt)
        if attempt < 8:
            retry_later(notify, attempt=attempt, kind=kind, gallery_id=gallery_id)
        raise
    return "sent"


def enqueue_render(*, photo_id: int) -> None:
    render_photo.enqueue(photo_id=photo_id)


@task()
def render_photo(*, photo_id: int, outage_since: str = "", outage_tries: int = 0) -> str:
    photo = _claim(photo_id)
    if photo is None:
        return "skipped"
    try:
        original = _read_original(photo)
    except StorageUnavailable as error:
        return _wait_for_storage(photo_id, error=error, since=outage_since, tries=outage_tries)
    try:
        result = imaging.render_image(
            original,
            max_pixels=settings.LOUPE_UPLOAD_MAX_PIXELS,
            focal=(photo.focal_x, photo.focal_y),
            redactions=_valid_redactions(photo.redactions),
            credit=photo.credit_line or (photo.photographer.name if photo.photographer else ""),
            copyright=photo.copyright,
        )
        signed = sign_rendered_files(photo=photo, original=original, files=result.files)
        written = [(file, _write_rendition(photo, file, identity=identity)) for file, identity in signed]
    except StorageUnavailable as error:
        return _wait_for_storage(photo_id, error=error, since=outage_since, tries=outage_tries)
    except imaging.ImageRejected as error:
        # The original itself is unusable: retrying cannot help.
        _fail(photo_id, reason=str(error), retry=False)
        return Photo.State.FAILED
    except Exception as error:
        logger.exception("Rendering photo %s failed", photo_id)
        return _fail(photo_id, reason=f"{type(error).__name__}: {error}", retry=True)
    if not _finish(photo_id, result=result, written=written, framing=_framing(photo)):
        return Photo.State.QUEUED
    return Photo.State.READY


def reframe_photo(*, photo: Photo, by, blur_changed: bool) -> int:
    """Make a photo's renditions again after someone changed its blur areas or focal point; returns 1 if queued.

    New blur areas hide someone, so when they change, the photo's public files come down as soon as the change
    commits rather than when the new renditions are ready; meanwhile its pages show the photo's place without
    an image. Call it in the transaction that saved the photo.
    """
    with transaction.atomic():
        record(
            photo,
            "photo.reframed",
            by=by,
            data={"blur_areas": len(photo.redactions or []), "focal_point": [photo.focal_x, photo.focal_y]},
        )
        if blur_changed:
            # Down at once after the commit; the job is the safety net if that attempt fails or dies.
            transaction.on_commit(partial(take_down_photos, photos=[photo.pk]), robust=True)
            enqueue_with_change(take_down, photo_ids=[photo.pk])
        # A photo a worker is rendering right now is skipped here; that job sees the change and queues another.
        return rerender_photos(photos=[photo])


def rerender_photos(*, photos: Iterable[Photo]) -> int:
    """Queue photos for fresh renditions; one a live worker is rendering right now is left alone.

    For the admin action and `manage.py rerender`. Returns how many were queued.
    """
    ids = [photo.pk for photo in photos]
    stale = timezone.now() - STALE_AFTER
    queued = []
    with transaction.atomic():
        for photo in Photo.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
            if photo.state == Photo.State.PROCESSING and photo.updated_at > stale:
                continue
            photo.state = Photo.State.QUEUED
            photo.state_reason = ""
            photo.render_attempts = 0
            photo.save(update_fields=["state", "state_reason", "render_attempts", "updated_at"])
            queued.append(photo.pk)
        for photo_id in queued:
            transaction.on_commit(partial(enqueue_render, photo_id=photo_id))
    return len(queued)


def stuck_photos():
    """Photos whose job was lost: queued or processing for longer than any job takes."""
    stale = timezone.now() - STALE_AFTER
    return Photo.objects.filter(state__in=[Photo.State.QUEUED, Photo.State.PROCESSING], updated_at__lt=stale)


def requeue_stuck_renders() -> int:
    """Put back in the queue the photos a killed worker left behind; fail those that keep killing theirs.

    The one rule `periodic`, `manage.py worker` and `rerender --stuck` share. A job held by a worker whose
    heartbeat stopped more than LOUPE_WORKER_LOST_SECONDS ago goes back in the queue at once (its photo too); without
    heartbeats (in-process tasks, a lost job row), a photo queued or processing for STALE_AFTER is. Each
    stuck photo is touched once per STALE_AFTER, so a long but healthy queue is not flooded with duplicates
    (a duplicate job would find the photo ready and skip it anyway). A photo whose render was cut short
    MAX_RENDER_ATTEMPTS times is marked failed. Returns how many photos were queued.
    """
    recovered = recover_abandoned_jobs()
    queued = []
    with transaction.atomic():
        for photo in stuck_photos().select_for_update(skip_locked=True).order_by("pk"):
            if _requeue_or_fail(photo):
                queued.append(photo.pk)
        for photo_id in queued:
            transaction.on_commit(partial(enqueue_render, photo_id=photo_id))
    queued += recovered
    if queued:
        logger.warning("Queued %s photo(s) again that a stopped worker left behind: %s", len(queued), queued)
    return len(queued)


def _requeue_or_fail(photo: Photo) -> bool:
    """Queue a photo whose render stopped; fail it once it has stopped MAX_RENDER_ATTEMPTS times."""
    if photo.state == Photo.State.PROCESSING and photo.render_attempts >= MAX_RENDER_ATTEMPTS:
        photo.state = Photo.State.FAILED
        photo.state_reason = (
            f"Rendering stopped without finishing {photo.render_attempts} times "
            "(the worker was killed, perhaps for lack of memory)."
        )
    else:
        photo.state = Photo.State.QUEUED
    photo.save(update_fields=["state", "state_reason", "updated_at"])
    return photo.state == Photo.State.QUEUED


def recover_abandoned_jobs(*, worker_ids: list[str] | None = None) -> list[int]:
    """Put back in the queue the jobs of workers that stopped beating (or of `worker_ids`, which a worker
    passes for its own jobs after losing the database mid-job). A render job's photo is queued again under
    the stuck rule's cap; other jobs simply run again, since every job here is idempotent. Returns the
    photos queued again."""
    if not queued_in_database():
        return []
    from django_tasks_db.models import DBTaskResult  # needs the app registry; settings may not install it

    now = timezone.now()
    lost = now - worker_lost_after()
    live = set(TaskWorker.objects.filter(seen_at__gte=lost).values_list("worker_id", flat=True))
    photos = []
    with transaction.atomic():
        for job in DBTaskResult.objects.running().select_for_update(skip_locked=True).order_by("started_at"):
            owner = job.worker_ids[-1] if job.worker_ids else ""
            if worker_ids is not None:
                if owner not in worker_ids:
                    continue
            elif owner in live or (job.started_at and job.started_at > lost):
                continue
            if job.task_path == render_photo.module_path:
                photo_id = (job.args_kwargs or {}).get("kwargs", {}).get("photo_id")
                photo = Photo.objects.select_for_update().filter(pk=photo_id, state=Photo.State.PROCESSING).first()
                # The photo gets a new job; this row is closed as failed.
                if photo is not None and _requeue_or_fail(photo):
                    photos.append(photo.pk)
                    enqueue_with_change(render_photo, photo_id=photo.pk)
                job.status = TaskResultStatus.FAILED
                job.finished_at = now
                job.exception_class_path = "galleries.tasks.WorkerLost"
                job.traceback = f"Worker {owner} stopped while rendering; photo {photo_id} handled by the stuck rule."
                job.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            else:
                job.status = TaskResultStatus.READY
                job.save(update_fields=["status"])
            logger.warning("Job %s (%s) of stopped worker %s is back in the queue", job.pk, job.task_path, owner)
    return photos


def _claim(photo_id: int) -> Photo | None:
    stale = timezone.now() - STALE_AFTER
    with transaction.atomic():
        photo = Photo.objects.select_for_update(of=("self",)).select_related("photographer").filter(pk=photo_id).first()
        if photo is None:
            return None
        busy = photo.state == Photo.State.PROCESSING and photo.updated_at > stale
        if photo.state in (Photo.State.READY, Photo.State.FAILED) or busy:
            return None
        photo.state = Photo.State.PROCESSING
        photo.render_attempts += 1
        photo.save(update_fields=["state", "render_attempts", "updated_at"])
    return photo


def _read_original(photo: Photo) -> bytes:
    try:
        with photo.original.open("rb") as original:
            return original.read()
    except FileNotFoundError:
        raise  # the photo's own fault: retrying will not bring it back
    except Exception as error:
        raise StorageUnavailable(f"{type(error).__name__}: {error}") from error


def _wait_for_storage(photo_id: int, *, error: StorageUnavailable, since: str, tries: int) -> str:
    """Queue the photo again with a growing delay while the storage is away, for LOUPE_STORAGE_RETRY_SECONDS;
    then mark it failed with STORAGE_OUTAGE, which periodic retries once the storage answers again."""
    now = timezone.now()
    started = timezone.datetime.fromisoformat(since) if since else now
    give_up = (now - started).total_seconds() >= settings.LOUPE_STORAGE_RETRY_SECONDS or not queued_in_database()
    logger.warning("Photo %s waits for storage (%s since %s): %s", photo_id, tries, started.isoformat(), error)
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo_id)
        # An outage is not the photo's fault: it does not count toward the three tries.
        photo.render_attempts = max(0, photo.render_attempts - 1)
        photo.state = Photo.State.FAILED if give_up else Photo.State.QUEUED
        photo.state_reason = f"{STORAGE_OUTAGE}: {error}"[:2000] + ("" if give_up else " (retrying)")
        photo.save(update_fields=["state", "state_reason", "render_attempts", "updated_at"])
        if not give_up:
            later = render_photo.using(run_after=now + timedelta(seconds=min(2**tries, 30)))
            transaction.on_commit(
                partial(later.enqueue, photo_id=photo_id, outage_since=started.isoformat(), outage_tries=tries + 1)
            )
    return photo.state


def retry_photos_failed_by_outage() -> int:
    """Queue again the photos that failed only because the storage was away, once it answers again."""
    failed = Photo.objects.filter(state=Photo.State.FAILED, state_reason__startswith=STORAGE_OUTAGE)
    if not failed.exists():
        return 0
    try:
        storages["originals"].exists("loupe-health-probe")
        storages["renditions"].exists("loupe-health-probe")
    except Exception:
        return 0  # still away
    return rerender_photos(photos=failed.order_by("pk"))


def _framing(photo: Photo) -> tuple:
    """What a render job read that decides its pixels beyond the original itself."""
    return (_valid_redactions(photo.redactions), photo.focal_x, photo.focal_y)


def _valid_redactions(redactions) -> list[tuple[float, float, float, float]]:
    valid = []
    for area in redactions or []:
        try:
            x, y, w, h = (float(area[key]) for key in "xywh") if isinstance(area, dict) else map(float, area)
        except (TypeError, ValueError, KeyError):
            continue
        valid.append((x, y, w, h))
    return valid


def rendition_name(photo: Photo, file: imaging.RenderedFile, *, identity: bytes = b"") -> str:
    # Named by the bytes, so a name is never reused for other content and can
    # be cached forever; the photo's hash is mixed in so two photos whose
    # renditions happen to match never share (and later delete) one file.
    # A signed file is named by what it shows and says (`identity`), not by its signature.
    digest = hashlib.sha256(photo.sha256.encode() + (identity or file.data)).hexdigest()[:40]
    return f"{digest[:2]}/{digest}.{file.extension}"


def _write_rendition(photo: Photo, file: imaging.RenderedFile, *, identity: bytes = b"") -> str:
    storage = storages["renditions"]
    name = rendition_name(photo, file, identity=identity)
    try:
        if not storage.exists(name):
            content = ContentFile(file.data)
            content.content_type = file.content_type
            saved = storage.save(name, content)
            if saved != name:
                # Two workers raced on the same bytes; one copy is enough.
                storage.delete(saved)
    except Exception as error:
        raise StorageUnavailable(f"{type(error).__name__}: {error}") from error
    return name


def _finish(photo_id: int, *, result: imaging.RenderResult, written: list, framing: tuple) -> bool:
    """Swap the photo's renditions for the new ones; False if the job was outdated and the photo queued again."""
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo_id)
        old = set(photo.renditions.values_list("name", flat=True))
        if _framing(photo) != framing:
            # Blur areas or the focal point changed while this job rendered: its files show the old ones.
            photo.state, photo.state_reason, photo.render_attempts = Photo.State.QUEUED, "", 0
            photo.save(update_fields=["state", "state_reason", "render_attempts", "updated_at"])
            unused = [name for _, name in written if name not in old]
            transaction.on_commit(partial(_delete_files, names=unused))
            transaction.on_commit(partial(enqueue_render, photo_id=photo_id))
            return False
        photo.renditions.all().delete()
        Rendition.objects.bulk_create(
            Rendition(
                photo=photo,
                purpose=file.purpose,
                format=file.format,
                width=file.width,
                height=file.height,
                name=name,
                size_bytes=len(file.data),
            )
            for file, name in written
        )
        looks_changed = old != {name for _, name in written} or photo.placeholder != result.placeholder
        photo.state = Photo.State.READY
        photo.state_reason = ""
        photo.placeholder = result.placeholder
        photo.dominant_color = result.dominant_color
        photo.save(update_fields=["state", "state_reason", "placeholder", "dominant_color", "updated_at"])
        kept = {name for _, name in written}
        enqueue_with_change(replace_public_files, photo_id=photo_id, changed=looks_changed, outdated=sorted(old - kept))
    return True


def _fail(photo_id: int, *, reason: str, retry: bool) -> str:
    with transaction.atomic():
        photo = Photo.objects.select_for_update().get(pk=photo_id)
        again = retry and photo.render_attempts < MAX_RENDER_ATTEMPTS
        photo.state = Photo.State.QUEUED if again else Photo.State.FAILED
        photo.state_reason = reason[:2000] + (f" (attempt {photo.render_attempts}, retrying)" if again else "")
        photo.save(update_fields=["state", "state_reason", "updated_at"])
        if again:
            transaction.on_commit(partial(enqueue_render, photo_id=photo_id))
    return photo.state


def _delete_files(*, names: list[str]) -> None:
    private, public = storages["renditions"], storages["default"]
    for name in names:
        private.delete(name)
        # Whatever the row said: a public copy may outlive a crash between copying and marking it.
        public.delete(name)
    if names:
        logger.info("Deleted %d outdated rendition files: %s", len(names), ", ".join(names))
