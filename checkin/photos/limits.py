"""What an uploaded photo may cost (bytes, pixels, decoder memory) and what is stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


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
    # decode at full size, so this, not max_pixels, bounds them. 192 MiB keeps a worker
    # under ~200 MB peak: a WebP stops at ~11 MP (libwebp keeps 3 canvases). HEIF has its
    # own bounds (below). Raise it where memory allows.
    max_decode_bytes: int = 192 * 1024 * 1024
    # HEIC/HEIF has bounds of its own: Chromium cannot shrink HEIC, so the phone sends an
    # iPhone's 48 MP photo (8064x6048) as it is, and libheif has no scaled decode. The full
    # decode measured 330 MiB peak RSS for 48 MP (6.8-7.5 bytes per pixel on 12-48 MP files,
    # estimated at 8): 52 MP covers 48 MP and "50 MP" (8192x6144) sensors, 52 MP x 8 B is
    # under 400 MiB, and such a decode runs one at a time per process (decode.py).
    max_heif_pixels: int = 52_000_000
    max_heif_decode_bytes: int = 400 * 1024 * 1024
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
            "max_heif_pixels",
            "max_heif_decode_bytes",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"PhotoLimits.{name} must be positive")
        if self.thumb_side > self.long_side:
            raise ValueError("PhotoLimits.thumb_side must not exceed long_side")
        if not 1 <= self.jpeg_quality <= 95:
            raise ValueError("PhotoLimits.jpeg_quality must be in 1..95")


DEFAULT_LIMITS: Final = PhotoLimits()
