"""The rendition benchmark's yardsticks: a wrong SSIM or a fake big photo would make its verdicts meaningless."""

import importlib.util
import io
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from tests.galleries import imagefiles as files

np = pytest.importorskip("numpy", reason="numpy is in the bench extra")


@pytest.fixture(scope="module")
def bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "renditions.py"
    spec = importlib.util.spec_from_file_location("rendition_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def windowed_ssim(x, y):
    """The textbook computation, one 8x8 window at a time, every 4 pixels."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    scores = []
    for top in range(0, x.shape[0] - 7, 4):
        for left in range(0, x.shape[1] - 7, 4):
            a, b = x[top : top + 8, left : left + 8], y[top : top + 8, left : left + 8]
            cov = ((a - a.mean()) * (b - b.mean())).mean()
            scores.append(
                ((2 * a.mean() * b.mean() + c1) * (2 * cov + c2))
                / ((a.mean() ** 2 + b.mean() ** 2 + c1) * (a.var() + b.var() + c2))
            )
    return float(np.mean(scores))


def test_ssim_matches_the_textbook_window_by_window(bench):
    photo = files.photograph((96, 64))
    x = bench.luma(photo)
    y = bench.luma(photo.filter(ImageFilter.GaussianBlur(1.5)))

    assert bench.ssim(x, x) == pytest.approx(1.0)
    assert bench.ssim(x, y) == pytest.approx(windowed_ssim(x, y), abs=1e-9)
    assert bench.ssim(x, y) < 0.97


def test_ssim_of_different_sizes_is_a_failure(bench):
    assert bench.ssim(np.zeros((64, 96)), np.zeros((65, 96))) == 0.0


def test_big_photo_has_the_pixels_asked_for_and_the_original_detail(bench):
    original = files.photograph((300, 200))
    data = files.encode(original, quality=95)

    big = Image.open(io.BytesIO(bench.big_photo(data, pixels=600_000)))

    assert big.format == "JPEG"
    assert 600_000 <= big.width * big.height < 600_000 + big.width
    assert abs(big.width / big.height - 1.5) < 0.01
    corner = bench.luma(big.crop((0, 0, 300, 200)))
    assert bench.ssim(corner, bench.luma(original)) > 0.9  # tiled at full detail, not upscaled


def test_nudged_pixels_move_by_one_level_and_no_more(bench):
    photo = files.photograph((200, 150))

    before = np.asarray(photo, dtype=np.int16)
    every = np.abs(np.asarray(bench.nudged(photo), dtype=np.int16) - before)
    some = np.abs(np.asarray(bench.nudged(photo, share=0.01), dtype=np.int16) - before)

    assert every.max() == 1 and (every > 0).mean() > 0.99  # all but samples clipped at 0 or 255
    assert some.max() == 1 and 0.005 < (some > 0).mean() < 0.015


def test_noise_floor_is_the_lowest_ssim_of_the_nudged_renditions(bench):
    photo = files.photograph((640, 427))
    resized = {320: photo.resize((320, 213), Image.Resampling.LANCZOS)}
    naive_out = {}
    for fmt, options in (("jpeg", bench.NAIVE_JPEG), ("webp", bench.NAIVE_WEBP)):
        buffer = io.BytesIO()
        resized[320].save(buffer, fmt.upper(), **options)
        naive_out[(fmt, 320)] = buffer.getvalue()

    floor = bench.noise_floor(resized, naive_out)

    assert 0.9 < floor < 1.0
