"""Photo verification for hazard reports: pure functions over bytes, no I/O.

`process_photo` accepts an uploaded photo only when it really is a JPEG, PNG or WebP (HEIF too when
pillow-heif is installed), within the byte and pixel limits and complete. It applies the EXIF
orientation, drops every piece of metadata (EXIF with GPS, XMP, ICC, comments), re-encodes the
pixels as a baseline JPEG no larger than `max_side` (JPEG input is decoded in draft mode, at 1/2..1/8
scale, when that still covers `max_side`) and makes the thumbnail from the resized photo. Anything
else raises PhotoRejectedError with a reason a client can show.

Pillow's truncated-image tolerance (`ImageFile.LOAD_TRUNCATED_IMAGES`) must stay off in the
backend process; a truncated upload is then an error at decode time.
"""

from __future__ import annotations

import enum
import io
import itertools
import logging
import math
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
# threads one photo's resize is split over (the caller's thread is one of them), and the pool they come from
PHOTO_THREADS = max(1, min(4, os.cpu_count() or 1))
_POOL = ThreadPoolExecutor(max_workers=PHOTO_THREADS, thread_name_prefix="photo")

# JPEG covers MPO too: the JPEG opener returns an MpoImageFile for multi-picture phone photos
ACCEPTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP")
try:  # HEIF/HEIC (iPhone default) only when the optional plugin is installed
    import pillow_heif  # type: ignore[import-not-found]

    pillow_heif.register_heif_opener()
    ACCEPTED_FORMATS = (*ACCEPTED_FORMATS, "HEIF")
except ImportError:
    pass

# Recognised but refused: (magic prefix, offset, name). Anything not recognised is "not an image".
_KNOWN_OTHER_FORMATS: tuple[tuple[bytes, int, str], ...] = (
    (b"GIF87a", 0, "GIF"),
    (b"GIF89a", 0, "GIF"),
    (b"BM", 0, "BMP"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"\x00\x00\x01\x00", 0, "ICO"),
    (b"8BPS", 0, "PSD"),
    (b"%PDF", 0, "PDF"),
    (b"ftypheic", 4, "HEIC"),
    (b"ftypheix", 4, "HEIC"),
    (b"ftypmif1", 4, "HEIF"),
    (b"ftypavif", 4, "AVIF"),
    (b"\x00\x00\x00\x0cjP  ", 0, "JPEG 2000"),
    (b"\xff\x4f\xff\x51", 0, "JPEG 2000"),
    (b"qoif", 0, "QOI"),
)


class PhotoRejectReason(enum.StrEnum):
    """Why an uploaded photo was refused."""

    EMPTY = "EMPTY"
    TOO_LARGE = "TOO_LARGE"
    NOT_AN_IMAGE = "NOT_AN_IMAGE"
    UNSUPPORTED_FORMAT = "UNSUPPORTED_FORMAT"
    TRUNCATED = "TRUNCATED"
    CORRUPT = "CORRUPT"
    TOO_MANY_PIXELS = "TOO_MANY_PIXELS"


