"""Time the rendition set on a delivery like a photographer's: Loupe's pipeline against a naive Pillow pipeline
and pyvips, in one run.

    python bench/renditions.py [--only NAME[,NAME...]] [--repeat N] [DIR]

DIR holds JPEG, PNG, HEIC or TIFF photographs. Without it, the default set is a delivery as cameras and picture
desks write it: EXIF orientations 1, 3, 6 and 8 (each stored as the camera stores it: pixels on their side, tag
saying how to turn them), an Adobe RGB and a Display P3 photo, a CMYK JPEG, a 16-bit PNG and a HEIC, from 8 to
50 MP, portrait and landscape, all with camera EXIF (GPS, serial number). They are made from the photographs of
Debian's wallpaper packages (mate-backgrounds), re-encoded, converted into their colour space with a profile
built here, and upscaled with a little grain where a camera has more pixels; Pillow-generated scenes stand in
where a wallpaper is missing. The set is kept under var/bench-delivery, so only the first run builds it.
`--only` keeps the photos whose names contain one of the words, for quick runs while iterating.

Fair by construction: the three pipelines do the same work and are checked to.
- Same input, same promises: each decodes the file, turns it upright by its EXIF orientation, converts a
  colour profile other than sRGB to sRGB (perceptual intent; the same decision Loupe makes, so none of them
  spends an sRGB-to-sRGB transform), and makes 8-bit RGB.
- Same outputs: JPEG (quality 82, progressive) and WebP (quality 80, effort 4) at every width of
  RESPONSIVE_WIDTHS up to the photo's upright width, each height rounded from the upright proportions; no
  metadata kept. After timing, every output's dimensions are compared with Loupe's and its picture with the
  naive one (same orientation), and the run stops if any differ.
- Same means: each may use the machine as it likes. Loupe reduces before it turns and converts, and encodes in
  threads; pyvips shrinks on load (the same 2x margin as Loupe's JPEG draft) and uses its own threads; the
  naive pipeline turns and converts the full-size picture and resizes every width from it, as the Pillow
  tutorials do. pyvips-binary ships no HEVC decoder, so for HEIC its reference decodes with pillow-heif (the
  same libheif as Loupe) and does the rest in pyvips; an unprofiled CMYK file is converted with libvips'
  built-in CMYK profile there and with the plain formula in Loupe and the naive pipeline.
- Same conditions: the pipelines take turns photo by photo (best of REPEAT each), so a busy machine slows them
  alike; ratios, not absolute times, are the verdict.

Then, for Loupe alone: every format with AVIF and the social card (the '+avif' column, and its CPU time), the
peak memory of a worker rendering the largest photo (a 50 MP one is made if the set has none), and the time a
45-photo delivery with a third of its frames rotated by 90 degrees takes on two workers. That last is an
estimate, not a run, so that it reads the same on a shared machine: the workers' CPU time for such a delivery
(15 times the mean CPU time of the set's rotated photos, 30 times that of the others, each photo's CPU time
measured while rendering every format), divided by two workers on two cores. Prints a table per photo, one
per class of photo (the slowest class against pyvips is named in the JSON), the goals met or missed, and one
JSON line.

Quality is SSIM of the luma, 8x8 windows every 4 pixels (as x264 and FFmpeg compute it), for every rendition
against the naive pipeline's rendition of the same width and format. Two encodes of slightly different pixels
can differ more than either differs from its source on finely textured photos, so the table also shows how
faithful each rendition is to the naive pipeline's unencoded pixels compared with the naive rendition itself
("ref gap": how much SSIM Loupe loses there; 0 or below means it loses nothing), and the same SSIM for pyvips,
the other pipeline held to that standard. "floor" calibrates the yardstick on each photo: the lowest SSIM
against the naive rendition of a rendition made from the naive pipeline's own pixels with every colour sample
nudged by one level (+1 or -1 at random), which no eye can see. Where that floor is below 0.98 (finely textured
photos), only pixels identical to the naive pipeline's reach 0.98.
"""

import argparse
import hashlib
import io
import json
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageCms, ImageDraw, ImageFilter, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from galleries import imaging, provenance

