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

Every failure the input can cause is a :class:`PhotoRejected` with a stable ``code``;
callers map it to a 4xx (``PhotoRejected.http_status``).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
import unicodedata
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final, Literal

import pillow_heif
from PIL import ExifTags, Image, ImageCms

from checkin.photos.phash import perceptual_hash

# Registers the "HEIF" format with Pillow (idempotent). Only used when the magic bytes say HEIF.
pillow_heif.register_heif_opener()

RejectCode = Literal[
    "too_large", "unsupported_format", "too_many_pixels", "too_complex", "undecodable"
]

_HTTP_STATUS: Final[Mapping[str, int]] = {
    "too_large": 413,
    "unsupported_format": 415,
    "too_many_pixels": 422,
    "too_complex": 422,
    "undecodable": 422,
}

# Flags on an accepted photo (never a reason to reject on their own).
FLAG_EXIF_UNREADABLE: Final = "exif_unreadable"  # EXIF present but nothing could be parsed
FLAG_EXIF_PARTIAL: Final = "exif_partial"  # EXIF parsed with errors; some fields may be lost
FLAG_NO_EXIF_TIME: Final = "no_exif_time"  # no usable capture time
FLAG_EXIF_TIME_INVALID: Final = "exif_time_invalid"  # a time tag present but not a date
FLAG_EXIF_TIME_FROM_DATETIME: Final = "exif_time_from_datetime"  # DateTime, not ...Original
FLAG_EXIF_GPS_INVALID: Final = "exif_gps_invalid"  # GPS tags present but unusable (or 0,0)
FLAG_ICC_DROPPED: Final = "icc_dropped"  # colour profile could not be converted; dropped

FORMATS: Final = ("JPEG", "PNG", "WEBP", "HEIF")

# Peak bytes per decoded pixel, measured on 20-50 MP files with Pillow 13 / pillow-heif 1.8.1
# (bench/photo_ingest.py --worst-case), rounded up: the decoder's buffers, Pillow's copy and
# this module's conversions. JPEG counts the pixels after draft scaling; PNG with alpha (or a
# transparent colour) costs 9, without 5.
_DECODE_BYTES_PER_PIXEL: Final[Mapping[str, int]] = {"JPEG": 5, "PNG": 5, "WEBP": 17, "HEIF": 8}
_PNG_ALPHA_BYTES_PER_PIXEL: Final = 9
_PNG_16BIT_GREY_BYTES_PER_PIXEL: Final = 12  # I;16 -> I (4) -> scaled I (4) -> L (1)

_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
)
_HEIF_GENERIC_BRANDS: Final = frozenset({b"mif1", b"msf1", b"mif2"})

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

_TAG_ORIENTATION: Final = ExifTags.Base.Orientation
_TAG_MAKE: Final = ExifTags.Base.Make
_TAG_MODEL: Final = ExifTags.Base.Model
_TAG_DATETIME: Final = ExifTags.Base.DateTime
_TAG_DATETIME_ORIGINAL: Final = ExifTags.Base.DateTimeOriginal
_TAG_OFFSET_TIME: Final = ExifTags.Base.OffsetTime
_TAG_OFFSET_TIME_ORIGINAL: Final = ExifTags.Base.OffsetTimeOriginal
_TAG_SUBSEC_TIME_ORIGINAL: Final = ExifTags.Base.SubsecTimeOriginal
_GPS_LAT_REF: Final = ExifTags.GPS.GPSLatitudeRef
_GPS_LAT: Final = ExifTags.GPS.GPSLatitude
_GPS_LON_REF: Final = ExifTags.GPS.GPSLongitudeRef
_GPS_LON: Final = ExifTags.GPS.GPSLongitude

_MAX_TEXT: Final = 64  # camera make / model are cut to this many characters each


