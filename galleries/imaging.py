"""The Pillow pipeline: validate uploads, read their metadata, render clean renditions.

Pure on purpose: bytes and limits in, images and facts out. Nothing here knows
about models, storages or settings, so the upload path, the render task and
the benchmark all call the same code.
"""

import base64
import io
import math
import os
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from xml.sax.saxutils import escape

import pillow_heif
from PIL import Image, ImageCms, ImageFile, ImageFilter, IptcImagePlugin, UnidentifiedImageError

pillow_heif.register_heif_opener()

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF", "AVIF", "TIFF")
ACCEPTED_DESCRIPTION = "JPEG, PNG, WebP, HEIC/HEIF, AVIF or TIFF"
# Pillow names a JPEG that carries more pictures after the first (phones' depth maps, stereo pairs) MPO.
JPEG_FORMATS = ("JPEG", "MPO")
RESPONSIVE_WIDTHS = (320, 640, 960, 1280, 1920, 2560)
RENDITION_FORMATS = ("avif", "webp", "jpeg")
SOCIAL_SIZE = (1200, 630)
CONTENT_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg"}
EXTENSIONS = {"avif": "avif", "webp": "webp", "jpeg": "jpg"}

# Encoder settings, chosen with bench/renditions.py. JPEG and WebP keep libjpeg's and
# libwebp's default effort (WebP method 4): lower methods are faster but lose SSIM against
# it, higher ones cost twice the time for a few percent of bytes. AVIF at speed 9 costs a
# fifth of speed 8 on detailed photos for about 1% more bytes at the same SSIM; one thread
# per encoder, because renditions are encoded side by side (RENDER_THREADS) instead.
JPEG_OPTIONS = {"quality": 82, "progressive": True}
WEBP_OPTIONS = {"quality": 80, "method": 4}
AVIF_OPTIONS = {"quality": 60, "speed": 9, "max_threads": 1}

# The encoders and resampling release the GIL, so widths are encoded in parallel threads.
RENDER_THREADS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)

# Even a flat grey JPEG needs about a bit per 8 pixels; a photo needs far more.
# A file below a bit per 128 pixels is lying about its size.
JPEG_MIN_BYTES_PER_PIXEL = 1024

DRAFT_MARGIN = 2.0
# resize() first box-reduces by whole factors while this much reduction is left for LANCZOS.
REDUCING_GAP = 3.0

ORIENTATION_TAG = 0x0112
_TRANSPOSE = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_270],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_90],
}

_SRGB = ImageCms.createProfile("sRGB")


class ImageRejected(ValueError):
    """The file cannot become a photo; str() tells the uploader why, in plain words."""


@dataclass(frozen=True)
class ImportedMetadata:
    headline: str = ""
    caption: str = ""
    alt_text: str = ""
    creator: str = ""
    credit_line: str = ""
    copyright: str = ""
    taken_at: datetime | None = None
    place_name: str = ""
    keywords: list[str] = field(default_factory=list)
    # Rights as the file states them: XMP's Web Statement of Rights and Usage Terms (IPTC-IIM's Special
    # Instructions where XMP has none), a Creative Commons licence address, and whether rights are claimed.
    web_statement: str = ""
    usage_terms: str = ""
    licence_url: str = ""
    rights_marked: str = ""
    digital_source_type: str = ""

    def as_dict(self) -> dict:
        """The non-empty values, JSON-ready, for Photo.imported_metadata."""
        values = asdict(self)
        if self.taken_at is not None:
            values["taken_at"] = self.taken_at.isoformat()
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class Inspection:
    format: str
    width: int
    height: int
    frames: int
    metadata: ImportedMetadata
    removed: list[str]


@dataclass(frozen=True)
class RenderedFile:
    purpose: str
    format: str
    width: int
    height: int
    data: bytes

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


@dataclass(frozen=True)
class RenderResult:
    width: int
    height: int
    files: list[RenderedFile]
    placeholder: str
    dominant_color: str


# --- Opening and validating ------------------------------------------------


