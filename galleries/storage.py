"""Storages that fail cleanly: whole files or none, and a start-up check that names what is wrong."""

import contextlib
import os
import tempfile
import uuid

from django.core import checks
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, storages

PROBE_NAME = "loupe-health-probe"


class _Staged(File):
    """A file already written in full beside its destination, which Django's storage then only renames."""

    def __init__(self, path: str):
        super().__init__(None, name=os.path.basename(path))
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


class WholeFileSystemStorage(FileSystemStorage):
    """FileSystemStorage that never leaves a partial file under a stored name.

    Each file is written to a temporary name in the same folder and renamed into place only once it is
    complete, so a full disk or a killed process leaves no 0-byte or truncated original behind.
    """

    def _save(self, name, content):
        directory = os.path.dirname(self.path(name))
        os.makedirs(directory, exist_ok=True)
        descriptor, staging = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            with os.fdopen(descriptor, "wb") as staged:
                for chunk in content.chunks():
                    staged.write(chunk if isinstance(chunk, bytes) else chunk.encode())
            return super()._save(name, _Staged(staging))
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(staging)


def storage_problems() -> list[str]:
    """Why a storage Loupe needs cannot be used, one sentence each naming it; empty when all are usable."""
    problems = []
    for alias in ("originals", "renditions", "default"):
        storage = storages[alias]
        location = getattr(storage, "location", None)
        bucket = getattr(storage, "bucket_name", None)
        if isinstance(storage, FileSystemStorage):
            probe = os.path.join(location, f".{PROBE_NAME}-{uuid.uuid4().hex}")
            try:
                os.makedirs(location, exist_ok=True)
                with open(probe, "wb") as file:
                    file.write(b"ok")
                os.unlink(probe)
            except OSError as error:
                problems.append(f"The {alias} folder {location} is not writable: {error.strerror or error}.")
        elif bucket:
            try:
                storage.connection.meta.client.head_bucket(Bucket=bucket)
            except Exception as error:
                code = (getattr(error, "response", None) or {}).get("Error", {}).get("Code", "")
                if code in {"404", "NoSuchBucket", "403", "AccessDenied"}:
                    problems.append(f"The {alias} bucket {bucket!r} does not exist or is not Loupe's ({code}).")
                # Unreachable is an outage, not a configuration error: Loupe starts and waits for it.
    return problems


@checks.register(checks.Tags.files)
def check_storages(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [checks.Error(problem, id="loupe.E001") for problem in storage_problems()]