class PhotoRejected(Exception):
    """The upload is not a photo this service keeps; ``code`` is stable, ``message`` human."""

    def __init__(self, code: RejectCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: RejectCode = code
        self.message = message

    @property
    def http_status(self) -> int:
        """413 too large, 415 unsupported format, 422 for the rest."""
        return _HTTP_STATUS[self.code]


@dataclass(frozen=True)
class PhotoLimits:
    """What an upload may cost and what is stored; the defaults suit phone photos."""

    max_bytes: int = 15 * 1024 * 1024
    max_pixels: int = 50_000_000
    long_side: int = 1600
    thumb_side: int = 320
    jpeg_quality: int = 85
    # Upper bound on SOS markers in a JPEG (stray FF DA bytes in metadata count too; phones
    # write 1-12). Thousands of tiny progressive scans make libjpeg spin for minutes.
    max_jpeg_scans: int = 100
    # Estimated decoder memory (pixels actually decoded x _DECODE_BYTES_PER_PIXEL). PNG, WebP
    # and HEIF decode at full size, so this, not max_pixels, bounds them. 192 MiB keeps a
    # worker under ~200 MB peak: 12-24 MP HEIC passes, a 48 MP HEIC (~340 MB) is refused,
    # a WebP stops at ~11 MP (libwebp keeps 3 canvases). Raise it where memory allows.
    max_decode_bytes: int = 192 * 1024 * 1024
    # Convert pixels from an embedded non-sRGB profile (iPhone: Display P3) to sRGB before the
    # profile is dropped; ~40 ms per 1600 px photo. False: drop the profile, keep the numbers.
    convert_to_srgb: bool = True

    def __post_init__(self) -> None:
        for name in (
            "max_bytes",
            "max_pixels",
            "long_side",
            "thumb_side",
            "max_jpeg_scans",
            "max_decode_bytes",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"PhotoLimits.{name} must be positive")
        if self.thumb_side > self.long_side:
            raise ValueError("PhotoLimits.thumb_side must not exceed long_side")
        if not 1 <= self.jpeg_quality <= 95:
            raise ValueError("PhotoLimits.jpeg_quality must be in 1..95")


DEFAULT_LIMITS: Final = PhotoLimits()


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


def sniff_format(data: bytes) -> str | None:
    """Pillow's name for the format the magic bytes announce, or None if not accepted."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if _is_heif(data):
        return "HEIF"
    return None


def _is_heif(data: bytes) -> bool:
    """An ISO-BMFF ``ftyp`` box naming an HEVC-coded HEIF brand (not AVIF)."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(data[:4], "big")
    if box_size < 16 or box_size > min(len(data), 4096) or box_size % 4:
        return False
    major = data[8:12]
    compatible = {data[i : i + 4] for i in range(16, box_size, 4)}
    if major in _HEIF_BRANDS:
        return True
    return major in _HEIF_GENERIC_BRANDS and bool(compatible & _HEIF_BRANDS)


def process_photo(data: bytes, limits: PhotoLimits = DEFAULT_LIMITS) -> ProcessedPhoto:
    """Vet ``data`` and return the stored form of the photo, or raise :class:`PhotoRejected`.

    Never raises anything else for any input bytes. Thread-safety: the work is per call,
    except that ``warnings.catch_warnings`` swaps the process-wide warning filters for the
    duration (Python < 3.14); the explicit pixel check is what actually guards, so a race
    there can only let a warning be printed, not let a bomb through.
    """
    if len(data) > limits.max_bytes:
        raise PhotoRejected(
            "too_large", f"{len(data)} bytes; at most {limits.max_bytes} are accepted"
        )
    fmt = sniff_format(data)
    if fmt is None:
        raise PhotoRejected("unsupported_format", "not a JPEG, PNG, WebP or HEIC/HEIF image")
    if fmt == "JPEG" and data.count(b"\xff\xda") > limits.max_jpeg_scans:
        raise PhotoRejected("too_complex", "JPEG with too many scans")

    flags: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # record, never print: counted as EXIF trouble
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image, icc, original_size = _decode(data, fmt, limits)
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRejected("too_many_pixels", "image has too many pixels") from exc
        except MemoryError as exc:
            raise PhotoRejected("too_many_pixels", "image too large to decode") from exc
        except Exception as exc:  # anything a decoder can throw at corrupt data
            raise PhotoRejected("undecodable", f"cannot decode the {fmt} data") from exc
        try:
            facts = _read_exif(image, flags, caught)
        except Exception:  # _read_exif guards each step; this is belt and braces
            facts = _ExifFacts()
            flags.append(FLAG_EXIF_UNREADABLE)
        try:
            small = _shrink(image, limits.long_side)
        except MemoryError as exc:
            raise PhotoRejected("too_many_pixels", "image too large to process") from exc
        except Exception as exc:  # e.g. an exotic mode the converters refuse
            raise PhotoRejected("undecodable", f"cannot convert the {fmt} pixels") from exc
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
    thumb_image = small.resize(
        _fit(small.size, limits.thumb_side), Image.Resampling.LANCZOS, reducing_gap=2.0
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


# --------------------------------------------------------------------------- pixels


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """``size`` scaled so its long side is at most ``long_side`` (never up), sides >= 1."""
    w, h = size
    longest = max(w, h)
    if longest <= long_side:
        return w, h
    scale = long_side / longest
    return max(1, round(w * scale)), max(1, round(h * scale))


def draft_box(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """The box to pass to ``Image.draft`` so a JPEG decodes at 1/2, 1/4 or 1/8 scale.

    Pillow picks the largest scale ``s`` with ``width // box_w >= s`` and
    ``height // box_h >= s``, so the box must have the photo's aspect ratio: a square
    ``(1600, 1600)`` box does nothing on a 4000x3000 photo (3000 // 1600 == 1), while
    ``(1600, 1200)`` decodes at 2000x1500. Both decoded sides stay >= the target.
    """
    return _fit(size, long_side)


def jpeg_draft_scale(size: tuple[int, int], box: tuple[int, int]) -> int:
    """The DCT scale (1, 2, 4 or 8) Pillow's JPEG ``draft`` picks for ``box``."""
    scale = min(size[0] // box[0], size[1] // box[1])
    return next(s for s in (8, 4, 2, 1) if scale >= s)


def _decode(
    data: bytes, fmt: str, limits: PhotoLimits
) -> tuple[Image.Image, bytes | None, tuple[int, int]]:
    """Open with exactly ``fmt``, check the pixel count, then decode (JPEG at reduced scale)."""
    image = Image.open(io.BytesIO(data), formats=[fmt])
    try:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise PhotoRejected("undecodable", "image has no pixels")
        if width * height > limits.max_pixels:
            raise PhotoRejected(
                "too_many_pixels",
                f"{width}x{height} pixels; at most {limits.max_pixels} are accepted",
            )
        box = draft_box((width, height), limits.long_side)
        scale = jpeg_draft_scale((width, height), box) if fmt == "JPEG" else 1
        decoded = math.ceil(width / scale) * math.ceil(height / scale)
        per_pixel = _DECODE_BYTES_PER_PIXEL[fmt]
        if fmt == "PNG" and ("A" in image.mode or "transparency" in image.info):
            per_pixel = _PNG_ALPHA_BYTES_PER_PIXEL
        elif fmt == "PNG" and image.mode.startswith("I"):
            per_pixel = _PNG_16BIT_GREY_BYTES_PER_PIXEL
        needed = decoded * per_pixel
        if needed > limits.max_decode_bytes:
            raise PhotoRejected(
                "too_many_pixels",
                f"{width}x{height} {fmt} needs ~{needed >> 20} MiB to decode; "
                f"at most {limits.max_decode_bytes >> 20} MiB",
            )
        if fmt == "JPEG":
            image.draft("RGB", box)
        # HEIF: pillow-heif's draft would swap in an embedded thumbnail; the primary image is
        # decoded at full size instead (libheif has no scaled decode).
        image.load()
        icc = image.info.get("icc_profile")
        return image, icc if isinstance(icc, bytes) and icc else None, (width, height)
    except BaseException:
        image.close()
        raise


def _shrink(image: Image.Image, long_side: int) -> Image.Image:
    """RGB (or L) copy of ``image`` with the long side at most ``long_side``, alpha on white."""
    im = _normalise_mode(image)
    target = _fit(im.size, long_side)
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


# --------------------------------------------------------------------------- EXIF


@dataclass
class _ExifFacts:
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    camera: str | None = None
    orientation: int = 1


def _read_exif(
    image: Image.Image, flags: list[str], caught: list[warnings.WarningMessage] | None
) -> _ExifFacts:
    """Whatever EXIF can be read; trouble becomes flags, never an exception."""
    facts = _ExifFacts()
    seen_warnings = len(caught) if caught is not None else 0
    raw = image.info.get("exif")
    try:
        exif = image.getexif()
    except Exception:
        flags.append(FLAG_EXIF_UNREADABLE)
        return facts
    if raw and len(exif) == 0:
        flags.append(FLAG_EXIF_UNREADABLE)
        return facts

    partial = False
    try:
        orientation = exif.get(_TAG_ORIENTATION)
        if isinstance(orientation, int) and 1 <= orientation <= 8:
            facts.orientation = orientation
    except Exception:
        partial = True
    try:
        exif_ifd: Mapping[int, Any] = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:
        exif_ifd, partial = {}, True
    try:
        gps_ifd: Mapping[int, Any] = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        gps_ifd, partial = {}, True
    for pointer in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo):
        if exif.get(pointer) is not None and not isinstance(exif.get(pointer), int):
            partial = True  # a sub-IFD pointer of the wrong type: Pillow skips it silently

    try:
        facts.camera = _camera(exif.get(_TAG_MAKE), exif.get(_TAG_MODEL))
    except Exception:
        partial = True
    try:
        facts.taken_at = _taken_at(exif, exif_ifd, flags)
    except Exception:
        partial = True
    try:
        facts.lat, facts.lon = _gps(gps_ifd, flags)
    except Exception:
        flags.append(FLAG_EXIF_GPS_INVALID)

    if caught is not None and len(caught) > seen_warnings:
        partial = True
    if partial:
        flags.append(FLAG_EXIF_PARTIAL)
    return facts


def _text(value: object) -> str | None:
    """A printable, trimmed string from an EXIF ASCII value (bytes or str), else None."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    cleaned = "".join(
        ch if unicodedata.category(ch)[0] != "C" else " " for ch in value.split("\x00", 1)[0]
    )
    cleaned = " ".join(cleaned.split())
    return cleaned or None


def _camera(make: object, model: object) -> str | None:
    """'Make Model' without the make repeated ('Canon' + 'Canon EOS 40D' -> 'Canon EOS 40D')."""
    make_s = (_text(make) or "")[:_MAX_TEXT]
    model_s = (_text(model) or "")[:_MAX_TEXT]
    if not model_s:
        return make_s or None
    if not make_s or model_s.lower().startswith(make_s.split()[0].lower()):
        return model_s
    return f"{make_s} {model_s}"


_DATE_FORMATS: Final = ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
_OFFSET_RE: Final = re.compile(r"([+-])(\d{2}):?(\d{2})")


def _parse_datetime(value: object) -> datetime | None:
    text = _text(value)
    if text is None or len(text) < 19:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text[:19], fmt)
        except ValueError:
            continue
    return None


def _parse_offset(value: object) -> timezone | None:
    text = _text(value)
    if text is None:
        return None
    if text.upper() == "Z":
        return UTC
    match = _OFFSET_RE.fullmatch(text)
    if match is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
    if hours > 14 or minutes >= 60:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if sign == "-" else delta)


def _taken_at(
    ifd0: Mapping[int, Any], exif_ifd: Mapping[int, Any], flags: list[str]
) -> datetime | None:
    """DateTimeOriginal (+SubSec, +OffsetTimeOriginal), else DateTime (+OffsetTime)."""
    candidates = (
        (exif_ifd.get(_TAG_DATETIME_ORIGINAL), _TAG_OFFSET_TIME_ORIGINAL, False),
        (ifd0.get(_TAG_DATETIME) or exif_ifd.get(_TAG_DATETIME), _TAG_OFFSET_TIME, True),
    )
    for raw, offset_tag, fallback in candidates:
        if raw is None:
            continue
        taken = _parse_datetime(raw)
        if taken is None:
            flags.append(FLAG_EXIF_TIME_INVALID)
            continue
        if not fallback:
            subsec = _text(exif_ifd.get(_TAG_SUBSEC_TIME_ORIGINAL))
            if subsec and subsec.isdigit():
                taken = taken.replace(microsecond=int(subsec[:6].ljust(6, "0")))
        tz = _parse_offset(exif_ifd.get(offset_tag))
        if tz is not None:
            taken = taken.replace(tzinfo=tz)
        if fallback:
            flags.append(FLAG_EXIF_TIME_FROM_DATETIME)
        return taken
    return None


def _number(value: object) -> float | None:
    """A finite float from an EXIF number (IFDRational, int, float, (num, den)), else None."""
    if isinstance(value, tuple) and len(value) == 2:
        num, den = _number(value[0]), _number(value[1])
        if num is None or den is None or den == 0:
            return None
        result = num / den
    elif isinstance(value, (bool, str, bytes)) or value is None:
        return None
    else:
        try:
            result = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return None
    return result if math.isfinite(result) else None


def _coordinate(value: object, ref: object, positive: str, negative: str, limit: float) -> float:
    """Decimal degrees from degrees/minutes/seconds and a hemisphere ref; ValueError if bad."""
    hemisphere = (_text(ref) or "").upper()[:1]
    if hemisphere not in (positive, negative):
        raise ValueError("missing or invalid hemisphere")
    parts = value if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(parts) <= 3:
        raise ValueError("wrong number of components")
    numbers = [_number(p) for p in parts]
    if any(n is None or n < 0 for n in numbers):
        raise ValueError("not a non-negative number")
    degrees, minutes, seconds = ([*numbers, 0.0, 0.0])[:3]
    assert degrees is not None and minutes is not None and seconds is not None
    if minutes >= 60 or seconds > 60:
        raise ValueError("minutes or seconds out of range")
    decimal = degrees + minutes / 60 + seconds / 3600
    if decimal > limit:
        raise ValueError("out of range")
    return -decimal if hemisphere == negative else decimal


def _gps(gps: Mapping[int, Any], flags: list[str]) -> tuple[float | None, float | None]:
    """(lat, lon) in decimal degrees, or (None, None) with a flag if present but unusable."""
    if _GPS_LAT not in gps and _GPS_LON not in gps:
        return None, None
    try:
        lat = _coordinate(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), "N", "S", 90.0)
        lon = _coordinate(gps.get(_GPS_LON), gps.get(_GPS_LON_REF), "E", "W", 180.0)
    except (ValueError, TypeError):
        flags.append(FLAG_EXIF_GPS_INVALID)
        return None, None
    if lat == 0.0 and lon == 0.0:  # "no fix" written as zeros
        flags.append(FLAG_EXIF_GPS_INVALID)
        return None, None
    return lat, lon
