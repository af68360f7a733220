"""The band probing finds every hash within distance 7: checked exhaustively on samples."""

from __future__ import annotations

import random

from checkin.photos.phash import bands, hamming
from checkin.services.visits.photo_index import probes


def reachable(a: int, b: int) -> bool:
    return any(band_b in probes(band_a, 1) for band_a, band_b in zip(bands(a), bands(b),
                                                                     strict=True))


def test_every_hash_within_seven_bits_shares_a_probed_band() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        a = rng.getrandbits(64)
        flips = rng.sample(range(64), rng.randint(0, 7))
        b = a
        for bit in flips:
            b ^= 1 << bit
        assert hamming(a, b) <= 7 and reachable(a, b)


def test_worst_case_two_bits_in_every_band_is_distance_eight() -> None:
    a = 0
    b = sum(1 << (16 * band + bit) for band in range(4) for bit in (0, 1))
    assert hamming(a, b) == 8 and not reachable(a, b)
