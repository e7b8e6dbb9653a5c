"""Time the rendition set: Loupe's pipeline against a naive Pillow pipeline and pyvips, in one run.

    python bench/renditions.py [DIR]

DIR holds JPEG/PNG photographs; without it, the photographs of 12 MP or more
under /usr/share/backgrounds (Debian's wallpaper packages) are used, topped
up with Pillow-generated photographs when fewer than three are found.

Every pipeline makes JPEG and WebP at the same widths with the same encoder
settings; the three are timed in turns, best of REPEAT, so a busy machine
slows them alike. Then, for Loupe alone: the full set with AVIF, the peak
memory of a worker rendering a 50 MP JPEG (tiled from the largest photo), and
a 45-photo story rendered by two worker processes. Prints a table, then one
JSON line.

Quality is SSIM of the luma, 8x8 windows every 4 pixels (as x264 and FFmpeg
compute it), for every rendition against the naive pipeline's rendition of the
same width and format. Two encodes of slightly different pixels can differ
more than either differs from its source on finely textured photos, so the
table also shows how faithful each rendition is to the naive pipeline's
unencoded pixels compared with the naive rendition itself ("ref gap": how much
SSIM Loupe loses there; 0 or below means it loses nothing), and the same SSIM
for pyvips, the other pipeline held to that standard. "floor" calibrates the
yardstick on each photo: the lowest SSIM against the naive rendition of a
rendition made from the naive pipeline's own pixels with every colour sample
nudged by one level (+1 or -1 at random), which no eye can see. Where that
floor is below 0.98 (finely textured photos), only pixels identical to the
naive pipeline's reach 0.98.
"""

import io
import json
import multiprocessing
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from galleries import imaging

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = imaging.RESPONSIVE_WIDTHS
MAX_PIXELS = 200_000_000
MIN_MEGAPIXELS = 12
REPEAT = 3
BIG_PHOTO_PIXELS = 50_000_000
STORY_PHOTOS = 45
STORY_WORKERS = 2
# The naive pipeline saves at Loupe's quality settings and Pillow's default effort (WebP method 4).
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


def big_photo(data: bytes, pixels: int = BIG_PHOTO_PIXELS) -> bytes:
    """A photo of `pixels` pixels with the original's detail: mirrored tiles, not an upscale."""
    with Image.open(io.BytesIO(data)) as original:
        tile = ImageOps.exif_transpose(original).convert("RGB")
    width = round((pixels * tile.width / tile.height) ** 0.5)
    height = -(-pixels // width)
    canvas = Image.new("RGB", (width, height))
    variants = [[tile, ImageOps.mirror(tile)], [ImageOps.flip(tile), tile.rotate(180)]]
    for row, top in enumerate(range(0, height, tile.height)):
        for column, left in enumerate(range(0, width, tile.width)):
            canvas.paste(variants[row % 2][column % 2], (left, top))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def loupe(data: bytes, formats=("jpeg", "webp")) -> dict:
    result = imaging.render_image(data, max_pixels=MAX_PIXELS, widths=WIDTHS, formats=formats, social=False)
    return {(f.format, f.width): f.data for f in result.files}


def naive_resized(data: bytes) -> dict[int, Image.Image]:
    with Image.open(io.BytesIO(data)) as original:
        image = ImageOps.exif_transpose(original).convert("RGB")
    return {
        width: image.resize((width, round(width * image.height / image.width)), Image.Resampling.LANCZOS)
        for width in WIDTHS
        if width <= image.width
    }


def naive(data: bytes) -> dict:
    out = {}
    for width, resized in naive_resized(data).items():
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


def timed_in_turns(runs: dict, repeat: int = REPEAT) -> dict[str, tuple[float, dict]]:
    """Best time in ms and the output of each run, the runs taking turns so load changes hit them alike."""
    best = dict.fromkeys(runs, float("inf"))
    outputs = {}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            outputs[name] = run()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: (best[name] * 1000, outputs[name]) for name in runs}


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
        if vips_out is not None and (fmt, width) in vips_out:
            other = luma(vips_out[(fmt, width)])
            if other.shape == theirs.shape:  # pyvips rounds some heights the other way
                vips_lowest = min(vips_lowest or 1.0, ssim(other, theirs))
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


