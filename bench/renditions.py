"""Time the rendition set: Loupe's pipeline against a naive Pillow pipeline and pyvips, in one run.

    python bench/renditions.py [DIR]

DIR holds JPEG/PNG photographs; without it, the photographs of 12 MP or more
under /usr/share/backgrounds (Debian's wallpaper packages) are used, topped
up with Pillow-generated photographs when fewer than three are found. Prints
a table, then one JSON line.
"""

import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from galleries import imaging

WIDTHS = imaging.RESPONSIVE_WIDTHS
MAX_PIXELS = 200_000_000
MIN_MEGAPIXELS = 12
# The naive pipeline saves at Loupe's quality settings and Pillow's default effort.
NAIVE_JPEG = {"quality": imaging.JPEG_OPTIONS["quality"], "progressive": True}
NAIVE_WEBP = {"quality": imaging.WEBP_OPTIONS["quality"]}

try:
    import pyvips
except (ImportError, OSError):
    pyvips = None


def find_photos(directory: Path | None) -> list[tuple[str, bytes, str]]:
    if directory is not None:
        paths = sorted(p for p in directory.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
        return [(p.name, p.read_bytes(), "given") for p in paths]
    photos = []
    for path in sorted(Path("/usr/share/backgrounds").rglob("*.jp*g")):
        with Image.open(path) as image:
            if image.width * image.height >= MIN_MEGAPIXELS * 1_000_000:
                photos.append((path.name, path.read_bytes(), "wallpaper"))
    seed = 0
    while len(photos) < 3:
        seed += 1
        photos.append((f"generated-{seed}.jpg", generated_photo(seed), "generated"))
    return photos


def generated_photo(seed: int, size=(6000, 4000)) -> bytes:
    """A 24 MP stand-in with a photo's texture: gradient sky, shapes, sensor noise."""
    sky = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (sky, sky.point(lambda v: 200 - v // 2), Image.new("L", size, 40 + seed * 30)))
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (seed * 977 + i * 1319) % size[0], (seed * 613 + i * 887) % size[1]
        draw.ellipse((x, y, x + 300 + i * 20, y + 200 + i * 10), fill=((i * 37) % 256, (i * 91) % 256, 120))
    noise = Image.effect_noise(size, 30).filter(ImageFilter.GaussianBlur(0.8))
    image = Image.blend(image, Image.merge("RGB", (noise, noise, noise)), 0.12)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def loupe(data: bytes, formats=("jpeg", "webp")) -> dict:
    result = imaging.render_image(data, max_pixels=MAX_PIXELS, widths=WIDTHS, formats=formats, social=False)
    return {(f.format, f.width): f.data for f in result.files}


def naive(data: bytes) -> dict:
    out = {}
    with Image.open(io.BytesIO(data)) as original:
        image = ImageOps.exif_transpose(original).convert("RGB")
    for width in [w for w in WIDTHS if w <= image.width]:
        resized = image.resize((width, round(width * image.height / image.width)), Image.Resampling.LANCZOS)
        for fmt, options in (("jpeg", NAIVE_JPEG), ("webp", NAIVE_WEBP)):
            buffer = io.BytesIO()
            resized.save(buffer, fmt.upper(), **options)
            out[(fmt, width)] = buffer.getvalue()
    return out


def vips(data: bytes) -> dict:
    out = {}
    widths = sorted(WIDTHS, reverse=True)
    # Held in memory once: the JPEG loader streams, and every width reads the same pixels again.
    image = pyvips.Image.thumbnail_buffer(data, widths[0], size="down").copy_memory()
    for width in widths:
        if width > image.width and out:
            continue
        if image.width > width:
            image = image.thumbnail_image(width).copy_memory()
        out[("jpeg", width)] = image.jpegsave_buffer(Q=NAIVE_JPEG["quality"], interlace=True, keep="none")
        out[("webp", width)] = image.webpsave_buffer(Q=NAIVE_WEBP["quality"], keep="none")
    return out


def timed(function, *args, repeat=2) -> tuple[float, dict]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - start)
    return best * 1000, result


def ssim(a: bytes, b: bytes) -> float:
    """Mean SSIM of the luma, 8x8 windows (integral images; no SciPy needed)."""
    x = np.asarray(Image.open(io.BytesIO(a)).convert("L"), dtype=np.float64)
    y = np.asarray(Image.open(io.BytesIO(b)).convert("L"), dtype=np.float64)
    if x.shape != y.shape:
        return 0.0

    def window_mean(z, size=8):
        s = np.pad(z, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
        return (s[size:, size:] - s[:-size, size:] - s[size:, :-size] + s[:-size, :-size]) / (size * size)

    mx, my = window_mean(x), window_mean(y)
    vx, vy = window_mean(x * x) - mx**2, window_mean(y * y) - my**2
    cov = window_mean(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    return float((((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))).mean())


def peak_rss_mb(data: bytes) -> float:
    """Loupe's full set (with AVIF) in a fresh interpreter: a worker's own peak, not this process's."""
    with tempfile.NamedTemporaryFile(suffix=".img") as file:
        file.write(data)
        file.flush()
        code = (
            "import resource, sys; from pathlib import Path; from galleries import imaging; "
            f"imaging.render_image(Path({file.name!r}).read_bytes(), max_pixels={MAX_PIXELS}); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
        )
        root = Path(__file__).resolve().parent.parent
        output = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    return int(output.stdout.strip()) / 1024


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    photos = find_photos(directory)
    if not photos:
        sys.exit(f"No JPEG or PNG photographs in {directory}.")
    rows, loupe_ms, naive_ms, vips_ms, ssims = [], [], [], [], []
    loupe_bytes = naive_bytes = 0
    header = f"{'photo':<28} {'source':<9} {'MP':>5} {'loupe':>8} {'naive':>8} {'pyvips':>8} {'+avif':>8} {'SSIM':>6}"
    print(header)
    print("-" * len(header))
    peak = 0.0
    for name, data, source in photos:
        with Image.open(io.BytesIO(data)) as image:
            megapixels = image.width * image.height / 1e6
        t_naive, naive_out = timed(naive, data)
        t_loupe, loupe_out = timed(loupe, data)
        t_vips = timed(vips, data)[0] if pyvips is not None else None
        t_all = timed(loupe, data, ("avif", "webp", "jpeg"))[0]
        lowest = min(ssim(loupe_out[key], naive_out[key]) for key in naive_out)
        ssims.append(lowest)
        loupe_bytes += sum(len(loupe_out[key]) for key in naive_out)
        naive_bytes += sum(len(v) for v in naive_out.values())
        loupe_ms.append(t_loupe)
        naive_ms.append(t_naive)
        if t_vips is not None:
            vips_ms.append(t_vips)
        peak = max(peak, peak_rss_mb(data))
        rows.append((name, t_loupe, t_naive, t_vips, t_all))
        vips_text = f"{t_vips:8.0f}" if t_vips is not None else f"{'-':>8}"
        print(
            f"{name[:28]:<28} {source:<9} {megapixels:5.1f} {t_loupe:8.0f} {t_naive:8.0f} {vips_text} "
            f"{t_all:8.0f} {lowest:6.3f}"
        )
    loupe_median, naive_median = statistics.median(loupe_ms), statistics.median(naive_ms)
    vips_median = statistics.median(vips_ms) if vips_ms else None
    avif_ratio = statistics.median(r[4] / r[1] for r in rows)
    print("-" * len(header))
    print(
        f"times in ms, JPEG+WebP at {', '.join(map(str, WIDTHS))} (never upscaled); '+avif' is the full set with "
        f"AVIF: {avif_ratio:.2f}x the JPEG+WebP set"
    )
    summary = {
        "photos": len(photos),
        "loupe_ms": round(loupe_median, 1),
        "naive_ms": round(naive_median, 1),
        "pyvips_ms": round(vips_median, 1) if vips_median is not None else None,
        "speedup_vs_naive": round(naive_median / loupe_median, 2),
        "ratio_vs_pyvips": round(loupe_median / vips_median, 2) if vips_median else None,
        "ssim_min": round(min(ssims), 4),
        "bytes_ratio": round(loupe_bytes / naive_bytes, 3),
        "peak_rss_mb": round(peak, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
