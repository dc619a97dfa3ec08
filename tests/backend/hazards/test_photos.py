"""Photo verification: real images made here with Pillow, and hostile files."""

from __future__ import annotations

import io
import random
import zlib

import pytest
from PIL import ExifTags, Image, ImageChops, ImageCms

from backend.hazards import photos
from backend.hazards.photos import PhotoRejectedError, PhotoRejectReason, ProcessedPhoto, process_photo

LIMITS = {"max_bytes": 15 * 1024 * 1024, "max_pixels": 50_000_000, "max_side": 2560, "thumbnail_side": 320}


def noise_image(width: int, height: int, *, seed: int = 7) -> Image.Image:
    """A gradient with noise on top: compresses like a real photo, not like a flat colour."""
    rng = random.Random(seed)
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    return Image.merge("RGB", (gradient, noise, Image.blend(gradient, noise, 0.5)))


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def rejected(data: bytes, **limits: int) -> PhotoRejectedError:
    with pytest.raises(PhotoRejectedError) as caught:
        process_photo(data, **{**LIMITS, **limits})
    assert caught.value.message  # always something a person can read
    return caught.value


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_clean_jpeg(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert not image.getexif()
    assert {"exif", "icc_profile", "comment", "xmp", "photoshop"}.isdisjoint(image.info)
    assert b"\xff\xe1" not in data  # no APP1 segment (EXIF/XMP) anywhere
    assert b"\xff\xe2" not in data  # no APP2 segment (ICC)
    assert b"\xff\xfe" not in data  # no COM segment


@pytest.fixture(scope="module")
def camera_jpeg() -> bytes:
    """A 4000×3000 'phone photo'."""
    return encode(noise_image(4000, 3000), "JPEG", quality=90)


def test_plain_jpeg_is_reencoded_and_thumbnailed() -> None:
    original = encode(noise_image(800, 600), "JPEG", quality=95)

    result = process_photo(original, **LIMITS)

    assert isinstance(result, ProcessedPhoto)
    assert (result.width, result.height) == (800, 600)
    assert (result.original_width, result.original_height) == (800, 600)
    assert result.original_format == "JPEG"
    assert result.content_type == "image/jpeg"
    assert_clean_jpeg(result.jpeg)
    assert_clean_jpeg(result.thumbnail)
    assert reopen(result.jpeg).size == (800, 600)
    assert reopen(result.thumbnail).size == (320, 240) == (result.thumbnail_width, result.thumbnail_height)


def test_large_photo_is_downscaled_to_max_side(camera_jpeg: bytes) -> None:
    result = process_photo(camera_jpeg, **LIMITS)

    assert (result.width, result.height) == (2560, 1920)
    assert reopen(result.jpeg).size == (2560, 1920)
    assert reopen(result.thumbnail).size == (320, 240)
    assert (result.original_width, result.original_height) == (4000, 3000)


def test_the_thumbnail_comes_from_the_resized_photo_without_a_second_decode(camera_jpeg: bytes, monkeypatch) -> None:
    opened: list[tuple[int, int]] = []
    real_open = photos._open

    def counting_open(data: bytes, *, max_pixels: int):  # type: ignore[no-untyped-def]
        image = real_open(data, max_pixels=max_pixels)
        opened.append(image.size)
        return image

    monkeypatch.setattr(photos, "_open", counting_open)
    result = process_photo(camera_jpeg, max_bytes=50_000_000, max_pixels=50_000_000, max_side=2560,
                           thumbnail_side=320)
    assert len(opened) == 2  # the verify probe and the one decode
    assert (result.width, result.height, result.thumbnail_width, result.thumbnail_height) == (2560, 1920, 320, 240)
    assert Image.open(io.BytesIO(result.thumbnail)).size == (320, 240)


@pytest.mark.parametrize("threads", [1, 2, 3, 4])
def test_the_banded_resize_matches_one_resize(threads: int, monkeypatch) -> None:
    monkeypatch.setattr(photos, "PHOTO_THREADS", threads)
    source = Image.effect_noise((1001, 1333), 60).convert("RGB")
    source.paste((200, 30, 30), (0, 400, 1001, 420))  # a sharp edge across the band boundaries
    size = photos._fit(source.size, 640)
    banded = photos._shrink(source, size)
    whole = source.resize(size, Image.Resampling.HAMMING)
    assert banded.size == whole.size == (481, 640)
    # the same filter over the same rows: at most one level of rounding apart (a band's box starts at a fraction)
    assert max(high for _, high in ImageChops.difference(banded, whole).getextrema()) <= 1


def test_exif_orientation_applied_and_gps_stripped() -> None:
    # stored landscape: left half red, right half blue; orientation 6 = show rotated 90° clockwise
    stored = Image.new("RGB", (400, 200), (220, 0, 0))
    stored.paste((0, 0, 220), (200, 0, 400, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (39.0, 54.0, 1.5), 3: "E", 4: (116.0, 23.0, 2.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encode(stored, "JPEG", quality=95, exif=exif.tobytes(), icc_profile=icc,
                      comment=b"shot at face 3")
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # really there

    result = process_photo(original, **LIMITS)

    assert (result.width, result.height) == (200, 400)
    assert_clean_jpeg(result.jpeg)
    assert_clean_jpeg(result.thumbnail)
    for needle in (b"PhoneMaker", b"shot at face 3", b"GPS"):
        assert needle not in result.jpeg
    photo = reopen(result.jpeg)
    top, bottom = photo.getpixel((100, 50)), photo.getpixel((100, 350))
    assert top[0] > 180 and top[2] < 60  # red on top
    assert bottom[2] > 180 and bottom[0] < 60  # blue below
    thumb = reopen(result.thumbnail)
    assert thumb.size == (160, 320)
    assert thumb.getpixel((80, 40))[0] > 180


def test_png_with_transparency_is_flattened_onto_white() -> None:
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (0, 0, 150, 200))

    result = process_photo(encode(image, "PNG"), **LIMITS)

    assert result.original_format == "PNG"
    photo = reopen(result.jpeg)
    assert min(photo.getpixel((250, 100))) > 240  # transparent → white, not black
    assert photo.getpixel((50, 100))[1] > 100
    assert reopen(result.thumbnail).size == (300, 200)  # never upscaled


def test_webp_16bit_png_palette_and_cmyk_are_accepted() -> None:
    webp = encode(noise_image(640, 480), "WEBP", quality=80)
    sixteen = encode(Image.linear_gradient("L").resize((256, 256)).convert("I").point(lambda v: v * 256)
                     .convert("I;16"), "PNG")
    assert Image.open(io.BytesIO(sixteen)).mode.startswith("I")
    palette = encode(noise_image(200, 100).convert("P"), "PNG")
    cmyk = encode(noise_image(200, 100).convert("CMYK"), "JPEG")

    assert process_photo(webp, **LIMITS).original_format == "WEBP"
    gradient = reopen(process_photo(sixteen, **LIMITS).jpeg)
    assert gradient.getpixel((0, 5))[0] < 10 < 240 < gradient.getpixel((0, 250))[0]  # scaled, not clipped
    assert process_photo(palette, **LIMITS).original_format == "PNG"
    assert reopen(process_photo(cmyk, **LIMITS).jpeg).mode == "RGB"


def test_output_can_be_processed_again() -> None:
    first = process_photo(encode(noise_image(500, 500), "PNG"), **LIMITS)
    second = process_photo(first.jpeg, **LIMITS)
    assert (second.width, second.height) == (500, 500)


def test_zero_bytes() -> None:
    assert rejected(b"").reason is PhotoRejectReason.EMPTY


def test_oversized_file_refused_before_decoding() -> None:
    error = rejected(b"\xff\xd8\xff" + b"\x00" * 2000, max_bytes=1000)
    assert error.reason is PhotoRejectReason.TOO_LARGE
    assert "1,000" in error.message


def test_text_renamed_jpg() -> None:
    text = "巷道顶板有裂缝, photo to follow\n".encode() * 50
    assert rejected(text).reason is PhotoRejectReason.NOT_AN_IMAGE


def test_html_and_random_bytes() -> None:
    assert rejected(b"<html><script>alert(1)</script></html>").reason is PhotoRejectReason.NOT_AN_IMAGE
    assert rejected(random.Random(1).randbytes(5000)).reason is PhotoRejectReason.NOT_AN_IMAGE


def test_truncated_jpeg() -> None:
    whole = encode(noise_image(640, 480), "JPEG", quality=90)
    error = rejected(whole[: len(whole) * 6 // 10])
    assert error.reason is PhotoRejectReason.TRUNCATED


def test_truncated_png() -> None:
    whole = encode(noise_image(640, 480), "PNG")
    assert rejected(whole[: len(whole) // 2]).reason in (PhotoRejectReason.TRUNCATED, PhotoRejectReason.CORRUPT)


def test_png_with_damaged_data_fails_its_checksum() -> None:
    data = bytearray(encode(noise_image(64, 64), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 40] ^= 0xFF
    assert rejected(bytes(data)).reason is PhotoRejectReason.CORRUPT


def test_20000_by_20000_png_bomb() -> None:
    bomb = encode(Image.new("1", (20000, 20000)), "PNG")
    assert len(bomb) < 100_000  # tiny on disk, 400 Mpx in memory

    error = rejected(bomb)

    assert error.reason is PhotoRejectReason.TOO_MANY_PIXELS


def test_pillow_bomb_warning_is_a_rejection_too() -> None:
    # 100 Mpx: above Pillow's warning threshold (89 Mpx), below its hard error and our own limit
    bomb = encode(Image.new("1", (10000, 10000)), "PNG")
    error = rejected(bomb, max_pixels=500_000_000)
    assert error.reason is PhotoRejectReason.TOO_MANY_PIXELS


def test_pixel_limit_checked_from_the_header() -> None:
    image = encode(Image.new("1", (10000, 6000)), "PNG")  # 60 Mpx > 50 Mpx, under Pillow's threshold
    error = rejected(image)
    assert error.reason is PhotoRejectReason.TOO_MANY_PIXELS
    assert "10000×6000" in error.message


def test_png_header_lying_about_size() -> None:
    # a valid 1×1 PNG whose IHDR claims 30000×30000, with a correct CRC
    data = bytearray(encode(Image.new("RGB", (1, 1)), "PNG"))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4: ihdr + 12] = (30000).to_bytes(4, "big") * 2
    data[ihdr + 17: ihdr + 21] = zlib.crc32(bytes(data[ihdr: ihdr + 17])).to_bytes(4, "big")
    assert rejected(bytes(data)).reason is PhotoRejectReason.TOO_MANY_PIXELS


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt: str) -> None:
    error = rejected(encode(noise_image(64, 64), fmt))
    assert error.reason is PhotoRejectReason.UNSUPPORTED_FORMAT
    assert fmt in error.message


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        process_photo(b"x", max_bytes=0, max_pixels=1, max_side=1, thumbnail_side=1)


def test_multi_picture_phone_jpeg_is_accepted_as_jpeg() -> None:
    first, second = noise_image(320, 240), noise_image(320, 240, seed=9)
    mpo = encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(mpo)).format == "MPO"

    result = process_photo(mpo, **LIMITS)

    assert result.original_format == "JPEG"
    assert (result.width, result.height) == (320, 240)
    assert_clean_jpeg(result.jpeg)
