"""Photographs and hostile files, made with Pillow for the imaging and ingest tests."""

import io
import struct
import zlib

from PIL import Image, ImageDraw, ImageFilter

GPS = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
SERIAL = "SN-4417-0098"
XMP_WITH_GPS = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
    ' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/"'
    ' xmlns:aux="http://ns.adobe.com/exif/1.0/aux/"'
    ' xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"'
    ' photoshop:Headline="Night shift" photoshop:City="Lagos" photoshop:Country="Nigeria"'
    ' photoshop:Credit="Amara Okafor / Loupe" photoshop:DateCreated="2024-05-03T21:14:00+01:00"'
    ' exif:GPSLatitude="6,27.1N" exif:GPSLongitude="3,23.4E" aux:SerialNumber="' + SERIAL + '">'
    '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Dockers unload the last boat.</rdf:li></rdf:Alt>'
    "</dc:description>"
    '<Iptc4xmpCore:AltTextAccessibility><rdf:Alt><rdf:li xml:lang="x-default">Two men carry a crate.</rdf:li>'
    "</rdf:Alt></Iptc4xmpCore:AltTextAccessibility>"
    "<dc:creator><rdf:Seq><rdf:li>Amara Okafor</rdf:li></rdf:Seq></dc:creator>"
    '<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">© 2024 Amara Okafor</rdf:li></rdf:Alt></dc:rights>'
    "<dc:subject><rdf:Bag><rdf:li>port</rdf:li><rdf:li>night</rdf:li></rdf:Bag></dc:subject>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def photograph(size=(640, 480), seed=1) -> Image.Image:
    """Something with a photo's texture: gradients, shapes, and sensor-like noise."""
    width, height = size
    sky = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (sky, sky.point(lambda v: 255 - v), Image.new("L", size, (seed * 53) % 256)))
    draw = ImageDraw.Draw(image)
    for i in range(6):
        x, y = (seed * 97 + i * 131) % width, (seed * 61 + i * 89) % height
        draw.ellipse((x, y, x + width // 5, y + height // 5), fill=((i * 40) % 256, 120, (seed * 30) % 256))
    noise = Image.effect_noise(size, 24).filter(ImageFilter.GaussianBlur(0.7))
    return Image.blend(image, Image.merge("RGB", (noise, noise, noise)), 0.15)


def encode(image: Image.Image, fmt="JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def tagged_exif(*, orientation=1, gps=True) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Loupe Cameras"
    exif[0x0110] = "Field 1"
    exif[0x013B] = "Exif Artist"
    exif[0x8298] = "Exif Copyright"
    exif[0x010E] = "An EXIF description"
    details = exif.get_ifd(0x8769)
    details[0x9003] = "2024:05:03 21:14:00"
    details[0xA431] = SERIAL
    details[0x927C] = b"MAKERNOTE-SECRET"
    details[0x9286] = b"ASCII\0\0\0user comment"
    if gps:
        exif.get_ifd(0x8825).update(GPS)
    return exif


def iptc_segment(fields: dict[tuple[int, int], list[str]]) -> bytes:
    """An APP13 Photoshop segment carrying IPTC-IIM datasets, as Photo Mechanic writes it."""
    iim = b"\x1c\x01\x5a\x00\x03\x1b\x25\x47"
    for (record, dataset), values in fields.items():
        for value in values:
            raw = value.encode()
            iim += struct.pack(">BBBH", 0x1C, record, dataset, len(raw)) + raw
    if len(iim) % 2:
        iim += b"\0"
    resource = b"8BIM" + b"\x04\x04" + b"\0\0" + struct.pack(">I", len(iim)) + iim
    payload = b"Photoshop 3.0\0" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def with_segment(jpeg: bytes, segment: bytes) -> bytes:
    return jpeg[:2] + segment + jpeg[2:]


def claiming_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The same small JPEG with a start-of-frame header that lies about its size."""
    at = jpeg.index(b"\xff\xc0")
    return jpeg[: at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9 :]


def png_bomb(side=12000) -> bytes:
    """A few hundred kilobytes that inflate to side*side bytes of grey."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" + b"\0" * side
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def adobe_rgb_profile() -> bytes:
    """Adobe RGB (1998) as a matrix/TRC ICC profile: its primaries, D50 white, gamma 563/256."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x, y, z) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    def text(value: str) -> bytes:
        raw = value.encode() + b"\0"
        return b"desc\0\0\0\0" + struct.pack(">I", len(raw)) + raw + b"\0" * 12 + b"\0" * 67

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 563) + b"\0\0"
    tags = [
        (b"desc", text("Adobe RGB (1998)")),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.60974, 0.31111, 0.01947)),
        (b"gXYZ", xyz(0.20528, 0.62567, 0.06087)),
        (b"bXYZ", xyz(0.14919, 0.06322, 0.74457)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0Public domain\0\0\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags:
        padded = data + b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += padded
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"none"
        + b"\x02\x10\0\0"
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 28
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + b"\0" * 48
    )
    assert len(header) == 128
    return header + table + body