def open_image(data: bytes, *, max_pixels: int, min_side: int = 1) -> Image.Image:
    """Open from the header only and enforce the limits before any pixel is decoded."""
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below is the one that applies.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as error:
        raise ImageRejected(f"The image is too large: {error}") from error
    except UnidentifiedImageError as error:
        raise ImageRejected(f"This is not an image Loupe accepts. Upload a {ACCEPTED_DESCRIPTION} file.") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRejected(f"The image is damaged and cannot be read ({error}).") from error
    width, height = image.size
    frames = getattr(image, "n_frames", 1)
    if width * height * frames > max_pixels:
        image.close()
        megapixels = width * height * frames / 1_000_000
        raise ImageRejected(
            f"The image is too large: {width}x{height} pixels"
            + (f" in {frames} frames" if frames > 1 else "")
            + f" ({megapixels:.0f} MP); the limit is {max_pixels / 1_000_000:.0f} MP."
        )
    if image.format in JPEG_FORMATS and len(data) * JPEG_MIN_BYTES_PER_PIXEL < width * height:
        # libjpeg fills a picture whose data ends early with grey instead of failing.
        image.close()
        raise ImageRejected(
            f"The image is damaged: its header claims {width}x{height} pixels, far more than its "
            f"{len(data) // 1024} KB can hold."
        )
    if min(width, height) < min_side:
        image.close()
        raise ImageRejected(f"The image is too small: {width}x{height} pixels; each side needs {min_side} or more.")
    return image


def _decode(image: Image.Image, *, draft_size: tuple[int, int] | None = None) -> None:
    if image.format in JPEG_FORMATS and draft_size is not None:
        # DCT scaling still entropy-decodes every block, so truncation is caught
        # while the pixels cost a fraction of a full decode.
        image.draft(image.mode, draft_size)
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        if previous:
            ImageFile.LOAD_TRUNCATED_IMAGES = False
        image.load()
    except Image.DecompressionBombError as error:
        raise ImageRejected(f"The image is too large: {error}") from error
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as error:
        raise ImageRejected(f"The image is truncated or damaged and cannot be decoded ({error}).") from error
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def upright_size(image: Image.Image) -> tuple[int, int]:
    width, height = image.size
    if _orientation(image) in (5, 6, 7, 8):
        return height, width
    return width, height