class PhotoRejectedError(Exception):
    """A photo that is not accepted; `reason` for machines, `message` for people."""

    def __init__(self, reason: PhotoRejectReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __repr__(self) -> str:
        return f"PhotoRejectedError({self.reason.value}, {self.message!r})"


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    """The verified photo, re-encoded without metadata, and its thumbnail (both JPEG)."""

    jpeg: bytes
    thumbnail: bytes
    width: int
    height: int
    thumbnail_width: int
    thumbnail_height: int
    original_format: str
    original_width: int
    original_height: int

    content_type = "image/jpeg"


def _sniff_other_format(data: bytes) -> str | None:
    for magic, offset, name in _KNOWN_OTHER_FORMATS:
        if data[offset:offset + len(magic)] == magic:
            return name
    return None


def _open(data: bytes, *, max_pixels: int) -> ImageFile.ImageFile:
    """Open (headers only) with the accepted decoders, refusing bombs before any pixel is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejectedError(PhotoRejectReason.TOO_MANY_PIXELS,
                                 "the image has far too many pixels (decompression bomb)") from exc
    except UnidentifiedImageError as exc:
        other = _sniff_other_format(data)
        if other is not None:
            raise PhotoRejectedError(
                PhotoRejectReason.UNSUPPORTED_FORMAT,
                f"{other} images are not accepted; send a JPEG, PNG or WebP photo") from exc
        raise PhotoRejectedError(PhotoRejectReason.NOT_AN_IMAGE, "the file is not an image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # a damaged header
        raise PhotoRejectedError(PhotoRejectReason.CORRUPT, f"the image header is damaged: {exc}") from exc
    width, height = image.size
    if width < 1 or height < 1:
        raise PhotoRejectedError(PhotoRejectReason.CORRUPT, "the image has no pixels")
    if width * height > max_pixels:
        raise PhotoRejectedError(
            PhotoRejectReason.TOO_MANY_PIXELS,
            f"the image is {width}×{height} pixels; at most {max_pixels:,} pixels are accepted")
    return image


def _decode(image: ImageFile.ImageFile) -> Image.Image:
    """Decode the pixels, turning decoder failures into rejections, then apply EXIF orientation."""
    try:
        image.load()
    except OSError as exc:
        if "truncated" in str(exc):
            raise PhotoRejectedError(PhotoRejectReason.TRUNCATED,
                                     "the image is incomplete (the upload was cut short)") from exc
        raise PhotoRejectedError(PhotoRejectReason.CORRUPT, f"the image data is damaged: {exc}") from exc
    except (SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise PhotoRejectedError(PhotoRejectReason.CORRUPT, f"the image data is damaged: {exc}") from exc
    try:
        ImageOps.exif_transpose(image, in_place=True)  # no copy when there is nothing to turn
    except (ValueError, SyntaxError, OSError) as exc:  # unreadable EXIF: keep the pixels as stored
        logger.info("ignoring unreadable EXIF orientation: %s", exc)
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; transparency flattened onto white, 16-bit and float scaled to 8-bit."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif image.mode == "F":
        image = image.convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode_jpeg(image: Image.Image, *, quality: int) -> bytes:
    image.info = {}  # the JPEG encoder would copy a comment from info; nothing else is written
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _draft_box(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The box the image will be shrunk into, with its aspect ratio, for JPEG draft mode."""
    scale = side / max(size)
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size that fits `size` into a side×side box, aspect ratio kept."""
    width, height = size
    if width >= height:
        return side, max(1, round(height * side / width))
    return max(1, round(width * side / height)), side


def _shrink(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize in horizontal bands, one per worker thread (Pillow releases the GIL while it resamples).

    Each band reads the rows its filter needs from the whole image, so the result is the single resize's (to
    one level of rounding where a band's box starts at a fraction of a row).
    Hamming: the cost of bilinear (half of bicubic's for this ~1.6× downscale) and sharper than it; against
    Lanczos it differs less than the JPEG re-encode at quality 85 itself does (see docs/benchmarks.md).
    """
    scale = image.height / size[1]
    edges = [round(size[1] * n / min(PHOTO_THREADS, size[1])) for n in range(min(PHOTO_THREADS, size[1]) + 1)]
    bands = list(itertools.pairwise(edges))

    def band(top: int, bottom: int) -> Image.Image:
        box = (0, top * scale, image.width, min(bottom * scale, image.height))
        return image.resize((size[0], bottom - top), Image.Resampling.HAMMING, box)

    later = [_POOL.submit(band, top, bottom) for top, bottom in bands[1:]]
    first = band(*bands[0])
    if not later:
        return first
    out = Image.new(first.mode, size)
    out.paste(first, (0, 0))
    for (top, _), part in zip(bands[1:], later, strict=True):
        out.paste(part.result(), (0, top))
    return out


def _thumbnail_jpeg(photo: Image.Image, side: int) -> tuple[bytes, tuple[int, int]]:
    """The encoded thumbnail of the (read-only) photo, never larger than the photo."""
    if max(photo.size) > side:
        thumb = photo.resize(_fit(photo.size, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    else:  # a copy: the photo itself is being saved in the other thread (save sets attributes on the image)
        thumb = photo.copy()
    return _encode_jpeg(thumb, quality=THUMBNAIL_QUALITY), thumb.size


def process_photo(data: bytes, *, max_bytes: int, max_pixels: int, max_side: int,
                  thumbnail_side: int) -> ProcessedPhoto:
    """Verify an uploaded photo and return it re-encoded without metadata, plus a thumbnail.

    Raises PhotoRejectedError for anything that is not a complete JPEG/PNG/WebP within the limits.
    """
    if max_bytes < 1 or max_pixels < 1 or max_side < 1 or thumbnail_side < 1:
        raise ValueError("photo limits must be positive")
    if not data:
        raise PhotoRejectedError(PhotoRejectReason.EMPTY, "the file is empty")
    if len(data) > max_bytes:
        raise PhotoRejectedError(PhotoRejectReason.TOO_LARGE,
                                 f"the file is {len(data):,} bytes; at most {max_bytes:,} are accepted")

    probe = _open(data, max_pixels=max_pixels)
    fmt = "JPEG" if probe.format == "MPO" else str(probe.format)
    original_width, original_height = probe.size
    try:
        probe.verify()  # PNG: chunk CRCs; others: structure checks where the plugin has them
    except Exception as exc:  # verify raises assorted types on damaged files
        raise PhotoRejectedError(PhotoRejectReason.CORRUPT, f"the image failed verification: {exc}") from exc

    image = _open(data, max_pixels=max_pixels)  # verify() leaves the first handle unusable
    if fmt == "JPEG" and max(image.size) > max_side:
        image.draft("RGB", _draft_box(image.size, max_side))  # a smaller scale when it still covers max_side
    photo = _to_rgb(_decode(image))
    if max(photo.size) > max_side:
        photo = _shrink(photo, _fit(photo.size, max_side))
    # the thumbnail comes from the resized photo (no second decode), made while the photo is encoded
    thumb = _POOL.submit(_thumbnail_jpeg, photo, thumbnail_side)
    jpeg = _encode_jpeg(photo, quality=JPEG_QUALITY)
    thumbnail, thumbnail_size = thumb.result()

    return ProcessedPhoto(
        jpeg=jpeg,
        thumbnail=thumbnail,
        width=photo.width,
        height=photo.height,
        thumbnail_width=thumbnail_size[0],
        thumbnail_height=thumbnail_size[1],
        original_format=fmt,
        original_width=original_width,
        original_height=original_height,
    )
