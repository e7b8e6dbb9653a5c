import io
import struct
import zlib
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from galleries import imaging
from tests.galleries import imagefiles as files

LIMIT = 100_000_000
SMALL_WIDTHS = (320, 640)


def render(data: bytes, **options) -> imaging.RenderResult:
    options.setdefault("widths", SMALL_WIDTHS)
    return imaging.render_image(data, max_pixels=LIMIT, **options)


def _jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """Every JPEG segment but the compressed scans, where any short byte run turns up by chance, with its marker."""
    segments, offset = [], 2
    while offset < len(data):
        assert data[offset] == 0xFF, offset
        marker = data[offset + 1]
        if marker == 0xD9:
            break
        if marker == 0xFF:
            offset += 1
            continue
        if 0xD0 <= marker <= 0xD7:
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        segments.append((marker, data[offset : offset + 2 + length]))
        offset += 2 + length
        if marker == 0xDA:  # the scan runs to the next marker that is neither a stuffed byte nor a restart
            while not (data[offset] == 0xFF and data[offset + 1] != 0 and not 0xD0 <= data[offset + 1] <= 0xD7):
                offset += 1
    return segments


def _jpeg_headers(data: bytes) -> bytes:
    return b"".join(segment for _, segment in _jpeg_segments(data))


def _webp_headers(data: bytes) -> bytes:
    headers, offset = [data[:12]], 12
    while offset < len(data):
        kind, (size,) = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])
        end = offset + 8 + size + (size & 1)
        headers.append(data[offset : offset + 8] if kind in (b"VP8 ", b"VP8L", b"ALPH") else data[offset:end])
        offset = end
    assert offset == len(data)
    return b"".join(headers)


def _avif_headers(data: bytes) -> bytes:
    headers, offset = [], 0
    while offset < len(data):
        (size,) = struct.unpack(">I", data[offset : offset + 4])
        assert size >= 8
        pixels = data[offset + 4 : offset + 8] == b"mdat"
        headers.append(data[offset : offset + (8 if pixels else size)])
        offset += size
    assert offset == len(data)
    return b"".join(headers)


def assert_clean(file: imaging.RenderedFile) -> None:
    """Parse an output file and prove it says nothing about where or with what it was taken."""
    data = file.data
    headers = {"jpeg": _jpeg_headers, "webp": _webp_headers, "avif": _avif_headers}[file.format](data)
    assert files.SERIAL.encode() not in data, (file.format, file.width)
    for secret in (b"MAKERNOTE", b"8BIM", b"Photoshop 3.0", b"<script", b"GPS", b"Exif", b"EXIF"):
        assert secret not in headers, (file.format, file.width, secret)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == {"jpeg": "JPEG", "webp": "WEBP", "avif": "AVIF"}[file.format]
        assert len(image.getexif()) == 0
        assert "comment" not in image.info
        assert "icc_profile" not in image.info or "sRGB" in imaging._profile_name(image.info["icc_profile"])
        assert image.mode == "RGB"
    if file.format == "jpeg":
        # No COM segment. Its two bytes may turn up inside another segment by chance (a signature, say).
        assert data.endswith(b"\xff\xd9") and 0xFE not in [marker for marker, _ in _jpeg_segments(data)]
    elif file.format == "webp":
        assert data[:4] == b"RIFF" and struct.unpack("<I", data[4:8])[0] + 8 == len(data)


def test_photo_renders_every_width_in_every_format_and_a_social_card():
    data = files.encode(files.photograph((2000, 1200)), quality=90)

    result = imaging.render_image(data, max_pixels=LIMIT, credit="Amara Okafor", copyright="© Loupe")

    responsive = {(f.format, f.width) for f in result.files if f.purpose == "responsive"}
    assert responsive == {(fmt, w) for fmt in ("avif", "webp", "jpeg") for w in (320, 640, 960, 1280, 1920)}
    social = [f for f in result.files if f.purpose == "social"]
    assert [(f.width, f.height, f.format) for f in social] == [(1200, 630, "jpeg")]
    for file in result.files:
        with Image.open(io.BytesIO(file.data)) as image:
            assert image.size == (file.width, file.height)
        assert_clean(file)
    jpeg = next(f for f in result.files if f.format == "jpeg" and f.width == 640)
    assert Image.open(io.BytesIO(jpeg.data)).info.get("progressive") or b"\xff\xc2" in jpeg.data
    assert result.placeholder.startswith("data:image/webp;base64,") and len(result.placeholder) < 1024
    assert result.dominant_color.startswith("#") and len(result.dominant_color) == 7


