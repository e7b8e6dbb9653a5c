"""The upload path: bytes in, a Photo row and its private original out.

An original is written before its row, so a worker that finds the row always
finds the file. The reverse must hold too: no original outlives its row. A
photo commits in its own transaction, or inside `atomic_ingest()`, which
deletes on the way out every original whose row did not commit. What a crash
leaves between the write and the commit, `manage.py sweep_originals` removes.
"""

import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from galleries import imaging, provenance
from galleries.audit import record
from galleries.models import Photo, Photographer, originals_storage, web_url
from galleries.signing import credentials_fields, read_upload
from galleries.tasks import enqueue_render
from galleries.text import imported_text

logger = logging.getLogger(__name__)

# Imported values only ever fill these fields while they are empty.
PREFILLED_FIELDS = ("headline", "caption", "alt_text", "credit_line", "copyright", "taken_at", "place_name", "keywords")


# The originals written inside the innermost atomic_ingest() block, if one is open.
_written_originals: ContextVar[list[str] | None] = ContextVar("written_originals", default=None)


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
    credit_from_metadata: bool = True,
) -> IngestResult:
    """Store an upload as a private original and queue its renditions.

    The same bytes always give the same photo: a retry, a double click or a
    second editor gets the existing one back with created=False.

    The photo commits before this returns. Inside someone else's transaction
    Django refuses the call (its rollback would strand the file), unless that
    transaction is an `atomic_ingest()` block, which cleans up after itself.

    Without a `photographer`, the file's creator names the one credited, if one of that name exists; pass
    `credit_from_metadata=False` for uploaders who may not choose whom a photo credits (galleries.access).
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

    inspection = readable(inspection)
    metadata = inspection.metadata
    credentials = _read_credentials(data, inspection)
    if photographer is None and metadata.creator and credit_from_metadata:
        photographer = Photographer.objects.filter(name__iexact=metadata.creator.strip()).first()
    photo = Photo(
        sha256=sha256,
        original_format=inspection.format,
        file_size=len(data),
        width=inspection.width,
        height=inspection.height,
        original_filename=imported_text(filename.replace("\\", "/").rsplit("/", 1)[-1], one_line=True)[:255],
        uploaded_by=uploaded_by,
        photographer=photographer,
        imported_metadata=metadata.as_dict(),
        removed_metadata=inspection.removed,
        state=Photo.State.QUEUED,
        **credentials_fields(credentials),
    )
    prefill_photo(photo=photo, metadata=metadata)
    written = _written_originals.get()
    try:
        # Durable unless an atomic_ingest() block answers for the file: the row commits on the way out.
        with transaction.atomic(durable=written is None):
            photo.original.save("original", ContentFile(data), save=False)
            if written is not None:
                written.append(photo.original.name)
            photo.save()
            record(photo, "photo.uploaded", by=uploaded_by, to_state=photo.state, data={"sha256": sha256})
    except IntegrityError:
        _delete_original(photo)
        existing = Photo.objects.filter(sha256=sha256).first()
        if existing is None:
            raise
        return IngestResult(photo=existing, created=False)
    except BaseException:
        # Nothing half-made stays behind: the row is gone, so must the file be.
        _delete_original(photo)
        raise
    # Rendering waits for the commit: a worker must find the row and the file.
    transaction.on_commit(partial(_enqueue_render, photo_id=photo.pk))
    return IngestResult(photo=photo, created=True)


@contextmanager
def atomic_ingest() -> Iterator[None]:
    """An outermost transaction for work that ingests photos and must commit, or vanish, as a whole.

    Django has no hook for a rollback, so the block checks when it ends: every
    original written inside it whose row is not in the database (the block, or
    a savepoint inside it, rolled back) is deleted. Durable, because only the
    outermost block knows whether anything committed.
    """
    written: list[str] = []
    token = _written_originals.set(written)
    try:
        with transaction.atomic(durable=True):
            yield
    finally:
        _written_originals.reset(token)
        _delete_unreferenced(written)


def _delete_original(photo: Photo) -> None:
    if photo.original.name:
        photo.original.delete(save=False)


def _delete_unreferenced(names: list[str]) -> None:
    if not names:
        return
    try:
        kept = set(Photo.objects.filter(original__in=names).values_list("original", flat=True))
    except DatabaseError:
        # Unsure what committed: keep the files; sweep_originals removes any that are orphans.
        logger.exception("Could not check %d new originals after their transaction", len(names))
        return
    storage = originals_storage()
    for name in names:
        if name not in kept:
            storage.delete(name)


def unreferenced_originals(*, older_than: timedelta) -> Iterator[tuple[str, int]]:
    """Private originals that no photo references and that were last written before `older_than` ago.

    Yields (name, size). The age keeps the sweep away from an upload whose row
    is about to commit. Works on any storage with listdir (local files, S3).
    """
    storage = originals_storage()
    cutoff = timezone.now() - older_than
    batch: list[str] = []
    for name in _walk(storage, ""):
        batch.append(name)
        if len(batch) == 500:
            yield from _unreferenced(storage, batch, cutoff)
            batch = []
    yield from _unreferenced(storage, batch, cutoff)


def _walk(storage, directory: str) -> Iterator[str]:
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return  # a local storage nothing was ever written to
    prefix = f"{directory}/" if directory else ""
    for name in sorted(files):
        yield prefix + name
    for name in sorted(directories):
        yield from _walk(storage, prefix + name)


def _unreferenced(storage, names: list[str], cutoff) -> Iterator[tuple[str, int]]:
    if not names:
        return
    kept = set(Photo.objects.filter(original__in=names).values_list("original", flat=True))
    for name in names:
        if name in kept:
            continue
        try:
            if storage.get_modified_time(name) >= cutoff:
                continue
            size = storage.size(name)
        except FileNotFoundError:
            continue  # deleted meanwhile
        yield name, size


def readable(inspection: imaging.Inspection) -> imaging.Inspection:
    """What imaging read from a file, with its text as Loupe keeps it: the one place imported metadata is cleaned.

    Cameras pad fields with NULs and other controls, which PostgreSQL (in JSON too) and XML refuse; a caption
    written elsewhere may carry the invisible characters typed text loses.
    """
    metadata = inspection.metadata
    texts = {
        name: imported_text(getattr(metadata, name), one_line=name not in ("caption", "alt_text", "usage_terms"))
        for name in (f.name for f in fields(metadata))
        if isinstance(getattr(metadata, name), str)
    }
    keywords = (imported_text(word, one_line=True) for word in metadata.keywords)
    return replace(
        inspection,
        metadata=replace(metadata, **texts, keywords=list(dict.fromkeys(word for word in keywords if word))),
        removed=[imported_text(line, one_line=True) for line in inspection.removed],
    )


def prefill_photo(*, photo: Photo, metadata: imaging.ImportedMetadata) -> list[str]:
    """Fill the photo's empty fields from the file; what a person typed always wins."""
    filled = []
    for name in PREFILLED_FIELDS:
        value = getattr(metadata, name)
        if value and not getattr(photo, name):
            setattr(photo, name, value)
            filled.append(name)
    if not photo.rights_category and not photo.rights_restrictions and not photo.rights_statement_url:
        for name, value in usage_rights(metadata).items():
            setattr(photo, name, value)
            filled.append(name)
    return filled