def inspect_image(data: bytes, *, max_pixels: int, min_side: int = 1) -> Inspection:
    """Validate an upload completely (decoding it) and read what it says about itself."""
    with open_image(data, max_pixels=max_pixels, min_side=min_side) as image:
        width, height = upright_size(image)
        frames = getattr(image, "n_frames", 1)
        fmt = image.format
        # Decoding first: some readers (PNG's eXIf after the pixels) load lazily while reading metadata.
        _decode(image, draft_size=(max(1, image.width // 8), max(1, image.height // 8)))
        metadata = read_metadata(image)
        removed = removal_receipt(image, data)
    if fmt == "PNG":
        # The checksums of every chunk, which decoding alone does not look at.
        try:
            with Image.open(io.BytesIO(data), formats=["PNG"]) as check:
                check.verify()
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise ImageRejected(f"The image is damaged and cannot be read ({error}).") from error
    return Inspection(format=fmt, width=width, height=height, frames=frames, metadata=metadata, removed=removed)


# --- Metadata ---------------------------------------------------------------

_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "exifEX": "http://cipa.jp/exif/1.0/",
    "aux": "http://ns.adobe.com/exif/1.0/aux/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "cc": "http://creativecommons.org/ns#",
}
_XMP_FIELDS = {
    "headline": ["photoshop:Headline", "dc:title"],
    "caption": ["dc:description"],
    "alt_text": ["Iptc4xmpCore:AltTextAccessibility"],
    "creator": ["dc:creator"],
    "credit_line": ["photoshop:Credit"],
    "copyright": ["dc:rights"],
    "taken_at": ["photoshop:DateCreated", "exif:DateTimeOriginal", "xmp:CreateDate"],
    "city": ["photoshop:City"],
    "sublocation": ["Iptc4xmpCore:Location"],
    "state": ["photoshop:State"],
    "country": ["photoshop:Country"],
    "keywords": ["dc:subject"],
    "web_statement": ["xmpRights:WebStatement"],
    "usage_terms": ["xmpRights:UsageTerms"],
    "licence_url": ["cc:license"],
    "rights_marked": ["xmpRights:Marked"],
    "digital_source_type": ["Iptc4xmpExt:DigitalSourceType"],
}
_IPTC_FIELDS = {
    "headline": [(2, 105)],
    "caption": [(2, 120)],
    "creator": [(2, 80)],
    "credit_line": [(2, 110)],
    "copyright": [(2, 116)],
    "city": [(2, 90)],
    "sublocation": [(2, 92)],
    "state": [(2, 95)],
    "country": [(2, 101)],
    "keywords": [(2, 25)],
    "usage_terms": [(2, 40)],
}


_PLACE_PARTS = ("sublocation", "city", "state", "country")
_IPTC_PLACE_KEYS = {key for part in _PLACE_PARTS for key in _IPTC_FIELDS[part]}


def _qualified(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


def _xmp_bytes(image: Image.Image) -> bytes:
    for key in ("xmp", "XML:com.adobe.xmp"):
        value = image.info.get(key)
        if value:
            return value.encode() if isinstance(value, str) else bytes(value)
    if image.format == "TIFF":
        value = getattr(image, "tag_v2", {}).get(700)
        if value:
            return value if isinstance(value, bytes) else str(value).encode()
    return b""


def _parse_xmp(raw: bytes) -> ET.Element | None:
    if not raw:
        return None
    start, end = raw.find(b"<x:xmpmeta"), raw.rfind(b"</x:xmpmeta>")
    if start == -1:
        start, end = raw.find(b"<rdf:RDF"), raw.rfind(b"</rdf:RDF>") + len(b"</rdf:RDF>") - len(b"</x:xmpmeta>")
    if start == -1 or end < start or b"<!ENTITY" in raw or b"<!DOCTYPE" in raw:
        # No entity declarations: expat would expand them, and XMP never needs them.
        return None
    try:
        return ET.fromstring(raw[start : end + len(b"</x:xmpmeta>")])  # noqa: S314 - DTDs refused above
    except ET.ParseError:
        return None


def _xmp_values(root: ET.Element, name: str) -> list[str]:
    qualified = _qualified(name)
    values: list[str] = []
    for description in root.iter(_qualified("rdf:Description")):
        if qualified in description.attrib:
            values.append(description.attrib[qualified])
        for element in description.findall(qualified):
            items = element.findall(".//" + _qualified("rdf:li"))
            if items:
                default = [li for li in items if li.get("{http://www.w3.org/XML/1998/namespace}lang") == "x-default"]
                values.extend((li.text or "") for li in (default or items))
            elif element.text and element.text.strip():
                values.append(element.text)
            elif element.get(_qualified("rdf:resource")):
                values.append(element.get(_qualified("rdf:resource")))
    return [value.strip() for value in values if value and value.strip()]


def _iptc_values(iptc: dict, key: tuple[int, int], charset: str) -> list[str]:
    value = iptc.get(key)
    if value is None:
        return []
    raw = value if isinstance(value, list) else [value]
    values = []
    for item in raw:
        try:
            text = item.decode(charset)
        except UnicodeDecodeError:
            text = item.decode("latin-1")
        if text.strip():
            values.append(text.strip())
    return values


def _iptc(image: Image.Image) -> dict:
    try:
        return IptcImagePlugin.getiptcinfo(image) or {}
    except Exception:  # A damaged IPTC block is ignored, as photo tools do.
        return {}


def _parse_date(text: str) -> datetime | None:
    text = text.strip()
    for pattern, fmt in (
        (r"^\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}$", "%Y:%m:%d %H:%M:%S"),
        (r"^\d{8}$", "%Y%m%d"),
    ):
        if re.match(pattern, text):
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=UTC)
            except ValueError:
                return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _utc_offset(sign: str, hours: str, minutes: str) -> timezone | None:
    """A UTC offset as metadata writes it, or None for one no place has (the widest are -12:00 and +14:00)."""
    if int(hours) > 14 or int(minutes) > 59:
        return None
    return timezone(timedelta(hours=int(hours), minutes=int(minutes)) * (1 if sign == "+" else -1))


def _iptc_date(iptc: dict) -> datetime | None:
    date = _iptc_values(iptc, (2, 55), "ascii")
    if not date:
        return None
    parsed = _parse_date(date[0])
    time = _iptc_values(iptc, (2, 60), "ascii")
    match = re.match(r"^(\d{2})(\d{2})(\d{2})([+-])(\d{2})(\d{2})$", time[0]) if time and parsed else None
    if match and parsed:
        hh, mm, ss, sign, oh, om = match.groups()
        offset = _utc_offset(sign, oh, om)
        if offset is not None and int(hh) < 24 and int(mm) < 60 and int(ss) < 60:
            parsed = parsed.replace(hour=int(hh), minute=int(mm), second=int(ss), tzinfo=offset)
    return parsed


def _plausible_capture_time(taken: datetime | None) -> datetime | None:
    """`taken` if a photo can have been taken then: after the first photograph, and not days from now."""
    if taken is None:
        return None
    try:
        utc = taken.astimezone(UTC)
    except OverflowError:  # 9999-12-31 in a zone west of UTC is past the last date Python (and Loupe) can hold
        return None
    return taken if datetime(1826, 1, 1, tzinfo=UTC) <= utc <= datetime.now(UTC) + timedelta(days=2) else None


def _exif_parts(value) -> list[str]:
    """The NUL-ended strings of an EXIF text value, decoded."""
    if value is None:
        return []
    if isinstance(value, bytes):
        if value[:8] in (b"ASCII\0\0\0", b"UNICODE\0"):
            encoding = "utf-16" if value[:8] == b"UNICODE\0" else "ascii"
            value = value[8:].decode(encoding, "replace")
        else:
            value = value.decode("utf-8", "replace")
    return [part.strip() for part in str(value).split("\0")]


def _exif_text(value) -> str:
    # EXIF text ends at its first NUL; whatever follows is padding or leftovers of an earlier value.
    return next(iter(_exif_parts(value)), "")


def _exif_copyright(value) -> str:
    # Two notices, each ended by a NUL: the photographer's, then the editor's (after a lone space if only
    # the editor's is given).
    return "; ".join(part for part in _exif_parts(value) if part)


def read_metadata(image: Image.Image) -> ImportedMetadata:
    """XMP first, then IPTC-IIM, then EXIF: the first source that has a value wins."""
    found: dict[str, object] = {}
    root = _parse_xmp(_xmp_bytes(image))
    if root is not None:
        for name, keys in _XMP_FIELDS.items():
            for key in keys:
                values = _xmp_values(root, key)
                if values:
                    found[name] = values if name == "keywords" else values[0]
                    break
    iptc = _iptc(image)
    if iptc and any(found.get(part) for part in _PLACE_PARTS):
        # A place is one statement: never a city from one source and a country from another.
        iptc = {key: value for key, value in iptc.items() if key not in _IPTC_PLACE_KEYS}
    if iptc:
        # Most writers use UTF-8 whether or not they declare it; latin-1 is the fallback.
        charset = "utf-8"
        for name, keys in _IPTC_FIELDS.items():
            if name in found:
                continue
            for key in keys:
                values = _iptc_values(iptc, key, charset)
                if values:
                    found[name] = values if name == "keywords" else values[0]
                    break
        if "taken_at" not in found and (taken := _iptc_date(iptc)):
            found["taken_at"] = taken
    exif = image.getexif()
    exif_ifd = exif.get_ifd(0x8769) if exif else {}
    for name, text in (
        ("caption", _exif_text(exif.get(0x010E))),
        ("creator", _exif_text(exif.get(0x013B))),
        ("copyright", _exif_copyright(exif.get(0x8298))),
    ):
        if name not in found and text:
            found[name] = text
    if "taken_at" not in found and (original := _exif_text(exif_ifd.get(0x9003) or exif.get(0x0132))):
        taken = _parse_date(original)
        offset = re.fullmatch(r"([+-])(\d{2}):(\d{2})", _exif_text(exif_ifd.get(0x9011)))
        if taken and offset and (zone := _utc_offset(*offset.groups())):
            taken = taken.replace(tzinfo=zone)
        if taken:
            found["taken_at"] = taken
    taken_at = found.get("taken_at")
    if isinstance(taken_at, str):
        taken_at = _parse_date(taken_at)

    def text(name: str) -> str:
        # As the file says it: the controls cameras pad fields with go where the text enters Loupe (ingest).
        return str(found.get(name, "")).strip()

    place = ", ".join(dict.fromkeys(text(part) for part in _PLACE_PARTS if text(part)))
    keywords = found.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [keywords]
    words = (word.strip() for k in keywords for word in str(k).split(";"))
    return ImportedMetadata(
        headline=text("headline")[:300],
        caption=text("caption"),
        alt_text=text("alt_text"),
        creator=text("creator")[:300],
        credit_line=text("credit_line")[:300],
        copyright=text("copyright")[:300],
        taken_at=_plausible_capture_time(taken_at) if isinstance(taken_at, datetime) else None,
        place_name=place[:300],
        keywords=list(dict.fromkeys(word for word in words if word)),
        web_statement=text("web_statement")[:500],
        usage_terms=text("usage_terms"),
        licence_url=text("licence_url")[:500],
        rights_marked=text("rights_marked")[:10],
        digital_source_type=text("digital_source_type")[:200],
    )


def removal_receipt(image: Image.Image, data: bytes = b"") -> list[str]:
    """What the original carries that no public file will: the editor's receipt."""
    removed: list[str] = []
    exif = image.getexif()
    exif_ifd = exif.get_ifd(0x8769) if exif else {}
    xmp = _xmp_bytes(image)
    gps = exif.get_ifd(0x8825) if exif else {}
    if gps or re.search(rb"exif:GPS(Latitude|Longitude)", xmp):
        removed.append("GPS position")
    if exif_ifd.get(0xA431) or re.search(rb"(aux:SerialNumber|exifEX:BodySerialNumber)", xmp):
        removed.append("camera serial number")
    if exif_ifd.get(0xA435) or re.search(rb"(aux:LensSerialNumber|exifEX:LensSerialNumber)", xmp):
        removed.append("lens serial number")
    if exif_ifd.get(0xA430) or re.search(rb"(aux:OwnerName|exifEX:CameraOwnerName)", xmp):
        removed.append("camera owner name")
    if exif_ifd.get(0x927C):
        removed.append("maker notes")
    if exif.get(0x010F) or exif.get(0x0110):
        removed.append("camera make and model")
    if (exif.get_ifd(0x0001) if exif else None) or image.info.get("thumbnails"):
        removed.append("embedded thumbnail")
    if exif:
        removed.append("EXIF")
    if exif_ifd.get(0x9286) or image.info.get("comment") or getattr(image, "text", None):
        removed.append("comments")
    if xmp:
        removed.append("XMP")
    if _iptc(image):
        removed.append("IPTC-IIM")
    if icc := image.info.get("icc_profile"):
        name = _profile_name(icc)
        if "srgb" not in name.lower():
            removed.append(f"colour profile {name or 'unnamed'} (converted to sRGB)")
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and image.format == "MPO":
        more = frames - 1
        removed.append(
            f"{more} more picture{'s' if more > 1 else ''} inside the file (a preview, depth map or stereo view)"
        )
    elif frames > 1:
        removed.append(f"animation ({frames} frames; only the first is kept)")
    if data and _has_trailing_data(image.format, data):
        removed.append("data after the end of the image")
    return removed


def _has_trailing_data(fmt: str | None, data: bytes) -> bool:
    if fmt == "JPEG":
        # Not MPO: its other pictures follow the first one's end marker by design.
        return not data.rstrip(b"\0").endswith(b"\xff\xd9")
    if fmt == "PNG":
        end = data.rfind(b"IEND")
        return end != -1 and len(data.rstrip(b"\0")) > end + 8
    return False


def _profile_name(icc: bytes) -> str:
    try:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
        return description.strip()
    except (OSError, ImageCms.PyCMSError, TypeError, ValueError):
        return ""


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ORIENTATION_TAG, 1)
    except (OSError, SyntaxError, ValueError):
        return 1
    return value if value in range(1, 9) else 1


# --- Rendering --------------------------------------------------------------


def fresh_xmp(*, credit: str = "", copyright: str = "") -> bytes:
    """The only metadata a public file carries: who to credit and who owns it."""
    if not credit and not copyright:
        return b""
    parts = []
    if copyright:
        parts.append(
            f'<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">{escape(copyright)}</rdf:li></rdf:Alt></dc:rights>'
        )
    if credit:
        parts.append(f"<photoshop:Credit>{escape(credit)}</photoshop:Credit>")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/">' + "".join(parts) + "</rdf:Description></rdf:RDF>"
        '</x:xmpmeta><?xpacket end="r"?>'
    ).encode()