def test_renditions_are_never_upscaled():
    result = render(files.encode(files.photograph((500, 400))), widths=imaging.RESPONSIVE_WIDTHS)

    assert {f.width for f in result.files if f.purpose == "responsive"} == {320}
    social = next(f for f in result.files if f.purpose == "social")
    assert social.width <= 500


def test_fresh_xmp_carries_only_credit_and_copyright():
    data = files.encode(files.photograph(), exif=files.tagged_exif(), xmp=files.XMP_WITH_GPS.encode())

    result = render(data, credit="Amara Okafor / Loupe", copyright="© 2024 Amara Okafor")

    for file in result.files:
        with Image.open(io.BytesIO(file.data)) as image:
            xmp = image.info.get("xmp", b"")
        xmp = xmp.encode() if isinstance(xmp, str) else xmp
        assert b"photoshop:Credit>Amara Okafor / Loupe<" in xmp
        assert "© 2024 Amara Okafor".encode() in xmp
        assert b"exif:" not in xmp and b"aux:" not in xmp and b"Lagos" not in xmp


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation):
    upright = Image.new("RGB", (400, 300), (0, 0, 255))
    upright.paste((255, 0, 0), (0, 0, 100, 75))  # the top-left corner is red
    inverse = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }
    stored = upright.transpose(inverse[orientation]) if orientation in inverse else upright
    data = files.encode(stored, quality=95, exif=files.tagged_exif(orientation=orientation))

    assert imaging.inspect_image(data, max_pixels=LIMIT).width == 400
    result = render(data, widths=(320,), formats=("jpeg", "webp"))

    for file in result.files:
        image = Image.open(io.BytesIO(file.data)).convert("RGB")
        assert image.width > image.height
        w, h = image.size
        red, _green, blue = image.getpixel((w // 10, h // 10))
        assert red > 200 and blue < 60, (file.format, file.purpose)
        for corner in ((w - 5, 5), (5, h - 5), (w - 5, h - 5)):
            assert image.getpixel(corner)[2] > 200


@pytest.mark.parametrize("orientation", [3, 5, 6, 7, 8])
def test_large_photo_stored_on_its_side_is_resized_then_turned_upright(orientation):
    upright = files.photograph((2400, 1600))
    upright.paste((255, 0, 0), (0, 0, 600, 400))  # the top-left corner is red
    upright.paste((0, 0, 255), (1800, 1200, 2400, 1600))  # the bottom-right one blue
    inverse = {
        3: Image.Transpose.ROTATE_180,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }
    data = files.encode(
        upright.transpose(inverse[orientation]), quality=95, exif=files.tagged_exif(orientation=orientation)
    )

    result = render(data, widths=(640, 320), formats=("jpeg",))

    assert (result.width, result.height) == (945, 630)  # tall enough for the social card, in proportion
    for file in result.files:
        image = Image.open(io.BytesIO(file.data)).convert("RGB")
        assert image.size == (file.width, file.height)
        w, h = image.size
        assert w > h, (file.purpose, image.size)
        assert image.getpixel((w // 20, h // 20))[0] > 200, (file.purpose, file.width)
        assert image.getpixel((w - w // 20, h - h // 20))[2] > 200, (file.purpose, file.width)


def test_threads_change_nothing_in_the_files():
    data = files.encode(files.photograph((2000, 1300), seed=3), quality=90)
    options = {"widths": (1280, 640, 320), "credit": "Amara Okafor", "focal": (0.3, 0.6)}

    alone = render(data, threads=1, **options)
    together = render(data, threads=4, **options)

    assert [(f.purpose, f.format, f.width, f.height) for f in together.files] == [
        (f.purpose, f.format, f.width, f.height) for f in alone.files
    ]
    assert [f.data for f in together.files] == [f.data for f in alone.files]
    assert (together.placeholder, together.dominant_color) == (alone.placeholder, alone.dominant_color)


def test_every_width_keeps_the_original_proportions():
    data = files.encode(files.photograph((3001, 1999)), quality=90)

    result = render(data, widths=imaging.RESPONSIVE_WIDTHS, formats=("webp",), social=False)

    sizes = [(f.width, f.height) for f in result.files]
    assert sizes == [(w, round(w * 1999 / 3001)) for w in (2560, 1920, 1280, 960, 640, 320)]


def test_gps_tagged_jpeg_yields_clean_files_and_a_receipt():
    data = files.with_segment(
        files.encode(
            files.photograph(),
            exif=files.tagged_exif(),
            xmp=files.XMP_WITH_GPS.encode(),
            comment=b"shot at the back gate",
        ),
        files.iptc_segment({(2, 105): ["IPTC headline"]}),
    )

    inspection = imaging.inspect_image(data, max_pixels=LIMIT)
    result = render(data)

    for item in ("GPS position", "camera serial number", "maker notes", "camera make and model", "comments", "XMP"):
        assert item in inspection.removed
    assert "IPTC-IIM" in inspection.removed
    for file in result.files:
        assert_clean(file)


def test_gps_tagged_heic_yields_clean_files():
    data = files.encode(files.photograph(), "HEIF", quality=70, exif=files.tagged_exif().tobytes())

    inspection = imaging.inspect_image(data, max_pixels=LIMIT)
    result = render(data)

    assert inspection.format == "HEIF"
    assert "GPS position" in inspection.removed and "camera serial number" in inspection.removed
    for file in result.files:
        assert_clean(file)


def test_xmp_only_gps_is_reported_and_dropped():
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", files.XMP_WITH_GPS)
    data = files.encode(files.photograph(), "PNG", pnginfo=info)

    inspection = imaging.inspect_image(data, max_pixels=LIMIT)

    assert "GPS position" in inspection.removed
    for file in render(data).files:
        assert_clean(file)


def test_metadata_prefers_xmp_then_iptc_then_exif():
    data = files.with_segment(
        files.encode(files.photograph(), exif=files.tagged_exif(), xmp=files.XMP_WITH_GPS.encode()),
        files.iptc_segment(
            {
                (2, 105): ["IPTC headline"],
                (2, 110): ["IPTC credit"],
                (2, 92): ["Apapa wharf"],
                (2, 25): ["harbour", "port"],
            }
        ),
    )

    metadata = imaging.inspect_image(data, max_pixels=LIMIT).metadata

    assert metadata.headline == "Night shift"
    assert metadata.caption == "Dockers unload the last boat."
    assert metadata.alt_text == "Two men carry a crate."
    assert metadata.creator == "Amara Okafor"
    assert metadata.credit_line == "Amara Okafor / Loupe"
    assert metadata.copyright == "© 2024 Amara Okafor"
    assert metadata.place_name == "Lagos, Nigeria"
    assert metadata.keywords == ["port", "night"]
    assert metadata.taken_at == datetime(2024, 5, 3, 20, 14, tzinfo=UTC)


def test_iptc_fills_in_where_xmp_is_silent_and_exif_last():
    iptc = files.iptc_segment(
        {
            (2, 105): ["Ferry at dawn"],
            (2, 120): ["The first ferry leaves Apapa."],
            (2, 80): ["Kofi Mensah"],
            (2, 110): ["Kofi Mensah for Loupe"],
            (2, 90): ["Lagos"],
            (2, 101): ["Nigeria"],
            (2, 25): ["ferry", "dawn"],
            (2, 55): ["20240601"],
            (2, 60): ["061500+0100"],
        }
    )
    data = files.with_segment(files.encode(files.photograph(), exif=files.tagged_exif()), iptc)

    metadata = imaging.inspect_image(data, max_pixels=LIMIT).metadata

    assert metadata.headline == "Ferry at dawn"
    assert metadata.caption == "The first ferry leaves Apapa."
    assert metadata.creator == "Kofi Mensah"
    assert metadata.credit_line == "Kofi Mensah for Loupe"
    assert metadata.copyright == "Exif Copyright"
    assert metadata.place_name == "Lagos, Nigeria"
    assert metadata.keywords == ["ferry", "dawn"]
    assert metadata.taken_at == datetime(2024, 6, 1, 5, 15, tzinfo=UTC)


def test_exif_copyright_keeps_the_photographers_and_the_editors_notices():
    exif = files.tagged_exif()
    exif[0x8298] = "Kofi Mensah 2024\0Loupe Desk 2025"

    metadata = imaging.inspect_image(files.encode(files.photograph(), exif=exif), max_pixels=LIMIT).metadata

    assert metadata.copyright == "Kofi Mensah 2024; Loupe Desk 2025"


@pytest.mark.parametrize(
    "date_created",
    [
        "9999-12-31T23:00:00-05:00",  # past the last date Python can hold, once in UTC
        "0001-01-01T00:00:00+05:00",  # before the first
        "1700-06-01T12:00:00Z",  # before the first photograph
        "2999-01-01T12:00:00Z",  # years from now
        "2024-05-03T21:14:00+25:00",  # an offset no place has
    ],
)
def test_a_capture_time_no_photo_can_have_is_dropped(date_created):
    xmp = files.XMP_WITH_GPS.replace("2024-05-03T21:14:00+01:00", date_created)

    metadata = imaging.inspect_image(files.encode(files.photograph(), xmp=xmp.encode()), max_pixels=LIMIT).metadata

    assert metadata.taken_at is None and metadata.headline == "Night shift"


def test_impossible_times_and_offsets_leave_the_date_they_came_with():
    exif = files.tagged_exif()
    exif.get_ifd(0x8769)[0x9011] = "+25:00"  # OffsetTimeOriginal
    from_exif = imaging.inspect_image(files.encode(files.photograph(), exif=exif), max_pixels=LIMIT).metadata
    iptc = files.iptc_segment({(2, 55): ["20240601"], (2, 60): ["250000+0000"]})
    jpeg = files.encode(files.photograph())
    from_iptc = imaging.inspect_image(files.with_segment(jpeg, iptc), max_pixels=LIMIT).metadata

    assert from_exif.taken_at == datetime(2024, 5, 3, 21, 14, tzinfo=UTC)
    assert from_iptc.taken_at == datetime(2024, 6, 1, tzinfo=UTC)


def test_adobe_rgb_photo_is_converted_to_srgb():
    adobe = files.adobe_rgb_profile()
    data = files.encode(Image.new("RGB", (400, 300), (40, 200, 60)), quality=95, icc_profile=adobe)
    expected = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), (40, 200, 60)), ImageCms.ImageCmsProfile(io.BytesIO(adobe)), imaging._SRGB
    ).getpixel((0, 0))

    inspection = imaging.inspect_image(data, max_pixels=LIMIT)
    result = render(data, widths=(320,), formats=("jpeg", "webp", "avif"))

    assert any("Adobe RGB (1998)" in item and "sRGB" in item for item in inspection.removed)
    for file in result.files:
        image = Image.open(io.BytesIO(file.data))
        assert "icc_profile" not in image.info
        pixel = image.convert("RGB").getpixel((160, 120))
        assert all(abs(a - b) <= 8 for a, b in zip(pixel, expected, strict=True)), (file.format, pixel, expected)
        assert pixel[0] < 20  # unconverted it would stay near 40


def test_cmyk_jpeg_becomes_rgb():
    data = files.encode(Image.new("CMYK", (400, 300), (0, 255, 255, 0)), quality=95)

    result = render(data, widths=(320,), formats=("jpeg",))

    image = Image.open(io.BytesIO(result.files[0].data))
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((100, 100))
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_png_is_accepted():
    gradient = Image.linear_gradient("L").resize((400, 300)).convert("I").point(lambda v: v * 257)
    data = files.encode(gradient.convert("I;16"), "PNG")

    inspection = imaging.inspect_image(data, max_pixels=LIMIT)
    result = render(data, widths=(320,), formats=("jpeg",))

    assert inspection.format == "PNG"
    image = Image.open(io.BytesIO(result.files[0].data)).convert("L")
    assert image.getpixel((10, 2)) < 30 and image.getpixel((10, image.height - 3)) > 220


def test_animated_webp_keeps_the_first_frame_and_says_so():
    frames = [Image.new("RGB", (300, 300), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    data = files.encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)

    inspection = imaging.inspect_image(data, max_pixels=LIMIT)
    result = render(data, widths=(320,), formats=("jpeg",))

    assert inspection.frames == 3
    assert any(item.startswith("animation (3 frames") for item in inspection.removed)
    red, green, _blue = Image.open(io.BytesIO(result.files[0].data)).getpixel((50, 50))
    assert red > 200 and green < 50


def test_frames_count_towards_the_pixel_limit():
    frames = [Image.new("RGB", (300, 300), (i * 20, 0, 0)) for i in range(10)]
    data = files.encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)

    with pytest.raises(imaging.ImageRejected, match="in 10 frames"):
        imaging.inspect_image(data, max_pixels=500_000)


def test_phone_mpo_keeps_its_first_picture_and_drops_the_others():
    # Phones write a depth map or preview after the main picture (MPO); the second one carries GPS too.
    main, depth = files.photograph((1600, 1200), seed=3), Image.new("RGB", (800, 600), (40, 40, 40))
    data = files.encode(main, "MPO", save_all=True, append_images=[depth], exif=files.tagged_exif(gps=True))

    inspection = imaging.inspect_image(data, max_pixels=LIMIT)
    result = render(data, widths=(320, 1280))

    assert inspection.format == "MPO"
    assert "1 more picture inside the file (a preview, depth map or stereo view)" in inspection.removed
    assert "GPS position" in inspection.removed
    assert not any(item.startswith("animation") for item in inspection.removed)
    assert {(f.format, f.width) for f in result.files if f.purpose == "responsive"} == {
        (fmt, w) for fmt in ("avif", "webp", "jpeg") for w in (320, 1280)
    }
    for file in result.files:
        assert_clean(file)
    # The main picture, not the grey depth map, is what readers get.
    jpeg = next(f for f in result.files if f.format == "jpeg" and f.width == 320)
    assert Image.open(io.BytesIO(jpeg.data)).convert("L").getextrema()[1] > 120


def test_mpo_claiming_more_pixels_than_its_bytes_hold_is_refused():
    data = files.encode(files.photograph((64, 48)), "MPO", save_all=True, append_images=[Image.new("RGB", (64, 48))])

    with pytest.raises(imaging.ImageRejected, match="damaged"):
        imaging.inspect_image(files.claiming_size(data, 6000, 4000), max_pixels=LIMIT)


def test_gif_is_refused_with_the_accepted_formats_named():
    frames = [Image.new("P", (300, 300), i) for i in range(3)]
    data = files.encode(frames[0], "GIF", save_all=True, append_images=frames[1:])

    with pytest.raises(imaging.ImageRejected, match="JPEG, PNG, WebP, HEIC/HEIF, AVIF or TIFF"):
        imaging.inspect_image(data, max_pixels=LIMIT)


def test_html_is_refused():
    with pytest.raises(imaging.ImageRejected, match="not an image Loupe accepts"):
        imaging.inspect_image(b"<html><script>alert(1)</script></html>", max_pixels=LIMIT)


def test_decompression_bomb_is_refused_before_decoding():
    data = files.png_bomb()

    assert len(data) < 1_000_000
    with pytest.raises(imaging.ImageRejected, match="too large: 12000x12000"):
        imaging.inspect_image(data, max_pixels=LIMIT)


def test_small_file_claiming_huge_dimensions_is_refused():
    small = files.encode(files.photograph((320, 240)))

    with pytest.raises(imaging.ImageRejected, match="too large: 12000x10000"):
        imaging.inspect_image(files.claiming_size(small, 12000, 10000), max_pixels=LIMIT)
    with pytest.raises(imaging.ImageRejected, match="too large: 10000x10000"):
        imaging.inspect_image(files.claiming_size(small, 10000, 10000), max_pixels=50_000_000)
    with pytest.raises(imaging.ImageRejected, match="claims 10000x10000 pixels, far more than"):
        imaging.inspect_image(files.claiming_size(small, 10000, 10000), max_pixels=LIMIT)


def test_too_small_image_is_refused():
    with pytest.raises(imaging.ImageRejected, match="too small: 150x100"):
        imaging.inspect_image(files.encode(files.photograph((150, 100))), max_pixels=LIMIT, min_side=200)


def test_truncated_jpeg_is_refused():
    data = files.encode(files.photograph((800, 600)), quality=95)

    with pytest.raises(imaging.ImageRejected, match="truncated or damaged"):
        imaging.inspect_image(data[: len(data) // 2], max_pixels=LIMIT)


def test_corrupt_png_is_refused():
    data = bytearray(files.encode(files.photograph((400, 300)), "PNG"))
    data[200:260] = b"\xff" * 60

    with pytest.raises(imaging.ImageRejected):
        imaging.inspect_image(bytes(data), max_pixels=LIMIT)


def test_html_after_the_jpeg_end_and_in_a_comment_never_reaches_a_rendition():
    script = b"<html><script>alert(document.cookie)</script></html>"
    data = files.encode(files.photograph(), comment=script) + script

    inspection = imaging.inspect_image(data, max_pixels=LIMIT)

    assert "data after the end of the image" in inspection.removed and "comments" in inspection.removed
    for file in render(data).files:
        assert_clean(file)


def test_data_after_png_iend_never_reaches_a_rendition():
    data = files.encode(files.photograph(), "PNG") + b"<script>alert(1)</script>"

    inspection = imaging.inspect_image(data, max_pixels=LIMIT)

    assert "data after the end of the image" in inspection.removed
    for file in render(data).files:
        assert_clean(file)


def test_redactions_blur_the_area_in_every_rendition():
    image = Image.new("RGB", (1000, 800), (255, 255, 255))
    for x in range(0, 500, 10):  # sharp stripes in the left half, a face or a number plate
        image.paste((0, 0, 0), (x, 0, x + 5, 800))
    data = files.encode(image, quality=95)

    result = render(data, redactions=[(0, 0, 0.5, 1)], widths=(640,), formats=("jpeg",))

    for file in result.files:
        out = Image.open(io.BytesIO(file.data)).convert("L")
        left = out.crop((out.width // 10, out.height // 4, out.width * 4 // 10, out.height * 3 // 4))
        low, high = left.getextrema()
        assert high - low < 60, (file.purpose, low, high)


def test_social_card_is_cropped_around_the_focal_point():
    image = Image.new("RGB", (1000, 1000), (0, 0, 255))
    image.paste((255, 0, 0), (0, 800, 1000, 1000))
    data = files.encode(image, quality=95)

    low = render(data, focal=(0.5, 0.95), formats=("jpeg",))
    high = render(data, focal=(0.5, 0.05), formats=("jpeg",))

    def bottom_colour(result):
        card = next(f for f in result.files if f.purpose == "social")
        out = Image.open(io.BytesIO(card.data))
        return out.getpixel((out.width // 2, out.height - 5))

    assert bottom_colour(low)[0] > 200
    assert bottom_colour(high)[2] > 200


_STORED_AS = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def _as_camera_stores(upright: Image.Image, orientation: int, **options) -> bytes:
    """The bytes a camera writes: pixels turned the opposite way, and the tag saying how to turn them back."""
    stored = upright.transpose(_STORED_AS[orientation])
    return files.encode(stored, quality=95, exif=files.tagged_exif(orientation=orientation), **options)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_blur_lands_on_the_upright_area_of_a_photo_stored_on_its_side(orientation):
    upright = Image.new("RGB", (1600, 1000), (255, 255, 255))
    for x in range(0, 1600, 10):  # sharp stripes everywhere
        upright.paste((0, 0, 0), (x, 0, x + 5, 1000))
    data = _as_camera_stores(upright, orientation)

    # The top-left quarter of the upright picture, as an editor draws it on the framing preview.
    result = render(data, redactions=[(0, 0, 0.5, 0.5)], widths=(640,), formats=("jpeg", "webp"))

    for file in result.files:
        out = Image.open(io.BytesIO(file.data)).convert("L")
        assert out.width > out.height, (file.purpose, out.size)
        w, h = out.size

        def contrast(box, out=out):
            low, high = out.crop(box).getextrema()
            return high - low

        assert contrast((w // 20, h // 10, w * 4 // 10, h * 4 // 10)) < 60, (file.format, file.purpose)
        assert contrast((w * 6 // 10, h // 10, w * 19 // 20, h * 4 // 10)) > 120, (file.format, file.purpose)
        assert contrast((w // 20, h * 6 // 10, w * 4 // 10, h * 9 // 10)) > 120, (file.format, file.purpose)


@pytest.mark.parametrize("orientation", [6, 8])
def test_adobe_rgb_photo_on_its_side_is_turned_and_converted(orientation):
    adobe = files.adobe_rgb_profile()
    upright = Image.new("RGB", (1800, 1200), (40, 200, 60))
    upright.paste((30, 30, 220), (900, 0, 1800, 1200))  # the right half blue
    expected = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), (40, 200, 60)), ImageCms.ImageCmsProfile(io.BytesIO(adobe)), imaging._SRGB
    ).getpixel((0, 0))
    data = _as_camera_stores(upright, orientation, icc_profile=adobe)

    result = render(data, widths=(960, 320), formats=("jpeg",))

    for file in result.files:
        image = Image.open(io.BytesIO(file.data)).convert("RGB")
        assert image.size == (file.width, file.height) and image.width > image.height
        left = image.getpixel((image.width // 4, image.height // 2))
        right = image.getpixel((image.width * 3 // 4, image.height // 2))
        assert all(abs(a - b) <= 8 for a, b in zip(left, expected, strict=True)), (file.purpose, left, expected)
        assert right[2] > 180 and right[1] < 80, (file.purpose, right)


def test_heic_with_a_colour_profile_is_converted_to_srgb():
    pillow_heif = pytest.importorskip("pillow_heif")
    adobe = files.adobe_rgb_profile()
    picture = Image.new("RGB", (320, 240), (40, 200, 60))
    picture.info["icc_profile"] = adobe
    buffer = io.BytesIO()
    pillow_heif.from_pillow(picture).save(buffer, quality=90, enc_params={"preset": "ultrafast"})

    result = render(buffer.getvalue(), widths=(320,), formats=("jpeg", "webp"))

    for file in result.files:
        image = Image.open(io.BytesIO(file.data))
        assert "icc_profile" not in image.info
        pixel = image.convert("RGB").getpixel((160, 120))
        assert pixel[0] < 20 and pixel[1] > 180, (file.format, pixel)  # unconverted it would stay near 40


def test_sixteen_bit_rgb_png_keeps_its_colours():
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    width, height = 400, 300
    # Orange on the left, 16 bits a sample: 0xFF80 red, 0x8040 green, 0x1000 blue.
    row = (
        b"\0"
        + struct.pack(">HHH", 0xFF80, 0x8040, 0x1000) * (width // 2)
        + struct.pack(">HHH", 0, 0, 0xFFFF) * (width // 2)
    )
    ihdr = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")
    )

    result = render(data, widths=(320,), formats=("jpeg",))

    image = Image.open(io.BytesIO(result.files[0].data)).convert("RGB")
    red, green, blue = image.getpixel((40, 150))
    assert red > 240 and 110 < green < 145 and blue < 30, (red, green, blue)
    assert image.getpixel((280, 150))[2] > 240


def test_formats_come_back_in_the_order_asked_whatever_order_they_are_encoded_in():
    data = files.encode(files.photograph((1000, 700)), quality=90)

    result = render(data, widths=(640, 320), formats=("jpeg", "avif", "webp"), social=False)

    assert [(f.width, f.format) for f in result.files] == [
        (640, "jpeg"),
        (640, "avif"),
        (640, "webp"),
        (320, "jpeg"),
        (320, "avif"),
        (320, "webp"),
    ]