# creativecommons.org/licenses/by-nc-sa/4.0/ and publicdomain/zero/1.0/, however the address is written.
_CC_LICENCE = re.compile(r"creativecommons\.org/licenses/([a-z-]+)/([0-9.]+)", re.IGNORECASE)
_CC_ZERO = re.compile(r"creativecommons\.org/publicdomain/zero/([0-9.]+)", re.IGNORECASE)
_PUBLIC_DOMAIN_MARK = re.compile(r"creativecommons\.org/publicdomain/mark/", re.IGNORECASE)


def usage_rights(metadata: imaging.ImportedMetadata) -> dict:
    """The usage-rights fields a file's metadata states: its licence, statement of rights and usage terms.

    A Creative Commons address (the licence, or a Web Statement of Rights pointing at one) gives the category,
    licence and version; a public domain mark or `xmpRights:Marked` False, the public domain. Usage terms become
    the restrictions, and make the photo's cost conditional until an editor says otherwise.
    """
    rights: dict = {}
    statement = web_url(metadata.web_statement)
    if statement:
        rights["rights_statement_url"] = statement
    addresses = " ".join(filter(None, [metadata.licence_url, metadata.web_statement]))
    if (licence := _CC_LICENCE.search(addresses)) and licence.group(1).lower() in Photo.CreativeCommons.values:
        rights |= {
            "rights_category": Photo.RightsCategory.CREATIVE_COMMONS,
            "cc_licence": licence.group(1).lower(),
            "cc_version": licence.group(2)[:8],
        }
    elif zero := _CC_ZERO.search(addresses):
        rights |= {
            "rights_category": Photo.RightsCategory.CREATIVE_COMMONS,
            "cc_licence": Photo.CreativeCommons.CC0,
            "cc_version": zero.group(1)[:8],
        }
    elif _PUBLIC_DOMAIN_MARK.search(addresses) or metadata.rights_marked.lower() == "false":
        rights["rights_category"] = Photo.RightsCategory.PUBLIC_DOMAIN
    if metadata.usage_terms:
        rights["rights_restrictions"] = metadata.usage_terms
        if rights.get("rights_category") not in (
            Photo.RightsCategory.CREATIVE_COMMONS,
            Photo.RightsCategory.PUBLIC_DOMAIN,
        ):
            rights["rights_cost"] = Photo.Cost.CONDITIONAL
    return rights


def _read_credentials(data: bytes, inspection: imaging.Inspection) -> provenance.Credentials:
    try:
        credentials = read_upload(
            data=data, image_format=inspection.format, xmp_source_type=inspection.metadata.digital_source_type
        )
    except provenance.ManifestRejected as error:
        raise UploadRejected(str(error)) from error
    # Signers, tools and titles come from the file: cleaned here like every other imported text.
    steps = [
        replace(step, **{name: imported_text(getattr(step, name), one_line=True) for name in _STEP_TEXTS})
        for step in credentials.steps
    ]
    return replace(
        credentials,
        problem=imported_text(credentials.problem, one_line=True),
        steps=steps,
        ingredients=[imported_text(title, one_line=True) for title in credentials.ingredients],
    )


_STEP_TEXTS = ("signer", "issuer", "generator", "device", "signed_at")


def _enqueue_render(*, photo_id: int) -> None:
    enqueue_render(photo_id=photo_id)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