ROOT = Path(__file__).resolve().parent.parent
WALLPAPERS = Path("/usr/share/backgrounds/mate")
CACHE = ROOT / "var" / "bench-delivery"
WIDTHS = imaging.RESPONSIVE_WIDTHS
MAX_PIXELS = 200_000_000
REPEAT = 2
BIG_PHOTO_PIXELS = 50_000_000
STORY_PHOTOS = 45
STORY_WORKERS = 2
SUFFIXES = {".jpg", ".jpeg", ".png", ".heic", ".heif", ".tif", ".tiff"}
# The naive pipeline and pyvips save at Loupe's quality settings and the encoders' default effort (WebP method 4).
NAIVE_JPEG = {"quality": imaging.JPEG_OPTIONS["quality"], "progressive": True}
NAIVE_WEBP = {"quality": imaging.WEBP_OPTIONS["quality"], "method": imaging.WEBP_OPTIONS["method"]}
VIPS_JPEG = {"Q": NAIVE_JPEG["quality"], "interlace": True, "keep": "none"}
VIPS_WEBP = {"Q": NAIVE_WEBP["quality"], "effort": NAIVE_WEBP["method"], "keep": "none"}
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
PERCEPTUAL = ImageCms.Intent.PERCEPTUAL

# Goals of issue 15, checked at the end of every run.
GOAL_VS_NAIVE = 1.6
GOAL_VS_PYVIPS = 1.0
GOAL_CLASS_VS_PYVIPS = 1.2
GOAL_AVIF = 2.0
GOAL_PEAK_MB = 600
GOAL_STORY_SECONDS = 120
# Issue 19: signing every file of the set adds at most this share to the time of rendering it.
GOAL_SIGNING_SHARE = 0.15

try:
    import pyvips
except (ImportError, OSError):
    pyvips = None

pillow_heif.register_heif_opener()