def _to_srgb(image: Image.Image, submit: Callable[..., Future] | None = None) -> Image.Image:
    icc = image.info.get("icc_profile")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit samples scaled to 8 bits; a plain convert() would clip everything above 255 to white.
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    elif image.mode == "F":
        image = image.convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Renditions are opaque: transparency is flattened onto white, as print would.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
        image.info["icc_profile"] = icc
        image = image.convert("RGB")
    if icc and "srgb" not in _profile_name(icc).lower():
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = image.mode if image.mode in ("RGB", "CMYK", "L") else None
            if mode is not None:
                transform = ImageCms.buildTransform(source, _SRGB, mode, "RGB", ImageCms.Intent.PERCEPTUAL)
                return _transform_in_halves(image, transform, submit or _run_now)
        except (OSError, ImageCms.PyCMSError, ValueError):
            pass  # A broken profile: fall back to the plain conversion below.
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image


def _transform_in_halves(image: Image.Image, transform: ImageCms.ImageCmsTransform, submit) -> Image.Image:
    """The colour transform of a top and a bottom half, which `submit` may run side by side (lcms works
    pixel by pixel, so the halves join without a seam)."""
    middle = image.height // 2
    if middle == 0:
        return transform.apply(image)
    top = submit(transform.apply, image.crop((0, 0, image.width, middle)))
    bottom = transform.apply(image.crop((0, middle, image.width, image.height)))
    whole = Image.new("RGB", image.size)
    whole.paste(top.result(), (0, 0))
    whole.paste(bottom, (0, middle))
    return whole


