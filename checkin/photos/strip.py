"""Strip a JPEG's metadata without touching its pixels (pure): the phone's bytes are kept.

Walks the marker segments and keeps only what decoding needs (quantisation and Huffman
tables, the frame, restart interval, the scans with their entropy-coded data, a plain JFIF
or Adobe header); every other APPn (EXIF, XMP, ICC, IPTC, maker notes) and comments are
dropped, and anything after the end-of-image marker. Only baseline and progressive Huffman
JPEGs (SOF0/1/2) qualify; anything unusual gives None and the photo is re-encoded."""

from __future__ import annotations

from typing import Final

_SOI: Final = b"\xff\xd8"
_KEEP: Final = frozenset({0xDB, 0xC4, 0xC0, 0xC1, 0xC2, 0xDD})  # DQT DHT SOF0-2 DRI
_APP0: Final = 0xE0
_APP14: Final = 0xEE
_SOS: Final = 0xDA
_EOI: Final = 0xD9


def strip_jpeg(data: bytes) -> bytes | None:
    """``data`` with every metadata segment removed, or None if it is not a plain JPEG."""
    if not data.startswith(_SOI):
        return None
    out = [_SOI]
    pos, end, frames = 2, len(data), 0
    while pos + 2 <= end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == _EOI:
            out.append(data[pos:pos + 2])
            return b"".join(out) if frames == 1 else None
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        segment_end = pos + 2 + length
        if pos + 4 > end or length < 2 or segment_end > end:
            return None
        body = data[pos + 4:segment_end]
        if marker == _SOS:
            scan_end = _entropy_end(data, segment_end)
            if scan_end is None:
                return None
            out.append(data[pos:scan_end])
            pos = scan_end
            continue
        if marker in _KEEP:
            frames += marker in (0xC0, 0xC1, 0xC2)
            out.append(data[pos:segment_end])
        elif marker == _APP0 and body.startswith(b"JFIF\x00") and length == 16:
            out.append(data[pos:segment_end])  # JFIF without a thumbnail
        elif marker == _APP14 and body.startswith(b"Adobe"):
            out.append(data[pos:segment_end])  # colour transform flag
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            return None  # SOF3/5-15 (lossless, hierarchical, arithmetic), DAC, DNL, ...
        pos = segment_end
    return None


def _entropy_end(data: bytes, pos: int) -> int | None:
    """Where the entropy-coded data starting at ``pos`` ends (the next real marker)."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return None
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos
