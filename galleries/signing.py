"""Content Credentials glued to Loupe: the newsroom's signing key, the trust anchors uploads are checked against,
and the manifest every public file of a photo carries (galleries.provenance does the reading and signing)."""

import hashlib
import logging
import os
import re
import shutil
import tempfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core import checks

from galleries import imaging, provenance
from galleries.models import Photo

logger = logging.getLogger(__name__)

GENERATOR = "Loupe"
DEVELOPMENT_FOLDER = "c2pa-development"


class Mode:
    OFF = "off"
    CONFIGURED = "configured"
    DEVELOPMENT = "development"


def signing_mode() -> str:
    if not settings.LOUPE_C2PA_SIGNING:
        return Mode.OFF
    return Mode.CONFIGURED if settings.LOUPE_C2PA_CERT_CHAIN else Mode.DEVELOPMENT


def signing_key() -> provenance.SigningKey | None:
    """The key public files are signed with; None when signing is off."""
    mode = signing_mode()
    if mode == Mode.OFF:
        return None
    if mode == Mode.CONFIGURED:
        chain, key = settings.LOUPE_C2PA_CERT_CHAIN, settings.LOUPE_C2PA_PRIVATE_KEY
    else:
        folder = development_chain(Path(settings.DATA_DIR) / DEVELOPMENT_FOLDER)
        chain, key = str(folder / "chain.pem"), str(folder / "key.pem")
    return _read_key(chain, key, settings.LOUPE_C2PA_ALGORITHM, settings.LOUPE_C2PA_TIMESTAMP_URL)


@lru_cache(maxsize=4)
def _read_key(chain: str, key: str, algorithm: str, timestamp_url: str) -> provenance.SigningKey:
    return provenance.SigningKey(
        chain=Path(chain).read_bytes(),
        private_key=Path(key).read_bytes(),
        algorithm=algorithm,
        timestamp_url=timestamp_url,
    )


def development_chain(folder: Path) -> Path:
    """The development test chain's folder (chain.pem, key.pem, root.pem), made once.

    Made whole in a staging folder and renamed into place, so two processes starting together never pair one's
    key with the other's certificate: the first rename wins and the other uses what it finds.
    """
    if (folder / "key.pem").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".c2pa-"))
    try:
        chain, key, root = provenance.make_test_chain(organization=f"{settings.LOUPE_C2PA_PUBLISHER} (test)")
        (staging / "chain.pem").write_bytes(chain)
        (staging / "root.pem").write_bytes(root)
        descriptor = os.open(staging / "key.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(key)
        try:
            staging.rename(folder)
            logger.warning("Made a development signing chain in %s: readers' tools will call it untrusted.", folder)
        except OSError:
            pass  # another process made it first
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def trust_anchors() -> str:
    """The roots an upload's signer must chain to for its credentials to count as valid (PEM), if configured."""
    path = settings.LOUPE_C2PA_TRUST_ANCHORS
    return _read_text(path) if path else ""


@lru_cache(maxsize=4)
def _read_text(path: str) -> str:
    return Path(path).read_text()


# --- Reading uploads ---------------------------------------------------------------------------------------


def read_upload(*, data: bytes, image_format: str, xmp_source_type: str) -> provenance.Credentials:
    """What an upload's Content Credentials say (raises provenance.ManifestRejected for hostile ones)."""
    return provenance.read_credentials(
        data,
        mime=provenance.mime_type(image_format),
        trust_anchors=trust_anchors(),
        xmp_source_type=xmp_source_type,
    )


def credentials_fields(credentials: provenance.Credentials) -> dict:
    """The Photo fields an upload's credentials fill."""
    return {
        "credentials": credentials.as_dict(),
        "credentials_state": credentials.state,
        "digital_source_type": credentials.source_type,
    }


# --- Signing public files ------------------------------------------------------------------------------------


def sign_rendered_files(
    *, photo: Photo, original: bytes, files: list[imaging.RenderedFile]
) -> list[tuple[imaging.RenderedFile, bytes]]:
    """The rendered files of `photo`, each signed with the newsroom's key (unchanged when signing is off), with
    what names it: the pixels and what the manifest says, without the signature, which differs at every signing,
    so rendering the same photo again keeps its file names.

    The incoming manifest travels as the parent only when nothing in it can leak (see parent_to_carry); a
    blurred photo never carries its original in any form, only a sentence saying it is withheld.
    """
    key = signing_key()
    if key is None:
        return [(file, file.data) for file in files]
    carry = parent_to_carry(photo)
    publication = publication_for(photo, carried=carry)
    original_mime = provenance.mime_type(photo.original_format)
    forbidden = [photo.original_filename] if photo.original_filename else []
    said = hashlib.sha256(repr((publication, carry, key.chain)).encode()).hexdigest().encode()
    signed = []
    for file in files:
        actions = provenance.publication_actions(
            publication=publication, purpose=file.purpose, out_format=file.format, original_mime=original_mime
        )
        title = f"{publication.publisher} photo {photo.pk} ({file.purpose}, {file.width}px)"
        data = _sign(file, publication, actions, title, key, original if carry else b"", original_mime)
        if carry and provenance.leaked_markers(data, forbidden=forbidden):
            # Belt and braces: whatever the summary missed, the original's manifest does not go out.
            data = _sign(file, replace(publication, parent_note=_WITHHELD_NOTE), actions, title, key, b"", "")
        leaked = provenance.leaked_markers(data, forbidden=forbidden)
        if leaked:
            raise RuntimeError(f"A signed public file of photo {photo.pk} would carry {', '.join(leaked)}.")
        signed.append((replace(file, data=data), file.data + said))
    return signed


_WITHHELD_NOTE = "The photographer's original; its Content Credentials stay with the publisher."


def _sign(file, publication, actions, title, key, parent: bytes, parent_mime: str) -> bytes:
    definition = provenance.manifest_definition(
        publication=publication, actions=actions, title=title, carried_parent=bool(parent)
    )
    return provenance.sign_image(
        file.data, mime=file.content_type, definition=definition, key=key, parent=parent, parent_mime=parent_mime
    )


def parent_to_carry(photo: Photo) -> bool:
    """Whether the original's own manifest may travel inside public files: only for an unblurred photo whose
    credentials verify (or are merely untrusted) and hold no location, serial number, thumbnail or file name."""
    if photo.redactions:
        return False
    if photo.credentials_state not in (Photo.CredentialsState.VALID, Photo.CredentialsState.UNTRUSTED):
        return False
    credentials = provenance.Credentials.from_dict(photo.credentials)
    return not credentials.leaks


def publication_for(photo: Photo, *, carried: bool) -> provenance.Publication:
    credit = photo.credit_line or (photo.photographer.name if photo.photographer else "")
    if photo.redactions:
        note = "The photographer's original is withheld: parts of it are blurred to protect people shown."
    elif carried or photo.credentials_state == Photo.CredentialsState.NONE:
        note = "The photographer's original, kept by the publisher."
    elif photo.credentials_state == Photo.CredentialsState.INVALID:
        note = "The photographer's original; its Content Credentials did not verify."
    else:
        note = _WITHHELD_NOTE
    return provenance.Publication(
        publisher=settings.LOUPE_C2PA_PUBLISHER,
        generator=GENERATOR,
        credit=credit,
        copyright=photo.copyright,
        source_type=photo.digital_source_type,
        blurred_areas=len(photo.redactions or []),
        colour_converted_from=_converted_profile(photo.removed_metadata),
        parent_note=note,
    )


def _converted_profile(removed: list) -> str:
    for line in removed or []:
        found = re.fullmatch(r"colour profile (.+) \(converted to sRGB\)", str(line))
        if found:
            return found.group(1)
    return ""


# --- What check --deploy says ----------------------------------------------------------------------------------


@checks.register(checks.Tags.security)
def check_signing_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A certificate and key that cannot sign stop the start, not the first render."""
    if signing_mode() != Mode.CONFIGURED:
        return []
    try:
        certificate = x509.load_pem_x509_certificates(Path(settings.LOUPE_C2PA_CERT_CHAIN).read_bytes())[0]
        key = serialization.load_pem_private_key(Path(settings.LOUPE_C2PA_PRIVATE_KEY).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        return [
            checks.Error(
                f"Content Credentials: the certificate chain or private key cannot be read: {error}", id="loupe.E010"
            )
        ]
    der, spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(der, spki) != certificate.public_key().public_bytes(der, spki):
        return [
            checks.Error(
                "Content Credentials: LOUPE_C2PA_PRIVATE_KEY is not the key of the first certificate in "
                "LOUPE_C2PA_CERT_CHAIN: nothing could be signed.",
                id="loupe.E011",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_signing(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Which way public files are signed, for whoever deploys."""
    mode = signing_mode()
    if mode == Mode.OFF:
        return [
            checks.Info(
                "Content Credentials: public files are published unsigned (LOUPE_C2PA_SIGNING=false).",
                id="loupe.I010",
            )
        ]
    if mode == Mode.DEVELOPMENT:
        return [
            checks.Warning(
                "Content Credentials: public files are signed with a development test certificate made under "
                "LOUPE_DATA_DIR; readers' tools report it as untrusted.",
                hint="Set LOUPE_C2PA_CERT_CHAIN and LOUPE_C2PA_PRIVATE_KEY (docs/provenance.md).",
                id="loupe.W010",
            )
        ]
    if check_signing_key():
        return []  # the key check has said what is wrong
    certificate = x509.load_pem_x509_certificates(Path(settings.LOUPE_C2PA_CERT_CHAIN).read_bytes())[0]
    return [
        checks.Info(
            f"Content Credentials: public files are signed as {certificate.subject.rfc4514_string()}, "
            f"certificate valid until {certificate.not_valid_after_utc:%Y-%m-%d}.",
            id="loupe.I011",
        )
    ]