def render_story_photo(path: str) -> int:
    result = imaging.render_image(Path(path).read_bytes(), max_pixels=MAX_PIXELS)
    return sum(len(file.data) for file in result.files)


def story_seconds(photos: list[bytes], count: int = STORY_PHOTOS, workers: int = STORY_WORKERS) -> tuple[float, float]:
    """Wall clock and the workers' CPU time for `count` photos, every format and the social card, on `workers`
    processes (start-up included). The CPU time tells a busy machine from a slow pipeline."""
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        for index, data in enumerate(photos):
            path = Path(directory) / f"{index}.jpg"
            path.write_bytes(data)
            paths.append(str(path))
        story = [paths[i % len(paths)] for i in range(count)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        # Spawned, not forked: this process runs pyvips' threads.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(render_story_photo, story))
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    photos = find_photos(directory)
    if not photos:
        sys.exit(f"No JPEG or PNG photographs in {directory}.")
    rows, ssims, gaps, vips_ssims, floors = [], [], [], [], []
    loupe_bytes = naive_bytes = 0
    header = (
        f"{'photo':<28} {'source':<9} {'MP':>5} {'loupe':>8} {'naive':>8} {'pyvips':>8} {'+avif':>8} "
        f"{'SSIM':>6} {'refgap':>7} {'pyvSSIM':>7} {'floor':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, data, source in photos:
        with Image.open(io.BytesIO(data)) as image:
            megapixels = image.width * image.height / 1e6
        runs = {"naive": partial(naive, data), "loupe": partial(loupe, data)}
        if pyvips is not None:
            runs["pyvips"] = partial(vips, data)
        runs["all"] = partial(loupe, data, ("avif", "webp", "jpeg"))
        results = timed_in_turns(runs)
        (t_naive, naive_out), (t_loupe, loupe_out) = results["naive"], results["loupe"]
        t_vips, vips_out = results.get("pyvips", (None, None))
        t_all = results["all"][0]
        lowest, gap, vips_lowest, floor = quality(data, loupe_out, naive_out, vips_out)
        ssims.append(lowest)
        floors.append(floor)
        gaps.append(gap)
        if vips_lowest is not None:
            vips_ssims.append(vips_lowest)
        loupe_bytes += sum(len(loupe_out[key]) for key in naive_out)
        naive_bytes += sum(len(v) for v in naive_out.values())
        rows.append((t_loupe, t_naive, t_vips, t_all))
        vips_text = f"{t_vips:8.0f}" if t_vips is not None else f"{'-':>8}"
        vips_ssim_text = f"{vips_lowest:7.4f}" if vips_lowest is not None else f"{'-':>7}"
        print(
            f"{name[:28]:<28} {source:<9} {megapixels:5.1f} {t_loupe:8.0f} {t_naive:8.0f} {vips_text} "
            f"{t_all:8.0f} {lowest:6.4f} {gap:7.4f} {vips_ssim_text} {floor:6.4f}"
        )
    print("-" * len(header))
    loupe_median = statistics.median(r[0] for r in rows)
    naive_median = statistics.median(r[1] for r in rows)
    vips_times = [r[2] for r in rows if r[2] is not None]
    vips_median = statistics.median(vips_times) if vips_times else None
    avif_ratio = statistics.median(r[3] / r[0] for r in rows)
    print(
        f"times in ms (best of {REPEAT}), JPEG+WebP at {', '.join(map(str, WIDTHS))} (never upscaled); '+avif' is "
        f"Loupe's full set with AVIF: {avif_ratio:.2f}x the JPEG+WebP set"
    )

    largest = max(photos, key=lambda photo: len(photo[1]))
    big = big_photo(largest[1])
    peak = peak_rss_mb(big)
    print(
        f"peak memory of a worker rendering a {BIG_PHOTO_PIXELS // 1_000_000} MP JPEG (tiled from {largest[0]}): "
        f"{peak:.0f} MB"
    )
    story, story_cpu = story_seconds([data for _name, data, _source in photos])
    print(
        f"a {STORY_PHOTOS}-photo story, every format, on {STORY_WORKERS} worker processes: {story:.1f} s "
        f"({story_cpu:.0f} s of CPU)"
    )
    summary = {
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
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
