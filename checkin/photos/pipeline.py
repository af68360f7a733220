"""Vet one uploaded photo and turn it into an upright, metadata-free JPEG, thumbnail and facts.

``process_photo(data)`` is pure (bytes in, value out; no Flask, no database, no files):

1. size in bytes (``too_large``), then the format from the magic bytes: JPEG, PNG, WebP or
   HEIC/HEIF, nothing else (``unsupported_format``). File names and content types are not
   looked at. Pillow is told to try exactly that one format.
2. pixel count from the header, before anything is decoded (``too_many_pixels``), and the
   decoder memory that many pixels cost in that format (PNG/WebP/HEIF decode at full size);
   Pillow's own decompression-bomb warning is turned into an error as a second line. JPEGs
   with an absurd number of scans (a CPU bomb for progressive decoding) are ``too_complex``.
3. decode (JPEG through ``draft``: libjpeg scales by 1/2, 1/4 or 1/8 while decoding, as far
   as both sides stay at least the target size); truncated or corrupt data is
   ``undecodable`` (``ImageFile.LOAD_TRUNCATED_IMAGES`` is never touched).
4. EXIF is read tolerantly: capture time, GPS position, camera, orientation. Broken EXIF
   never rejects a photo; it adds flags (see ``FLAG_*``).
5. resize to at most ``long_side`` (never upscale), flatten transparency onto white,
   convert embedded colour profiles to sRGB, turn upright by the EXIF orientation, and encode
   a JPEG that carries no metadata at all (no EXIF, ICC, XMP or comment), plus a thumbnail
   made from it, a perceptual hash and the SHA-256 of the stored JPEG bytes.

Every failure the input can cause is a :class:`~checkin.domain.refusal.Refusal` with a stable
``photo_*`` code and the ``format`` where known; the HTTP status is not this module's business
(the refusal table at the edge, checkin/refusals.py, gives it). Decoding is in ``decode.py``,
EXIF in ``exif.py``; this module is the order of the steps and the pixel work after decoding.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from PIL import Image, ImageChops, ImageCms

from checkin.domain.refusal import Refusal
from checkin.photos.decode import FORMATS, decode, draft_box, fit, jpeg_draft_scale, sniff_format
from checkin.photos.exif import (
    FLAG_EXIF_GPS_INVALID,
    FLAG_EXIF_PARTIAL,
    FLAG_EXIF_TIME_FROM_DATETIME,
    FLAG_EXIF_TIME_INVALID,
    FLAG_EXIF_UNREADABLE,
    FLAG_NO_EXIF_TIME,
    ExifFacts,
    read_exif,
)
from checkin.photos.limits import DEFAULT_LIMITS, PhotoLimits
from checkin.photos.phash import perceptual_hash
from checkin.photos.strip import strip_jpeg

__all__ = [
    "DEFAULT_LIMITS", "FLAG_EXIF_GPS_INVALID", "FLAG_EXIF_PARTIAL",
    "FLAG_EXIF_TIME_FROM_DATETIME", "FLAG_EXIF_TIME_INVALID", "FLAG_EXIF_UNREADABLE",
    "FLAG_ICC_DROPPED", "FLAG_NO_EXIF_TIME", "FORMATS", "PhotoLimits", "ProcessedPhoto",
    "draft_box", "jpeg_draft_scale", "process_photo", "sniff_format",
]

FLAG_ICC_DROPPED: Final = "icc_dropped"  # colour profile could not be converted; dropped

_ORIENTATION_TRANSPOSE: Final[Mapping[int, Image.Transpose]] = {
    # The same table as PIL.ImageOps.exif_transpose.
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class ProcessedPhoto:
    """The stored form of an accepted photo and what was learnt from the upload.

    ``width``/``height`` are those of ``jpeg``; ``original_width``/``original_height`` are the
    upload's full size *as displayed* (after the EXIF orientation). ``taken_at`` is naive
    unless the EXIF carried an offset. ``phash`` is unsigned 64-bit (see ``phash.py``).
    """

    jpeg: bytes
    thumb: bytes
    width: int
    height: int
    original_format: str
    original_width: int
    original_height: int
    taken_at: datetime | None
    exif_lat: float | None
    exif_lon: float | None
    camera: str | None
    phash: int
    sha256: str
    flags: list[str] = field(default_factory=list)


def process_photo(data: bytes, limits: PhotoLimits = DEFAULT_LIMITS) -> ProcessedPhoto:
    """Vet ``data`` and return the stored form of the photo, or raise a ``photo_*`` Refusal.

    Never raises anything else for any input bytes. Thread-safety: the work is per call,
    except that ``warnings.catch_warnings`` swaps the process-wide warning filters for the
    duration (Python < 3.14); the explicit pixel check is what actually guards, so a race
    there can only let a warning be printed, not let a bomb through.
    """
    if len(data) > limits.max_bytes:
        raise Refusal("photo_too_large", limit_mb=limits.max_bytes >> 20)
    fmt = sniff_format(data)
    if fmt is None:
        raise Refusal("photo_unsupported_format")
    if fmt == "JPEG" and data.count(b"\xff\xda") > limits.max_jpeg_scans:
        raise Refusal("photo_too_complex", format=fmt)

    flags: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # record, never print: counted as EXIF trouble
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image, icc, original_size = decode(data, fmt, limits)
        except Refusal:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise Refusal("photo_too_many_pixels", format=fmt) from exc
        except MemoryError as exc:
            raise Refusal("photo_too_many_pixels", format=fmt) from exc
        except Exception as exc:  # anything a decoder can throw at corrupt data
            raise Refusal("photo_undecodable", format=fmt) from exc
        try:
            facts = read_exif(image, flags, caught)
        except Exception:  # read_exif guards each step; this is belt and braces
            facts = ExifFacts()
            flags.append(FLAG_EXIF_UNREADABLE)
        try:
            small = _shrink(image, limits.long_side)
        except MemoryError as exc:
            raise Refusal("photo_too_many_pixels", format=fmt) from exc
        except Exception as exc:  # e.g. an exotic mode the converters refuse
            raise Refusal("photo_undecodable", format=fmt) from exc
        finally:
            image.close()

    if icc is not None and limits.convert_to_srgb:
        small = _to_srgb(small, icc, flags)
    method = _ORIENTATION_TRANSPOSE.get(facts.orientation)
    if method is not None:
        small = small.transpose(method)
        if facts.orientation >= 5:
            original_size = (original_size[1], original_size[0])

    jpeg = _encode(small, limits.jpeg_quality)
    if fmt == "JPEG" and facts.orientation == 1 and original_size == small.size:
        kept = _phone_bytes(data, small)
        if kept is not None and len(kept) <= len(jpeg):  # never more bytes than re-encoding
            jpeg = kept
    thumb_image = small.resize(
        fit(small.size, limits.thumb_side), Image.Resampling.LANCZOS, reducing_gap=2.0
    )
    thumb = _encode(thumb_image, limits.jpeg_quality)
    if facts.taken_at is None:
        flags.append(FLAG_NO_EXIF_TIME)

    return ProcessedPhoto(
        jpeg=jpeg,
        thumb=thumb,
        width=small.width,
        height=small.height,
        original_format=fmt,
        original_width=original_size[0],
        original_height=original_size[1],
        taken_at=facts.taken_at,
        exif_lat=facts.lat,
        exif_lon=facts.lon,
        camera=facts.camera,
        phash=perceptual_hash(thumb_image),
        sha256=hashlib.sha256(jpeg).hexdigest(),
        flags=list(dict.fromkeys(flags)),
    )


def _phone_bytes(data: bytes, small: Image.Image) -> bytes | None:
    """The upload itself, stripped of its metadata without re-encoding, when it decodes to
    exactly the pixels that would otherwise be encoded (no resize, no rotation, no colour
    conversion was needed: the phone's 1600 px canvas JPEG); else None."""
    stripped = strip_jpeg(data)
    if stripped is None:
        return None
    try:
        with Image.open(io.BytesIO(stripped), formats=["JPEG"]) as kept:
            kept.load()
            same = kept.size == small.size and kept.mode == "RGB" == small.mode and \
                ImageChops.difference(kept, small).getbbox() is None  # stored JPEGs are RGB
    except Exception:  # not decodable once stripped: re-encode instead
        return None
    return stripped if same else None


def _shrink(image: Image.Image, long_side: int) -> Image.Image:
    """RGB (or L) copy of ``image`` with the long side at most ``long_side``, alpha on white."""
    im = _normalise_mode(image)
    target = fit(im.size, long_side)
    if im.size != target:
        # reducing_gap=1.0: box-reduce by the integer factor first (what JPEG draft does in
        # the DCT), then LANCZOS. Saves ~2/3 of the resize time on 12 MP HEIC/PNG/WebP.
        im = im.resize(target, Image.Resampling.LANCZOS, reducing_gap=1.0)
    elif im is image:
        im = im.copy()
    if im.mode == "RGBA":
        flat = Image.new("RGB", im.size, (255, 255, 255))
        flat.paste(im, mask=im.getchannel("A"))
        im = flat
    elif im.mode != "RGB":
        im = im.convert("RGB")
    im.info.clear()
    return im


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Bring exotic modes to RGB, RGBA or L before resizing (P must not resize as NEAREST)."""
    mode = image.mode
    transparent = "transparency" in image.info
    if mode in ("RGB", "L", "RGBA") and not transparent:
        return image
    if mode == "P" and transparent and _flatten_palette(image):
        return image.convert("RGB")
    if mode in ("LA", "PA", "La", "RGBa") or transparent:
        return image.convert("RGBA")
    if mode.startswith("I;16") or mode in ("I", "F"):
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if mode == "1":
        return image.convert("L")
    return image.convert("RGB")  # P, CMYK, YCbCr, LAB, HSV, ...


def _flatten_palette(image: Image.Image) -> bool:
    """Blend a transparent palette with white, in place (no full-size RGBA copy needed)."""
    palette = image.getpalette("RGB")
    trns = image.info.get("transparency")
    if not palette:
        return False
    count = len(palette) // 3
    if isinstance(trns, int):
        alphas = [0 if i == trns else 255 for i in range(count)]
    elif isinstance(trns, bytes):
        alphas = [*trns[:count], *([255] * max(0, count - len(trns)))]
    else:
        return False
    blended = [
        round((c * a + 255 * (255 - a)) / 255)
        for i, a in enumerate(alphas)
        for c in palette[3 * i : 3 * i + 3]
    ]
    image.putpalette(blended, "RGB")
    del image.info["transparency"]
    return True


_SRGB: Final = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


_TRANSFORM_CACHE_SIZE: Final = 32
_transforms: OrderedDict[str, ImageCms.ImageCmsTransform | None] = OrderedDict()
_transforms_lock = threading.Lock()


def _srgb_transform(icc: bytes) -> ImageCms.ImageCmsTransform | None:
    """A cached RGB -> sRGB transform for profile ``icc``; None if it already is sRGB.

    Keyed by the profile's SHA-256 (not its bytes, which an upload controls), at most 32.
    """
    key = hashlib.sha256(icc).hexdigest()
    with _transforms_lock:
        if key in _transforms:
            _transforms.move_to_end(key)
            return _transforms[key]
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    if profile.profile.xcolor_space.strip() != "RGB":
        raise ValueError("not an RGB profile")
    transform: ImageCms.ImageCmsTransform | None = None
    if "srgb" not in ImageCms.getProfileDescription(profile).lower():
        # NOCACHE: lcms's one-pixel cache is what makes sharing a transform across threads unsafe
        transform = ImageCms.buildTransform(
            profile, _SRGB, "RGB", "RGB", flags=ImageCms.Flags.NOCACHE
        )
    with _transforms_lock:
        _transforms[key] = transform
        while len(_transforms) > _TRANSFORM_CACHE_SIZE:
            _transforms.popitem(last=False)
    return transform


def _to_srgb(image: Image.Image, icc: bytes, flags: list[str]) -> Image.Image:
    """Convert colours from the embedded profile to sRGB (the output carries no profile)."""
    try:
        transform = _srgb_transform(icc)
        if transform is None:
            return image
        out = ImageCms.applyTransform(image, transform)
        assert out is not None
        out.info.clear()
        return out
    except Exception:  # unparseable, or a CMYK/grey profile on what is now RGB
        flags.append(FLAG_ICC_DROPPED)
        return image


def _encode(image: Image.Image, quality: int) -> bytes:
    """Baseline JPEG with no metadata: ``info`` is emptied so no comment/XMP is copied."""
    image.info.clear()
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()
