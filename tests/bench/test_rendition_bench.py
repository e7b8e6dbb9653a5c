"""The rendition benchmark's yardsticks: a wrong SSIM or a fake big photo would make its verdicts meaningless."""

import importlib.util
import io
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageFilter

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


def _camera_file(bench, upright, orientation, **options):
    stored = upright.transpose(bench.STORED[orientation]) if orientation in bench.STORED else upright
    return files.encode(stored, quality=92, exif=bench.camera_exif(orientation), **options)


def test_built_profiles_are_read_by_lcms_under_their_names(bench):
    for name in ("Adobe RGB (1998)", "Display P3"):
        profile = ImageCms.ImageCmsProfile(io.BytesIO(bench.PROFILES[name]))
        assert ImageCms.getProfileDescription(profile).strip() == name
        green = ImageCms.profileToProfile(Image.new("RGB", (1, 1), (0, 200, 0)), profile, bench.SRGB)
        assert green.getpixel((0, 0))[0] == 0 and green.getpixel((0, 0))[1] > 200  # wider than sRGB: clipped red


def test_traits_name_the_class_of_each_kind_of_file(bench):
    photo = files.photograph((120, 80))
    p3 = bench.PROFILES["Display P3"]

    assert bench.traits(_camera_file(bench, photo, 1))["class"] == "upright"
    rotated = bench.traits(_camera_file(bench, photo, 6))
    assert (rotated["class"], rotated["orientation"], rotated["size"]) == ("rotated 90", 6, (120, 80))
    assert bench.traits(_camera_file(bench, photo, 3))["class"] == "rotated 180"
    assert bench.traits(_camera_file(bench, photo, 6, icc_profile=p3))["class"] == "Display P3"
    assert bench.traits(files.encode(photo.convert("CMYK")))["class"] == "CMYK JPEG"
    png = bench.traits(bench.png16(photo))
    assert (png["class"], png["bits"]) == ("PNG 16-bit", 16)


def test_every_pipeline_makes_loupes_files_the_same_way_up(bench):
    if bench.pyvips is None:
        pytest.skip("pyvips is in the bench extra")
    upright = files.photograph((700, 1000))
    upright.paste((255, 0, 0), (0, 0, 200, 200))
    data = _camera_file(bench, upright, 8, icc_profile=bench.PROFILES["Adobe RGB (1998)"])
    traits = bench.traits(data)

    loupe_out = bench.loupe(data)
    others = {"naive": bench.naive(data), "pyvips": bench.vips(data, traits)}

    assert set(loupe_out) == {(fmt, w) for fmt in ("jpeg", "webp") for w in (320, 640)}
    bench.check_same_work("rotated", loupe_out, others)
    for out in others.values():
        corner = Image.open(io.BytesIO(out[("jpeg", 640)])).convert("RGB").getpixel((40, 40))
        assert corner[0] > 180 and corner[1] < 90, corner


def test_a_picture_turned_the_wrong_way_is_not_the_same_work(bench):
    upright = files.photograph((600, 400))
    upright.paste((255, 255, 255), (0, 0, 150, 100))
    ours = {("jpeg", 320): files.encode(upright.resize((320, 213)))}
    turned = {("jpeg", 320): files.encode(upright.rotate(180).resize((320, 213)))}

    bench.check_same_work("same", ours, {"other": ours})
    with pytest.raises(bench.NotTheSameWork):
        bench.check_same_work("turned", ours, {"other": turned})


def test_story_estimate_weighs_a_third_rotated(bench):
    seconds, cpu = bench.story_estimate([(3000.0, True), (1500.0, False)], count=45, workers=2)

    assert cpu == pytest.approx(15 * 3 + 30 * 1.5)
    assert seconds == pytest.approx(cpu / 2)
