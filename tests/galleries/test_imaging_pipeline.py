"""The rendition pipeline's two resamplers (libvips where it is installed, Pillow's otherwise) give the same
upright, sRGB, clean files; and the Pillow internals the encoders rely on are still there."""

import io
import threading

import pytest
from PIL import Image, ImageCms

from galleries import imaging
from tests.galleries import imagefiles as files
from tests.galleries.test_imaging import LIMIT, assert_clean

# The transposition a camera applies to what it sees when it writes each orientation tag.
STORED = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


@pytest.fixture(params=["libvips", "pillow"])
def resampler(request, monkeypatch):
    if request.param == "libvips":
        if imaging.pyvips is None:
            pytest.skip("libvips is not installed")
    else:
        monkeypatch.setattr(imaging, "pyvips", None)
    return request.param


def marked_photo(size=(3000, 2000)) -> Image.Image:
    """A photograph with a red top-left corner and a blue bottom-right one, to tell which way up it is."""
    upright = files.photograph(size)
    w, h = size
    upright.paste((255, 0, 0), (0, 0, w // 4, h // 4))
    upright.paste((0, 0, 255), (w - w // 4, h - h // 4, w, h))
    return upright


def as_camera_stores(upright: Image.Image, orientation: int, **options) -> bytes:
    stored = upright.transpose(STORED[orientation]) if orientation in STORED else upright
    return files.encode(stored, quality=92, exif=files.tagged_exif(orientation=orientation), **options)


def assert_upright(file: imaging.RenderedFile) -> None:
    image = Image.open(io.BytesIO(file.data)).convert("RGB")
    assert image.size == (file.width, file.height) and image.width > image.height, (file.purpose, image.size)
    w, h = image.size
    red, green, blue = image.getpixel((w // 20, h // 20))
    assert red > 200 and green < 60 and blue < 60, (file.purpose, file.format, file.width)
    red, green, blue = image.getpixel((w - w // 20, h - h // 20))
    assert blue > 200 and red < 60 and green < 60, (file.purpose, file.format, file.width)


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_a_large_photo_comes_out_upright_at_every_width_and_clean(orientation, resampler):
    data = as_camera_stores(marked_photo(), orientation)

    result = imaging.render_image(data, max_pixels=LIMIT, widths=(2560, 1280, 320), formats=("jpeg", "webp"))

    assert (result.width, result.height) == (2560, 1707)
    assert [(f.purpose, f.width, f.height) for f in result.files if f.format == "webp"] == [
        ("responsive", 2560, 1707),
        ("responsive", 1280, 853),
        ("responsive", 320, 213),
    ]
    for file in result.files:
        assert_upright(file)
        assert_clean(file)


@pytest.mark.parametrize("orientation", [1, 6])
def test_an_adobe_rgb_photo_is_converted_once_whichever_resampler(orientation, resampler):
    adobe = files.adobe_rgb_profile()
    upright = Image.new("RGB", (3000, 2000), (40, 200, 60))
    upright.paste((30, 30, 220), (1500, 0, 3000, 2000))  # the right half blue
    source = ImageCms.ImageCmsProfile(io.BytesIO(adobe))
    expected = ImageCms.profileToProfile(Image.new("RGB", (1, 1), (40, 200, 60)), source, imaging._SRGB)
    data = as_camera_stores(upright, orientation, icc_profile=adobe)

    result = imaging.render_image(data, max_pixels=LIMIT, widths=(1280, 320), formats=("jpeg", "webp"))

    for file in result.files:
        image = Image.open(io.BytesIO(file.data)).convert("RGB")
        assert "icc_profile" not in Image.open(io.BytesIO(file.data)).info
        left = image.getpixel((image.width // 4, image.height // 2))
        right = image.getpixel((image.width * 3 // 4, image.height // 2))
        assert all(abs(a - b) <= 8 for a, b in zip(left, expected.getpixel((0, 0)), strict=True)), (file.format, left)
        assert right[2] > 180 and right[1] < 80, (file.purpose, right)


def test_a_cmyk_jpeg_becomes_the_same_rgb_whichever_resampler(resampler):
    data = files.encode(Image.new("CMYK", (3000, 2000), (0, 255, 255, 0)), quality=95)

    result = imaging.render_image(data, max_pixels=LIMIT, widths=(1280,), formats=("jpeg",), social=False)

    image = Image.open(io.BytesIO(result.files[0].data))
    assert image.mode == "RGB" and image.size == (1280, 853)
    red, green, blue = image.getpixel((640, 400))
    assert red > 200 and green < 60 and blue < 60


def test_a_gps_tagged_photo_on_its_side_yields_files_without_its_metadata(resampler):
    data = as_camera_stores(marked_photo((2800, 1800)), 8)

    result = imaging.render_image(data, max_pixels=LIMIT, widths=(1920, 640), credit="Amara Okafor")

    assert {f.format for f in result.files} == {"avif", "webp", "jpeg"}
    for file in result.files:
        assert_clean(file)
        assert_upright(file)


def test_libvips_and_pillow_renditions_show_the_same_pixels(monkeypatch):
    if imaging.pyvips is None:
        pytest.skip("libvips is not installed")
    data = as_camera_stores(marked_photo(), 6)

    by_libvips = imaging.prepare_image(data, max_pixels=LIMIT)
    monkeypatch.setattr(imaging, "pyvips", None)
    by_pillow = imaging.prepare_image(data, max_pixels=LIMIT)

    assert by_libvips.size == by_pillow.size == (2560, 1707)
    differences = [abs(a - b) for a, b in zip(by_libvips.tobytes(), by_pillow.tobytes(), strict=True)]
    assert sum(differences) / len(differences) < 1.0  # both Lanczos-3: a level apart at most on average


def test_a_truncated_jpeg_is_refused_when_rendering(resampler):
    data = files.encode(files.photograph((3000, 2000)), quality=95)

    with pytest.raises(imaging.ImageRejected, match="truncated or damaged"):
        imaging.render_image(data[: len(data) // 2], max_pixels=LIMIT, widths=(640,), formats=("jpeg",))


def test_encoders_side_by_side_get_objects_of_their_own_on_the_same_pixels():
    """Guards Image._new, which Pillow does not promise: if an upgrade changes it, this fails before a
    render does."""
    assert callable(getattr(Image.Image, "_new", None)), "Pillow no longer has Image._new; see _same_pixels"
    image = files.photograph((64, 48))

    shared = imaging._same_pixels(image)
    shared.encoderinfo = {"quality": 1}
    image.paste((1, 2, 3), (0, 0, 8, 8))

    assert shared is not image and shared.im is image.im
    assert (shared.mode, shared.size) == (image.mode, image.size)
    assert shared.getpixel((0, 0)) == (1, 2, 3)  # the same pixels, not a copy
    assert getattr(image, "encoderinfo", None) != {"quality": 1}


def test_formats_encoded_side_by_side_match_those_encoded_one_by_one():
    image = files.photograph((1280, 853), seed=5)
    alone = {fmt: imaging.encode(image, fmt) for fmt in ("jpeg", "webp", "avif")}
    together: dict[str, bytes] = {}

    def encode(fmt: str) -> None:
        together[fmt] = imaging.encode(imaging._same_pixels(image), fmt)

    threads = [threading.Thread(target=encode, args=(fmt,)) for fmt in alone]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert together == alone
