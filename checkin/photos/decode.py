"""Sniff an upload's format from its magic bytes and decode it within the limits (pure).

Only JPEG, PNG, WebP and HEIC/HEIF are accepted, told by their magic bytes (file names and
content types are not looked at), and Pillow is told to try exactly that one format. The
pixel count is checked from the header before anything is decoded, then the decoder memory
that many pixels cost in that format; JPEGs decode through ``draft`` (libjpeg scales by 1/2,
1/4 or 1/8 while decoding, as far as both sides stay at least the target size). A refusal is
a :class:`~checkin.domain.refusal.Refusal` with a ``photo_*`` code; its HTTP status is the
edge's business (checkin/refusals.py).
"""

from __future__ import annotations

import io
import math
import threading
from collections.abc import Mapping
from typing import Final

import pillow_heif
from PIL import Image

from checkin.domain.refusal import Refusal
from checkin.photos.limits import PhotoLimits

# Registers the "HEIF" format with Pillow (idempotent). Only used when the magic bytes say HEIF.
pillow_heif.register_heif_opener()

FORMATS: Final = ("JPEG", "PNG", "WEBP", "HEIF")

# Peak bytes per decoded pixel, measured on 20-50 MP files with Pillow 13 / pillow-heif 1.8.1
# (bench/photo_ingest.py --worst-case), rounded up: the decoder's buffers, Pillow's copy and
# this module's conversions. JPEG counts the pixels after draft scaling; PNG with alpha (or a
# transparent colour) costs 9, without 5.
_DECODE_BYTES_PER_PIXEL: Final[Mapping[str, int]] = {"JPEG": 5, "PNG": 5, "WEBP": 17, "HEIF": 8}
_PNG_ALPHA_BYTES_PER_PIXEL: Final = 9
_PNG_16BIT_GREY_BYTES_PER_PIXEL: Final = 12  # I;16 -> I (4) -> scaled I (4) -> L (1)

# A HEIF decode above the general budget (max_decode_bytes) holds this: one at a time per
# process, so threads of one worker never hold two 48 MP images at once.
_large_heif = threading.Lock()

_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
)
_HEIF_GENERIC_BRANDS: Final = frozenset({b"mif1", b"msf1", b"mif2"})


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


def fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
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
    return fit(size, long_side)


def jpeg_draft_scale(size: tuple[int, int], box: tuple[int, int]) -> int:
    """The DCT scale (1, 2, 4 or 8) Pillow's JPEG ``draft`` picks for ``box``."""
    scale = min(size[0] // box[0], size[1] // box[1])
    return next(s for s in (8, 4, 2, 1) if scale >= s)


def _load_reduced(image: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Decode ``image`` and box-reduce it at once by the largest integer factor that keeps
    both sides at least ``box`` (what the pipeline's resize does first anyway), so the
    full-size pixels are freed before the lock is let go."""
    image.load()
    factor = min(image.width // box[0], image.height // box[1])
    if factor < 2:
        return image
    reduced = image.reduce(factor)
    reduced.info = dict(image.info)
    image.close()
    return reduced


def decode(
    data: bytes, fmt: str, limits: PhotoLimits
) -> tuple[Image.Image, bytes | None, tuple[int, int]]:
    """Open with exactly ``fmt``, check the pixel count, then decode (JPEG at reduced scale)."""
    image: Image.Image = Image.open(io.BytesIO(data), formats=[fmt])
    try:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise Refusal("photo_undecodable", format=fmt)
        max_pixels = limits.max_heif_pixels if fmt == "HEIF" else limits.max_pixels
        if width * height > max_pixels:
            raise Refusal("photo_too_many_pixels", format=fmt, width=width, height=height,
                          max_pixels=max_pixels)
        box = draft_box((width, height), limits.long_side)
        scale = jpeg_draft_scale((width, height), box) if fmt == "JPEG" else 1
        decoded = math.ceil(width / scale) * math.ceil(height / scale)
        per_pixel = _DECODE_BYTES_PER_PIXEL[fmt]
        if fmt == "PNG" and ("A" in image.mode or "transparency" in image.info):
            per_pixel = _PNG_ALPHA_BYTES_PER_PIXEL
        elif fmt == "PNG" and image.mode.startswith("I"):
            per_pixel = _PNG_16BIT_GREY_BYTES_PER_PIXEL
        needed = decoded * per_pixel
        budget = limits.max_heif_decode_bytes if fmt == "HEIF" else limits.max_decode_bytes
        if needed > budget:
            raise Refusal("photo_too_many_pixels", format=fmt, width=width, height=height,
                          needed_mib=needed >> 20)
        if fmt == "JPEG":
            image.draft("RGB", box)
        # HEIF: pillow-heif's draft would swap in an embedded thumbnail; the primary image is
        # decoded at full size instead (libheif has no scaled decode), and shrunk right after
        # (pipeline._shrink box-reduces first), so the full-size copy lives for a moment.
        if fmt == "HEIF" and needed > limits.max_decode_bytes:
            with _large_heif:
                image = _load_reduced(image, box)
        else:
            image.load()
        icc = image.info.get("icc_profile")
        return image, icc if isinstance(icc, bytes) and icc else None, (width, height)
    except BaseException:
        image.close()
        raise