# --- The delivery ------------------------------------------------------------


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def matrix_profile(description: str, red, green, blue, *, gamma: float | None = None) -> bytes:
    """An ICC v2 display profile from its D50 primaries and a tone curve: a gamma, or sRGB's curve if None."""

    def xyz(values) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in values)

    if gamma is None:
        # Parametric curve type 3: sRGB's linear toe and 2.4 power.
        curve = b"para\0\0\0\0" + struct.pack(">HH", 3, 0)
        curve += b"".join(_s15(v) for v in (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))
    else:
        curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    raw = description.encode() + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(raw)) + raw + b"\0" * 12 + b"\0" * 67
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(red)),
        (b"gXYZ", xyz(green)),
        (b"bXYZ", xyz(blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0No copyright, use freely\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    header = (
        struct.pack(">I", offset + len(body))
        + b"none\x02\x10\0\0mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 28
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 48
    )
    return header + table + body


PROFILES = {
    "sRGB": SRGB.tobytes(),
    "Adobe RGB (1998)": matrix_profile(
        "Adobe RGB (1998)",
        (0.60974, 0.31111, 0.01947),
        (0.20528, 0.62567, 0.06087),
        (0.14919, 0.06322, 0.74457),
        gamma=563 / 256,
    ),
    "Display P3": matrix_profile(
        "Display P3", (0.51512, 0.24120, -0.00105), (0.29198, 0.69225, 0.04189), (0.15710, 0.06657, 0.78407)
    ),
}
# The transposition a camera applies to what it sees when it writes each orientation tag.
STORED = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@dataclass(frozen=True)
class Shot:
    """One photo of the default delivery: where its pixels come from and how the camera or desk wrote it."""

    name: str
    wallpaper: str
    size: tuple[int, int]  # upright
    orientation: int = 1
    profile: str = "sRGB"  # a PROFILES key, or "" for none
    kind: str = "jpeg"  # jpeg, cmyk, png16, heic
    tiled: bool = False  # mirrored tiles at full detail rather than an upscale


DELIVERY = (
    Shot("elephants-o1", "abstract/Elephants_5640x3172.jpg", (5640, 3172)),
    Shot("garden-o6", "nature/Garden.jpg", (3648, 5472), orientation=6),
    Shot("ladybird-o8", "nature/LadyBird.jpg", (3000, 4000), orientation=8),
    Shot("twowings-o3", "nature/TwoWings.jpg", (6000, 4000), orientation=3),
    Shot("yellowflower-adobergb", "nature/YellowFlower.jpg", (4928, 3264), profile="Adobe RGB (1998)"),
    Shot("aqua-p3-o6", "nature/Aqua.jpg", (3024, 4032), orientation=6, profile="Display P3"),
    Shot("wood-cmyk", "nature/Wood.jpg", (3600, 2400), profile="", kind="cmyk"),
    Shot("elephants-png16", "abstract/Elephants_3840x2160.jpg", (3840, 2160), profile="", kind="png16"),
    Shot("storm-p3-heic", "nature/Storm.jpg", (3024, 4032), profile="Display P3", kind="heic"),
    Shot("elephants-50mp-o8", "abstract/Elephants_5640x3172.jpg", (5792, 8688), orientation=8, tiled=True),
)


@dataclass(frozen=True)
class Photo:
    name: str
    data: bytes
    source: str
    traits: dict


def camera_exif(orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Bench Cameras"
    exif[0x0110] = "Field 2"
    details = exif.get_ifd(0x8769)
    details[0x9003] = "2026:03:14 09:26:53"
    details[0xA431] = "SN-2026-0042"
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    return exif


def tiled(tile: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`size` filled with mirrored copies of `tile`, so the detail is the original's, not an upscale's."""
    canvas = Image.new("RGB", size)
    variants = [[tile, ImageOps.mirror(tile)], [ImageOps.flip(tile), tile.rotate(180)]]
    for row, top in enumerate(range(0, size[1], tile.height)):
        for column, left in enumerate(range(0, size[0], tile.width)):
            canvas.paste(variants[row % 2][column % 2], (left, top))
    return canvas


def upright_scene(shot: Shot) -> tuple[Image.Image, str]:
    path = WALLPAPERS / shot.wallpaper
    if path.exists():
        with Image.open(path) as wallpaper:
            source, origin = wallpaper.convert("RGB"), "wallpaper"
    else:
        source, origin = Image.open(io.BytesIO(generated_photo(len(shot.name), (3000, 2000)))), "generated"
    if shot.tiled:
        return tiled(source, shot.size), origin
    scene = ImageOps.fit(source, shot.size, Image.Resampling.LANCZOS)
    if scene.width * scene.height > source.width * source.height:
        # A camera's extra pixels carry sensor grain, not the smoothness of an upscale.
        grain = Image.effect_noise(scene.size, 40)
        scene = Image.blend(scene, Image.merge("RGB", (grain, grain, grain)), 0.05)
    return scene, origin


def png16(image: Image.Image) -> bytes:
    """A 16-bit RGB PNG, as a raw converter or an editor exports it (Pillow writes 8 bits per sample)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    samples = np.asarray(image, dtype=np.uint16) * 257
    height, width, _ = samples.shape
    rows = np.zeros((height, 1 + width * 6), dtype=np.uint8)
    rows[:, 1:] = samples.astype(">u2").view(np.uint8).reshape(height, width * 6)
    ihdr = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    idat = zlib.compress(rows.tobytes(), 6)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def build(shot: Shot) -> tuple[bytes, str]:
    """The file as the camera or desk delivers it, and where its pixels came from."""
    scene, origin = upright_scene(shot)
    icc = PROFILES.get(shot.profile)
    if icc and shot.profile != "sRGB":
        target = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        scene = ImageCms.profileToProfile(scene, SRGB, target, renderingIntent=PERCEPTUAL, outputMode="RGB")
    buffer = io.BytesIO()
    if shot.kind == "png16":
        return png16(scene), origin
    if shot.kind == "heic":
        scene.info["icc_profile"] = icc
        pillow_heif.from_pillow(scene).save(buffer, quality=85, enc_params={"preset": "ultrafast"})
        return buffer.getvalue(), origin
    stored = scene.transpose(STORED[shot.orientation]) if shot.orientation in STORED else scene
    if shot.kind == "cmyk":
        stored = stored.convert("CMYK")
    extra = {"icc_profile": icc} if icc else {}
    stored.save(buffer, "JPEG", quality=92, exif=camera_exif(shot.orientation), **extra)
    return buffer.getvalue(), origin


def delivery(shots=DELIVERY, cache: Path = CACHE) -> list[Photo]:
    photos = []
    for shot in shots:
        key = hashlib.sha256(repr((shot, PROFILES[shot.profile] if shot.profile else b"")).encode()).hexdigest()[:12]
        origin = "wallpaper" if (WALLPAPERS / shot.wallpaper).exists() else "generated"
        path = cache / f"{shot.name}-{origin}-{key}"
        if path.exists():
            data = path.read_bytes()
        else:
            data, origin = build(shot)
            cache.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        photos.append(Photo(shot.name, data, origin, traits(data)))
    return photos


def find_photos(directory: Path | None) -> list[Photo]:
    if directory is None:
        return delivery()
    paths = sorted(p for p in directory.rglob("*") if p.suffix.lower() in SUFFIXES)
    return [Photo(p.name, data, "given", traits(data)) for p in paths for data in [p.read_bytes()]]


def traits(data: bytes) -> dict:
    """What makes a photo hard: orientation, colour profile, mode and bit depth, size; and its class."""
    with Image.open(io.BytesIO(data)) as image:
        orientation = image.getexif().get(0x0112, 1)
        orientation = orientation if orientation in range(1, 9) else 1
        icc = image.info.get("icc_profile")
        try:
            profile = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip() if icc else ""
        except (OSError, ImageCms.PyCMSError):
            profile = "unreadable"
        fmt, mode, (width, height) = image.format, image.mode, image.size
    bits = data[24] if fmt == "PNG" else (16 if mode.startswith("I;16") else 8)
    upright = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    converted = bool(profile) and "srgb" not in profile.lower()
    if fmt == "HEIF":
        kind = "HEIC"
    elif fmt != "JPEG":
        kind = f"{fmt} {bits}-bit"
    elif mode == "CMYK":
        kind = "CMYK JPEG"
    elif converted:
        kind = profile
    elif orientation in (5, 6, 7, 8):
        kind = "rotated 90"
    elif orientation != 1:
        kind = "rotated 180"
    else:
        kind = "upright"
    return {
        "format": fmt,
        "mode": mode,
        "bits": bits,
        "orientation": orientation,
        "profile": profile or "none",
        "converted": converted,
        "megapixels": width * height / 1e6,
        "size": upright,
        "class": kind,
    }


def generated_photo(seed: int, size=(6000, 4000)) -> bytes:
    """A stand-in with a photo's texture: gradient sky, shapes, sensor noise."""
    sky = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (sky, sky.point(lambda v: 200 - v // 2), Image.new("L", size, 40 + seed * 30 % 200)))
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (seed * 977 + i * 1319) % size[0], (seed * 613 + i * 887) % size[1]
        draw.ellipse((x, y, x + 300 + i * 20, y + 200 + i * 10), fill=((i * 37) % 256, (i * 91) % 256, 120))
    noise = Image.effect_noise(size, 30).filter(ImageFilter.GaussianBlur(0.8))
    image = Image.blend(image, Image.merge("RGB", (noise, noise, noise)), 0.12)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def big_photo(data: bytes, pixels: int = BIG_PHOTO_PIXELS) -> bytes:
    """A photo of `pixels` pixels with the original's detail: mirrored tiles, not an upscale."""
    with Image.open(io.BytesIO(data)) as original:
        tile = ImageOps.exif_transpose(original).convert("RGB")
    width = round((pixels * tile.width / tile.height) ** 0.5)
    buffer = io.BytesIO()
    tiled(tile, (width, -(-pixels // width))).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


# --- The three pipelines -------------------------------------------------------


def heights(size: tuple[int, int]) -> dict[int, int]:
    """Every width Loupe makes for an upright size, widest first, with the height it gives it."""
    width, height = size
    wanted = sorted({w for w in WIDTHS if w <= width} or {width}, reverse=True)
    return {w: max(1, round(w * height / width)) for w in wanted}


def loupe(data: bytes, formats=("jpeg", "webp"), social: bool = False) -> dict:
    result = imaging.render_image(data, max_pixels=MAX_PIXELS, widths=WIDTHS, formats=formats, social=social)
    return {(f.format, f.width): f.data for f in result.files if f.purpose == "responsive"}


def naive_upright(data: bytes) -> Image.Image:
    """The Pillow tutorial way: open, turn the full-size picture upright, convert its profile, then resize."""
    with Image.open(io.BytesIO(data)) as original:
        icc = original.info.get("icc_profile")
        image = ImageOps.exif_transpose(original)
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc)) if icc else None
    if profile is not None and "srgb" not in ImageCms.getProfileDescription(profile).lower():
        return ImageCms.profileToProfile(image, profile, SRGB, renderingIntent=PERCEPTUAL, outputMode="RGB")
    return image.convert("RGB")


def naive_resized(data: bytes) -> dict[int, Image.Image]:
    image = naive_upright(data)
    return {
        width: image.resize((width, height), Image.Resampling.LANCZOS) for width, height in heights(image.size).items()
    }


def naive(data: bytes) -> dict:
    out = {}
    for width, resized in naive_resized(data).items():
        for fmt, options in (("jpeg", NAIVE_JPEG), ("webp", NAIVE_WEBP)):
            buffer = io.BytesIO()
            resized.save(buffer, fmt.upper(), **options)
            out[(fmt, width)] = buffer.getvalue()
    return out


def _vips_heic(data: bytes, width: int, height: int, convert: dict) -> "pyvips.Image":
    with Image.open(io.BytesIO(data)) as decoded:
        icc = decoded.info.get("icc_profile")
        pixels = np.asarray(decoded.convert("RGB"))
    image = pyvips.Image.new_from_array(pixels, interpretation="srgb")
    if icc:
        image = image.copy()
        image.set_type(pyvips.GValue.blob_type, "icc-profile-data", icc)
    return image.thumbnail_image(width, height=height, size="force", **convert)


def vips(data: bytes, photo_traits: dict) -> dict:
    """pyvips as its documentation does it: thumbnail (shrink-on-load, autorotate, colour), then a chain."""
    out = {}
    sizes = heights(photo_traits["size"])
    # Only the files Loupe converts: an sRGB-to-sRGB transform would be work Loupe does not do.
    convert = {"output_profile": "srgb", "intent": "perceptual"} if photo_traits["converted"] else {}
    image = None
    for width, height in sizes.items():
        if image is None:
            if photo_traits["format"] == "HEIF":
                image = _vips_heic(data, width, height, convert)
            else:
                image = pyvips.Image.thumbnail_buffer(data, width, height=height, size="force", **convert)
            if image.format != "uchar":
                image = image.colourspace("srgb")
            # Held in memory once: the loader streams, and every width reads the same pixels again.
            image = image.copy_memory()
        elif image.width != width:
            image = image.thumbnail_image(width, height=height, size="force").copy_memory()
        out[("jpeg", width)] = image.jpegsave_buffer(**VIPS_JPEG)
        out[("webp", width)] = image.webpsave_buffer(**VIPS_WEBP)
    return out


def timed_in_turns(runs: dict, repeat: int = REPEAT) -> dict[str, tuple[float, dict, float]]:
    """Best time in ms, the output and the best CPU time in ms (every thread) of each run, the runs taking turns
    so load changes hit them alike."""
    best = dict.fromkeys(runs, float("inf"))
    cpu = dict.fromkeys(runs, float("inf"))
    outputs = {}
    for _ in range(repeat):
        for name, run in runs.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            outputs[name] = run()
            best[name] = min(best[name], time.perf_counter() - start)
            cpu[name] = min(cpu[name], time.process_time() - start_cpu)
    return {name: (best[name] * 1000, outputs[name], cpu[name] * 1000) for name in runs}


def luma(image: bytes | Image.Image) -> np.ndarray:
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    return np.asarray(image.convert("L"), dtype=np.float64)


def ssim(x: np.ndarray, y: np.ndarray) -> float:
    """Mean SSIM over 8x8 windows every 4 pixels; 0.0 (a failure) when the sizes differ."""
    if x.shape != y.shape:
        return 0.0
    h, w = x.shape[0] // 4 * 4, x.shape[1] // 4 * 4

    def window_sums(z):
        blocks = z[:h, :w].reshape(h // 4, 4, w // 4, 4).sum(axis=(1, 3))
        return blocks[:-1, :-1] + blocks[1:, :-1] + blocks[:-1, 1:] + blocks[1:, 1:]

    n = 64
    sx, sy = window_sums(x), window_sums(y)
    sxx, syy, sxy = window_sums(x * x), window_sums(y * y), window_sums(x * y)
    mx, my = sx / n, sy / n
    vx, vy, cov = sxx / n - mx**2, syy / n - my**2, sxy / n - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    return float((((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))).mean())


def nudged(image: Image.Image, seed: int = 1, share: float = 1.0) -> Image.Image:
    """`image` with `share` of its colour samples one level up or down: a change no eye can see."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    mask = rng.random(pixels.shape) < share
    pixels[mask] += rng.choice(np.array([-1, 1], dtype=np.int16), size=int(mask.sum()))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def noise_floor(resized: dict[int, Image.Image], naive_out: dict) -> float:
    """The lowest SSIM, against the naive renditions, of renditions encoded from imperceptibly nudged pixels."""
    lowest = 1.0
    for (fmt, width), naive_data in naive_out.items():
        buffer = io.BytesIO()
        nudged(resized[width]).save(buffer, fmt.upper(), **(NAIVE_JPEG if fmt == "jpeg" else NAIVE_WEBP))
        lowest = min(lowest, ssim(luma(buffer.getvalue()), luma(naive_data)))
    return lowest


class NotTheSameWork(AssertionError):
    """A pipeline made other files than Loupe: other widths, heights or formats, or a picture turned otherwise."""


def same_picture(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether two lumas show the same picture the same way up: their 24x24 miniatures correlate."""
    small = [
        np.asarray(Image.fromarray(z.astype(np.uint8)).resize((24, 24), Image.Resampling.BOX), float) for z in (x, y)
    ]
    if small[0].std() < 1 or small[1].std() < 1:  # a flat picture looks the same every way up
        return abs(small[0].mean() - small[1].mean()) < 16
    return float(np.corrcoef(small[0].ravel(), small[1].ravel())[0, 1]) > 0.9


def check_same_work(name: str, loupe_out: dict, others: dict[str, dict]) -> None:
    expected = {key: luma(data) for key, data in loupe_out.items()}
    for pipeline, out in others.items():
        if set(out) != set(expected):
            raise NotTheSameWork(f"{name}: {pipeline} made {sorted(out)}, Loupe {sorted(expected)}")
        for key, data in out.items():
            theirs = luma(data)
            if theirs.shape != expected[key].shape:
                raise NotTheSameWork(f"{name}: {pipeline}'s {key} is {theirs.shape}, Loupe's {expected[key].shape}")
            if not same_picture(theirs, expected[key]):
                raise NotTheSameWork(f"{name}: {pipeline}'s {key} is not Loupe's picture the same way up")


def quality(
    data: bytes, loupe_out: dict, naive_out: dict, vips_out: dict | None
) -> tuple[float, float, float | None, float]:
    """Lowest SSIM against the naive rendition, largest loss of faithfulness, pyvips' lowest SSIM, and the floor."""
    resized = naive_resized(data)
    reference = {width: luma(image) for width, image in resized.items()}
    lowest, gap, vips_lowest = 1.0, -1.0, None
    for (fmt, width), naive_data in naive_out.items():
        ours, theirs = luma(loupe_out[(fmt, width)]), luma(naive_data)
        lowest = min(lowest, ssim(ours, theirs))
        gap = max(gap, ssim(theirs, reference[width]) - ssim(ours, reference[width]))
        if vips_out is not None:
            vips_lowest = min(vips_lowest or 1.0, ssim(luma(vips_out[(fmt, width)]), theirs))
    return lowest, gap, vips_lowest, noise_floor(resized, naive_out)


def peak_rss_mb(data: bytes) -> float:
    """A render worker's own peak (Django set up, the full set with AVIF and the social card), in a fresh process.

    VmHWM, not ru_maxrss: Linux hands a child the RSS high-water mark of the process that
    started it, and this one holds every photo and rendition of the run.
    """
    with tempfile.NamedTemporaryFile(suffix=".img") as file:
        file.write(data)
        file.flush()
        code = (
            "import os; from pathlib import Path; import django; "
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'newsroom.settings'); django.setup(); "
            "from galleries import imaging, tasks; "
            f"imaging.render_image(Path({file.name!r}).read_bytes(), max_pixels={MAX_PIXELS}); "
            "print(next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')))"
        )
        output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return int(output.stdout.strip()) / 1024


def story_estimate(cpu_ms: list[tuple[float, bool]], count: int = STORY_PHOTOS, workers: int = STORY_WORKERS):
    """Seconds for `count` photos, a third rotated by 90 degrees, on `workers` processes with a core each, and the
    CPU seconds they spend: from each photo's CPU time rendering every format, (milliseconds, rotated)."""
    everything = [ms for ms, _rotated in cpu_ms]
    rotated = [ms for ms, is_rotated in cpu_ms if is_rotated] or everything
    others = [ms for ms, is_rotated in cpu_ms if not is_rotated] or everything
    turned = count // 3
    total = (turned * statistics.mean(rotated) + (count - turned) * statistics.mean(others)) / 1000
    return total / workers, total


def per_class(rows: list[dict]) -> dict[str, dict]:
    classes: dict[str, list[dict]] = {}
    for row in rows:
        classes.setdefault(row["class"], []).append(row)
    summary = {}
    for name, members in classes.items():
        loupe_ms = statistics.median(r["loupe"] for r in members)
        naive_ms = statistics.median(r["naive"] for r in members)
        vips_ms = [r["pyvips"] for r in members if r["pyvips"] is not None]
        summary[name] = {
            "photos": len(members),
            "loupe": loupe_ms,
            "naive": naive_ms,
            "pyvips": statistics.median(vips_ms) if vips_ms else None,
            "vs_naive": statistics.median(r["naive"] / r["loupe"] for r in members),
            "vs_pyvips": statistics.median(r["loupe"] / r["pyvips"] for r in members) if vips_ms else None,
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory", nargs="?", type=Path)
    parser.add_argument("--only", default="", help="comma-separated words; keep the photos whose names contain one")
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args()
    photos = find_photos(args.directory)
    if args.only:
        photos = [p for p in photos if any(word in p.name for word in args.only.split(","))]
    if not photos:
        sys.exit(f"No photographs in {args.directory or 'the default delivery'}.")
    rows, ssims, gaps, vips_ssims, floors = [], [], [], [], []
    loupe_bytes = naive_bytes = 0
    header = (
        f"{'photo':<24} {'class':<16} {'or':>2} {'profile':<16} {'mode':<7} {'MP':>4} {'loupe':>6} {'naive':>6} "
        f"{'pyvips':>6} {'xnaive':>6} {'xpyv':>5} {'+avif':>6} {'cpu':>6} {'SSIM':>6} {'refgap':>7} {'pyvSSIM':>7} "
        f"{'floor':>6}"
    )
    print(header)
    print("-" * len(header))
    for photo in photos:
        data, t = photo.data, photo.traits
        runs = {"naive": partial(naive, data), "loupe": partial(loupe, data)}
        if pyvips is not None:
            runs["pyvips"] = partial(vips, data, t)
        runs["all"] = partial(loupe, data, imaging.RENDITION_FORMATS, True)
        results = timed_in_turns(runs, args.repeat)
        (t_naive, naive_out, _), (t_loupe, loupe_out, _) = results["naive"], results["loupe"]
        t_vips, vips_out, _ = results.get("pyvips", (None, None, None))
        t_all, _, cpu_all = results["all"]
        check_same_work(photo.name, loupe_out, {"naive": naive_out} | ({"pyvips": vips_out} if vips_out else {}))
        lowest, gap, vips_lowest, floor = quality(data, loupe_out, naive_out, vips_out)
        ssims.append(lowest)
        floors.append(floor)
        gaps.append(gap)
        if vips_lowest is not None:
            vips_ssims.append(vips_lowest)
        loupe_bytes += sum(len(v) for v in loupe_out.values())
        naive_bytes += sum(len(v) for v in naive_out.values())
        rows.append(
            {
                "class": t["class"],
                "loupe": t_loupe,
                "naive": t_naive,
                "pyvips": t_vips,
                "all": t_all,
                "cpu": cpu_all,
                "rotated": t["orientation"] in (5, 6, 7, 8),
            }
        )
        mode = t["mode"] + (f"/{t['bits']}" if t["bits"] != 8 else "")
        vips_text = (
            f"{t_vips:6.0f} {t_naive / t_loupe:6.2f} {t_loupe / t_vips:5.2f}"
            if t_vips
            else f"{'-':>6} {t_naive / t_loupe:6.2f} {'-':>5}"
        )
        vips_ssim_text = f"{vips_lowest:7.4f}" if vips_lowest is not None else f"{'-':>7}"
        print(
            f"{photo.name[:24]:<24} {t['class'][:16]:<16} {t['orientation']:>2} {t['profile'][:16]:<16} {mode:<7} "
            f"{t['megapixels']:4.0f} {t_loupe:6.0f} {t_naive:6.0f} {vips_text} {t_all:6.0f} {cpu_all:6.0f} "
            f"{lowest:6.4f} {gap:7.4f} {vips_ssim_text} {floor:6.4f}"
        )
    print("-" * len(header))
    print(
        f"times in ms (best of {args.repeat}), JPEG+WebP at {', '.join(map(str, WIDTHS))} (never upscaled); '+avif' is "
        "Loupe's full set with AVIF and the social card, 'cpu' its CPU time (every thread)"
    )
    classes = per_class(rows)
    print(f"\n{'class':<20} {'photos':>6} {'loupe':>7} {'naive':>7} {'pyvips':>7} {'xnaive':>7} {'xpyvips':>8}")
    for name, c in sorted(classes.items(), key=lambda item: -(item[1]["vs_pyvips"] or 0)):
        vips_text = f"{c['pyvips']:7.0f} {c['naive'] / c['loupe']:7.2f} {c['vs_pyvips']:8.2f}" if c["pyvips"] else ""
        print(f"{name:<20} {c['photos']:>6} {c['loupe']:7.0f} {c['naive']:7.0f} {vips_text}")
    loupe_median = statistics.median(r["loupe"] for r in rows)
    naive_median = statistics.median(r["naive"] for r in rows)
    vips_times = [r["pyvips"] for r in rows if r["pyvips"] is not None]
    vips_median = statistics.median(vips_times) if vips_times else None
    avif_ratio = statistics.median(r["all"] / r["loupe"] for r in rows)
    worst = max(classes, key=lambda name: classes[name]["vs_pyvips"] or 0) if vips_median else None

    biggest = max(photos, key=lambda p: p.traits["megapixels"])
    if biggest.traits["megapixels"] >= 0.9 * BIG_PHOTO_PIXELS / 1e6:
        big, big_name = biggest.data, biggest.name
    else:
        largest = max((p for p in photos if p.traits["format"] == "JPEG"), key=lambda p: len(p.data), default=biggest)
        big, big_name = big_photo(largest.data), f"a 50 MP JPEG tiled from {largest.name}"
    peak = peak_rss_mb(big)
    story, story_cpu = story_estimate([(r["cpu"], r["rotated"]) for r in rows])
    print(f"\npeak memory of a worker rendering every format of {big_name}: {peak:.0f} MB")
    print(
        f"a {STORY_PHOTOS}-photo delivery, a third rotated, every format, on {STORY_WORKERS} workers: {story:.0f} s "
        f"estimated from {story_cpu:.0f} s of CPU"
    )
    signing = signing_cost(photos)
    print(
        f"signing the full set with Content Credentials: {signing['per_file_ms']:.1f} ms a file, "
        f"{signing['share']:.1%} of rendering it (median of {len(photos)} photos)"
    )
    summary = {
        "signing_ms_per_file": signing["per_file_ms"],
        "signing_share": signing["share"],
        "photos": len(photos),
        "loupe_ms": round(loupe_median, 1),
        "naive_ms": round(naive_median, 1),
        "pyvips_ms": round(vips_median, 1) if vips_median is not None else None,
        "speedup_vs_naive": round(naive_median / loupe_median, 2),
        "ratio_vs_pyvips": round(loupe_median / vips_median, 2) if vips_median else None,
        "ssim_min": round(min(ssims), 4),
        "ssim_ref_gap_max": round(max(gaps), 4),
        "pyvips_ssim_min": round(min(vips_ssims), 4) if vips_ssims else None,
        "ssim_noise_floor_min": round(min(floors), 4),
        "bytes_ratio": round(loupe_bytes / naive_bytes, 3),
        "avif_vs_set": round(avif_ratio, 2),
        "peak_rss_mb": round(peak, 1),
        "story_45_seconds": round(story, 1),
        "story_cpu_seconds": round(story_cpu, 1),
        "worst_class": worst,
        "worst_class_vs_pyvips": round(classes[worst]["vs_pyvips"], 2) if worst else None,
    }
    goals = [
        ("median vs naive", summary["speedup_vs_naive"], ">=", GOAL_VS_NAIVE),
        ("median vs pyvips", summary["ratio_vs_pyvips"], "<=", GOAL_VS_PYVIPS),
        ("worst class vs pyvips", summary["worst_class_vs_pyvips"], "<=", GOAL_CLASS_VS_PYVIPS),
        ("AVIF set vs JPEG+WebP", summary["avif_vs_set"], "<=", GOAL_AVIF),
        ("peak MB", summary["peak_rss_mb"], "<=", GOAL_PEAK_MB),
        ("45-photo delivery s", summary["story_45_seconds"], "<=", GOAL_STORY_SECONDS),
        ("SSIM ref gap", summary["ssim_ref_gap_max"], "<=", 0.005),
        ("signing share", summary["signing_share"], "<=", GOAL_SIGNING_SHARE),
        ("bytes vs naive", abs(summary["bytes_ratio"] - 1), "<=", 0.05),
    ]
    verdicts = []
    for label, value, sign, goal in goals:
        met = value is not None and (value >= goal if sign == ">=" else value <= goal)
        verdicts.append(f"{label} {value} {sign} {goal}: {'met' if met else 'MISSED'}")
    print("goals: " + "; ".join(verdicts))
    print(json.dumps(summary))


def signing_cost(photos: list[Photo]) -> dict:
    """What signing each file of Loupe's full set (every format and the social card) costs against rendering the
    set: the newsroom's manifest with Loupe's actions, an ES256 key, no parent ingredient (the delivery carries no
    Content Credentials), as galleries.signing does it in the render job."""
    chain, key, _ = provenance.make_test_chain(organization="Bench")
    signing_key = provenance.SigningKey(chain=chain, private_key=key)
    publication = provenance.Publication(publisher="Bench", generator="Loupe", credit="A. Photographer")
    per_file, shares = [], []
    for photo in photos:
        started = time.perf_counter()
        result = imaging.render_image(photo.data, max_pixels=MAX_PIXELS)
        rendering = time.perf_counter() - started
        started = time.perf_counter()
        for file in result.files:
            actions = provenance.publication_actions(
                publication=publication, purpose=file.purpose, out_format=file.format, original_mime="image/jpeg"
            )
            definition = provenance.manifest_definition(
                publication=publication, actions=actions, title="Bench photo", carried_parent=False
            )
            provenance.sign_image(file.data, mime=file.content_type, definition=definition, key=signing_key)
        signing = time.perf_counter() - started
        per_file.append(signing * 1000 / len(result.files))
        shares.append(signing / rendering)
    return {"per_file_ms": round(statistics.median(per_file), 2), "share": round(statistics.median(shares), 4)}


if __name__ == "__main__":
    main()
