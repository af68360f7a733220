"""Perceptual hash (64-bit DCT pHash) of photos, Hamming distance and band keys for look-up.

The hash is the classic pHash: the image is reduced to 32x32 grey, a 2-D DCT-II is taken,
and the 8x8 lowest frequencies are compared with their median, one bit each (row-major,
most significant bit first). It survives re-encoding, resizing and mild colour changes;
it does not survive rotation, mirroring or heavy cropping. Pure Python (no numpy): only the
64 needed coefficients are computed, about 10,000 multiply-adds, ~1 ms.

Finding near-duplicates in a database
-------------------------------------
Hashes are 64-bit unsigned; PostgreSQL BIGINT and SQLite INTEGER are signed, so store
``to_signed64(h)`` and read back with ``from_signed64``.

To find every stored hash within Hamming distance ``d`` of a new hash without scanning the
table, split the 64 bits into ``d + 1`` disjoint bands. If two hashes differ in at most
``d`` bits, the differing bits fall into at most ``d`` bands, so by the pigeonhole principle
at least one band is *identical* in both. Index each band exactly:

* four 16-bit bands for ``d <= 3`` (:func:`bands`): columns ``band0..band3`` on the photo
  row, one B-tree index per column; or
* ``d + 1`` bands for a larger ``d`` (:func:`bands_for_distance`, e.g. 8 bands of 8 bits
  for ``d <= 7``): a side table ``photo_band(photo_id, band_no, value)`` with an index on
  ``(band_no, value)``.

Query the candidates with ``band0 = :b0 OR band1 = :b1 OR ...`` (or
``(band_no, value) IN (...)``), then compute the exact distance on the few candidates:
in Python with :func:`hamming`, or in PostgreSQL 14+ with
``bit_count((phash # :h)::bit(64))``. Narrow bands (8 bits: 256 values) are selective only
in combination; on a large table prefer 16-bit bands and accept ``d <= 3`` for the indexed
look-up, widening to ``d <= 7`` only within a small scope (one village, one week).
"""

from __future__ import annotations

import math
from functools import cache
from operator import mul

from PIL import Image

HASH_BITS = 64
_SIZE = 32  # side of the grey image the DCT is taken of
_LOW = 8  # side of the low-frequency block kept (8 x 8 = 64 bits)
_MASK64 = (1 << 64) - 1


@cache
def _cos_table() -> tuple[tuple[float, ...], ...]:
    """cos(pi * (2x + 1) * u / 2N) for u < 8, x < 32: the DCT-II basis rows actually used."""
    return tuple(
        tuple(math.cos(math.pi * (2 * x + 1) * u / (2 * _SIZE)) for x in range(_SIZE))
        for u in range(_LOW)
    )


def perceptual_hash(image: Image.Image) -> int:
    """The 64-bit unsigned pHash of ``image`` (any mode; it is converted to grey)."""
    grey = image.convert("L") if image.mode != "L" else image
    small = grey.resize((_SIZE, _SIZE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    pixels = small.tobytes()
    table = _cos_table()
    # DCT along rows, keeping the 8 lowest frequencies of each of the 32 rows.
    rows = [pixels[y * _SIZE : (y + 1) * _SIZE] for y in range(_SIZE)]
    row_coeffs = [[sum(map(mul, row, basis)) for basis in table] for row in rows]
    # DCT down the columns of those 8 coefficients, keeping 8 frequencies.
    coeffs: list[float] = []
    for v in range(_LOW):
        basis = table[v]
        for u in range(_LOW):
            coeffs.append(sum(row_coeffs[y][u] * basis[y] for y in range(_SIZE)))
    ordered = sorted(coeffs)
    median = (ordered[31] + ordered[32]) / 2
    value = 0
    for c in coeffs:
        value = (value << 1) | (1 if c > median else 0)
    return value


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes (signed or unsigned form)."""
    return ((a ^ b) & _MASK64).bit_count()


def to_signed64(h: int) -> int:
    """Map an unsigned 64-bit hash onto the signed range of a BIGINT column."""
    if not 0 <= h <= _MASK64:
        raise ValueError(f"not an unsigned 64-bit value: {h}")
    return h - (1 << 64) if h >= 1 << 63 else h


def from_signed64(s: int) -> int:
    """Inverse of :func:`to_signed64`: the unsigned hash from a BIGINT value."""
    if not -(1 << 63) <= s < 1 << 63:
        raise ValueError(f"not a signed 64-bit value: {s}")
    return s & _MASK64


def bands_for_distance(h: int, max_distance: int) -> tuple[int, ...]:
    """Split ``h`` into ``max_distance + 1`` disjoint bands, most significant first.

    Any two hashes within ``max_distance`` bits share at least one band value at the same
    position. Widths differ by at most one bit (e.g. ``max_distance=5``: 11,11,11,11,10,10).
    Every value is non-negative and below ``2 ** width``.
    """
    if not 0 <= max_distance < HASH_BITS:
        raise ValueError(f"max_distance must be in 0..{HASH_BITS - 1}, got {max_distance}")
    h &= _MASK64
    count = max_distance + 1
    base, extra = divmod(HASH_BITS, count)
    out: list[int] = []
    shift = HASH_BITS
    for i in range(count):
        width = base + (1 if i < extra else 0)
        shift -= width
        out.append((h >> shift) & ((1 << width) - 1))
    return tuple(out)


def bands(h: int) -> tuple[int, int, int, int]:
    """Four 16-bit bands of ``h``: two hashes within distance 3 share at least one exactly."""
    b0, b1, b2, b3 = bands_for_distance(h, 3)
    return b0, b1, b2, b3