def _redact(image: Image.Image, redactions: Iterable[Sequence[float]]) -> Image.Image:
    width, height = image.size
    for redaction in redactions:
        x, y, w, h = (float(v) for v in redaction)
        box = (
            max(0, math.floor(x * width)),
            max(0, math.floor(y * height)),
            min(width, math.ceil((x + w) * width)),
            min(height, math.ceil((y + h) * height)),
        )
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        region = image.crop(box)
        # Pixelate first so no detail survives, then blur so it reads as redacted.
        tiny = region.resize((max(1, region.width // 24), max(1, region.height // 24)), Image.Resampling.BOX)
        region = tiny.resize(region.size, Image.Resampling.BILINEAR)
        region = region.filter(ImageFilter.GaussianBlur(max(2, min(region.size) // 8)))
        image.paste(region, box[:2])
    return image


def _social_box(size: tuple[int, int], focal: tuple[float, float]) -> tuple[int, int, int, int]:
    width, height = size
    target = SOCIAL_SIZE[0] / SOCIAL_SIZE[1]
    if width / height > target:
        crop_w, crop_h = round(height * target), height
    else:
        crop_w, crop_h = width, round(width / target)
    left = min(max(0, round(focal[0] * width - crop_w / 2)), width - crop_w)
    top = min(max(0, round(focal[1] * height - crop_h / 2)), height - crop_h)
    return left, top, left + crop_w, top + crop_h


def encode(image: Image.Image, fmt: str, *, xmp: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    extra = {"xmp": xmp} if xmp else {}
    if fmt == "jpeg":
        image.save(buffer, "JPEG", **JPEG_OPTIONS, **extra)
    elif fmt == "webp":
        image.save(buffer, "WEBP", **WEBP_OPTIONS, **extra)
    elif fmt == "avif":
        image.save(buffer, "AVIF", **AVIF_OPTIONS, **extra)
    else:
        raise ValueError(f"Unknown rendition format {fmt!r}")
    return buffer.getvalue()


def _placeholder(image: Image.Image) -> tuple[str, str]:
    small = image.copy()
    small.thumbnail((64, 64), Image.Resampling.BOX)
    colors = small.quantize(colors=5, method=Image.Quantize.MEDIANCUT)
    palette = colors.getpalette() or []
    _count, index = max(colors.getcolors() or [(1, 0)])
    dominant = "#{:02x}{:02x}{:02x}".format(*palette[index * 3 : index * 3 + 3])
    tiny = small.copy()
    tiny.thumbnail((16, 16), Image.Resampling.BOX)
    tiny = tiny.filter(ImageFilter.GaussianBlur(0.6))
    buffer = io.BytesIO()
    tiny.save(buffer, "WEBP", quality=30, method=6)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), dominant


def prepare_image(
    data: bytes,
    *,
    max_pixels: int,
    largest_width: int = max(RESPONSIVE_WIDTHS),
    redactions: Iterable[Sequence[float]] = (),
) -> Image.Image:
    """Decode once, at the smallest scale the largest rendition allows; upright, sRGB, redacted, no metadata."""
    return _prepare(data, max_pixels=max_pixels, largest_width=largest_width, redactions=redactions)[0]


_RESIZABLE_MODES = ("RGB", "L", "CMYK", "RGBA", "LA")


def _prepare(
    data: bytes,
    *,
    max_pixels: int,
    largest_width: int = max(RESPONSIVE_WIDTHS),
    redactions: Iterable[Sequence[float]] = (),
    pool: ThreadPoolExecutor | None = None,
) -> tuple[Image.Image, tuple[int, int]]:
    """prepare_image, and the upright size of the original, which rendition heights follow."""
    with open_image(data, max_pixels=max_pixels) as image:
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)
        up_w, up_h = upright_size(image)
        # Wide panoramas need height for the social card, not only width.
        need_w = min(up_w, max(largest_width, math.ceil(SOCIAL_SIZE[1] * up_w / up_h)))
        scale = need_w / up_w
        orientation = _orientation(image)
        src_w, src_h = image.size
        # DCT scaling blurs a little; kept at twice the target, LANCZOS does the rest cleanly.
        draft = (math.ceil(src_w * scale * DRAFT_MARGIN), math.ceil(src_h * scale * DRAFT_MARGIN))
        _decode(image, draft_size=draft)
        icc = image.info.get("icc_profile")
        need_h = max(1, round(need_w * up_h / up_w))
        # Resized while still lying on its side: turning the small image costs less than turning the original.
        target = (need_h, need_w) if orientation in (5, 6, 7, 8) else (need_w, need_h)
        frame = image.convert("RGBA") if image.mode == "P" else image
        # Resizing before the colour conversion: the transform then touches fewer pixels.
        if frame.width > target[0] * 1.02 and frame.mode in _RESIZABLE_MODES:
            frame = _downscale(frame, target, pool.submit if pool else _run_now)
        elif frame is image:
            frame = image.copy()  # leaving the block closes the decoded original, the largest image here
    if icc:
        frame.info["icc_profile"] = icc
    for method in _TRANSPOSE.get(orientation, []):
        frame = frame.transpose(method)
    frame = _to_srgb(frame, pool.submit if pool else None)
    frame.info = {}
    return _redact(frame, redactions), (up_w, up_h)


def _run_now(function, *args) -> Future:
    future = Future()
    future.set_result(function(*args))
    return future


def _downscale(image: Image.Image, size: tuple[int, int], submit: Callable[..., Future]) -> Image.Image:
    """LANCZOS in a top and a bottom half, which `submit` may resize side by side.

    Each half reads the rows around its edge as the whole would, so the seam is invisible. Halves
    even on one thread, so the pixels never depend on the number of threads. When reduce() would
    step in first (six times smaller or more), the whole is resized at once.
    """
    ratio = max(image.width / size[0], image.height / size[1])
    if ratio >= 2 * REDUCING_GAP or image.mode not in ("RGB", "L", "CMYK") or size[1] < 2:
        return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    middle = size[1] // 2
    edge = middle * image.height / size[1]
    top = submit(image.resize, (size[0], middle), Image.Resampling.LANCZOS, (0, 0, image.width, edge))
    bottom = image.resize((size[0], size[1] - middle), Image.Resampling.LANCZOS, (0, edge, image.width, image.height))
    whole = Image.new(image.mode, size)
    whole.paste(top.result(), (0, 0))
    whole.paste(bottom, (0, middle))
    return whole


def _encode_all(image: Image.Image, purpose: str, formats: Sequence[str], xmp: bytes) -> list[RenderedFile]:
    width, height = image.size
    return [RenderedFile(purpose, fmt, width, height, encode(image, fmt, xmp=xmp)) for fmt in formats]


# The slowest encoders start first, so the last job to finish is a short one and no thread idles at the end.
_ENCODE_ORDER = {"avif": 0, "webp": 1, "jpeg": 2}


def _submit_encodes(
    image: Image.Image, formats: Sequence[str], xmp: bytes, submit: Callable[..., Future]
) -> dict[str, Future]:
    """One job per format, so two threads share a width's encodes instead of one thread doing them all."""
    jobs = {}
    for index, fmt in enumerate(sorted(formats, key=lambda f: _ENCODE_ORDER.get(f, 3))):
        # Image.save keeps its options on the image object while it writes, so each encoder gets its own
        # object; sharing the pixels, because a copy per format costs a 50 MP photo over 100 MB at the peak.
        own = image if index == 0 else image._new(image.im)
        jobs[fmt] = submit(_encode_all, own, "responsive", [fmt], xmp)
    return jobs


def _social_card(base: Image.Image, focal: tuple[float, float], xmp: bytes) -> list[RenderedFile]:
    card = base.crop(_social_box(base.size, focal))
    if card.width > SOCIAL_SIZE[0]:
        card = card.resize(SOCIAL_SIZE, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    return _encode_all(card, "social", ["jpeg"], xmp)


def framing_preview(data: bytes, *, max_pixels: int, width: int = 1600) -> bytes:
    """The whole photo as a JPEG at most `width` wide: upright, sRGB, no metadata and, unlike every
    rendition, without its blur areas, because this is what an editor draws them on. Staff only."""
    image = prepare_image(data, max_pixels=max_pixels, largest_width=width)
    if image.width > width:
        image = image.resize((width, max(1, round(width * image.height / image.width))), Image.Resampling.LANCZOS)
    return encode(image, "jpeg")


def render_image(
    data: bytes,
    *,
    max_pixels: int,
    widths: Sequence[int] = RESPONSIVE_WIDTHS,
    formats: Sequence[str] = RENDITION_FORMATS,
    focal: tuple[float, float] = (0.5, 0.5),
    redactions: Iterable[Sequence[float]] = (),
    credit: str = "",
    copyright: str = "",
    social: bool = True,
    threads: int = RENDER_THREADS,
) -> RenderResult:
    """Every rendition of one photo, from one decode, resized as a chain from large to small.

    With more than one thread, widths are encoded side by side while the next width is resized;
    the files come back in the same order, with the same bytes, whatever the number of threads.
    """
    pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
    submit = pool.submit if pool else _run_now
    with pool or nullcontext():
        base, (full_w, full_h) = _prepare(
            data, max_pixels=max_pixels, largest_width=max(widths), redactions=redactions, pool=pool
        )
        xmp = fresh_xmp(credit=credit, copyright=copyright)
        wanted = sorted({w for w in widths if w <= full_w} or {base.width}, reverse=True)
        jobs = []
        current = base
        for width in wanted:
            # Heights from the original's proportions, so every width matches what a full-size resize gives.
            height = max(1, round(width * full_h / full_w))
            if current.size != (width, height):
                current = current.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
            by_format = _submit_encodes(current, formats, xmp, submit)
            jobs.extend(by_format[fmt] for fmt in formats)
        if social:
            jobs.append(submit(_social_card, base, focal, xmp))
        placeholder, dominant = _placeholder(current)
        files = [file for job in jobs for file in job.result()]
    return RenderResult(
        width=base.width, height=base.height, files=files, placeholder=placeholder, dominant_color=dominant
    )
