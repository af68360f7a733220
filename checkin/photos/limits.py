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
