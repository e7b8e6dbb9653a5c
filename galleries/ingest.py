"""The upload path: bytes in, a Photo row and its private original out."""

import hashlib
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from galleries import imaging
from galleries.models import Photo
from newsroom.audit import record
from newsroom.models import Photographer

logger = logging.getLogger(__name__)

# Imported values only ever fill these fields while they are empty.
PREFILLED_FIELDS = ("headline", "caption", "alt_text", "credit_line", "copyright", "taken_at", "place_name", "keywords")


class UploadRejected(ValueError):
    """The upload cannot become a photo; str() is a message for the person who sent it."""


@dataclass(frozen=True)
class IngestResult:
    photo: Photo
    created: bool


def ingest_photo(
    *,
    data: bytes,
    filename: str = "",
    uploaded_by=None,
    photographer: Photographer | None = None,
    max_bytes: int | None = None,
) -> IngestResult:
    """Store an upload as a private original and queue its renditions.

    The same bytes always give the same photo: a retry, a double click or a
    second editor gets the existing one back with created=False.
    """
    max_bytes = settings.LOUPE_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
    if not data:
        raise UploadRejected("The file is empty.")
    if len(data) > max_bytes:
        raise UploadRejected(f"The file is {_megabytes(len(data))}; the limit is {_megabytes(max_bytes)}.")
    sha256 = hashlib.sha256(data).hexdigest()
    existing = Photo.objects.filter(sha256=sha256).first()
    if existing is not None:
        return IngestResult(photo=existing, created=False)
    try:
        inspection = imaging.inspect_image(
            data, max_pixels=settings.LOUPE_UPLOAD_MAX_PIXELS, min_side=settings.LOUPE_UPLOAD_MIN_SIDE
        )
    except imaging.ImageRejected as error:
        raise UploadRejected(str(error)) from error

    metadata = inspection.metadata
    if photographer is None and metadata.creator:
        photographer = Photographer.objects.filter(name__iexact=metadata.creator.strip()).first()
    photo = Photo(
        sha256=sha256,
        original_format=inspection.format,
        file_size=len(data),
        width=inspection.width,
        height=inspection.height,
        original_filename=filename.replace("\\", "/").rsplit("/", 1)[-1][:255],
        uploaded_by=uploaded_by,
        photographer=photographer,
        imported_metadata=metadata.as_dict(),
        removed_metadata=inspection.removed,
        state=Photo.State.QUEUED,
    )
    prefill_photo(photo=photo, metadata=metadata)
    photo.original.save("original", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            photo.save()
            record(photo, "photo.uploaded", by=uploaded_by, to_state=photo.state, data={"sha256": sha256})
    except IntegrityError:
        photo.original.delete(save=False)
        existing = Photo.objects.filter(sha256=sha256).first()
        if existing is None:
            raise
        return IngestResult(photo=existing, created=False)
    except BaseException:
        # Nothing half-made stays behind: the row is gone, so must the file be.
        photo.original.delete(save=False)
        raise
    # Rendering waits for the commit: a worker must find the row and the file.
    transaction.on_commit(partial(_enqueue_render, photo_id=photo.pk))
    return IngestResult(photo=photo, created=True)


def prefill_photo(*, photo: Photo, metadata: imaging.ImportedMetadata) -> list[str]:
    """Fill the photo's empty fields from the file; what a person typed always wins."""
    filled = []
    for name in PREFILLED_FIELDS:
        value = getattr(metadata, name)
        if value and not getattr(photo, name):
            setattr(photo, name, value)
            filled.append(name)
    return filled


def _enqueue_render(*, photo_id: int) -> None:
    from galleries.tasks import enqueue_render

    enqueue_render(photo_id=photo_id)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
