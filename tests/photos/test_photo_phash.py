"""Perceptual hash: robust to re-encoding and resizing, apart for different photos; bands."""

from __future__ import annotations

import io
import itertools
import random

import pytest
from photo_helpers import corpus, encode, scene
from PIL import Image

from checkin.photos import (
    bands,
    bands_for_distance,
    from_signed64,
    hamming,
    perceptual_hash,
    process_photo,
    to_signed64,
)

SAME_PHOTO_MAX = 6
DIFFERENT_PHOTO_MIN = 15

SAMPLES = [
    "real/jolla.jpg",
    "real/Canon_40D.jpg",
    "real/Nikon_D70.jpg",
    "real/HMD_Nokia_8.3_5G.jpg",
    "gps/DSCN0010.jpg",
    "gps/DSCN0040.jpg",
    "orientation/landscape_1.jpg",
    "heic/samplefilehub.heif",
    "heic/IMG_5195.HEIC",
    "hostile/junk_jpeg_header.jpg",
    "invalid/corrupted.jpg",
]


def degraded(data: bytes) -> bytes:
    """The same photo resized to 50% and re-encoded at JPEG quality 60."""
    with Image.open(io.BytesIO(data)) as im:
        rgb = im.convert("RGB")
    half = rgb.resize((rgb.width // 2, rgb.height // 2), Image.Resampling.LANCZOS)
    return encode(half, "JPEG", quality=60)


@pytest.mark.parametrize("name", SAMPLES)
def test_same_photo_reencoded_and_halved_is_close(name: str) -> None:
    data = (corpus() / name).read_bytes()
    original = process_photo(data).phash
    copy = process_photo(degraded(data)).phash
    assert hamming(original, copy) <= SAME_PHOTO_MAX


def test_different_photos_are_far_apart() -> None:
    root = corpus()
    hashes = {name: process_photo((root / name).read_bytes()).phash for name in SAMPLES}
    for a, b in itertools.combinations(SAMPLES, 2):
        distance = hamming(hashes[a], hashes[b])
        assert distance > DIFFERENT_PHOTO_MIN, f"{a} vs {b}: {distance}"


def test_generated_images_without_corpus() -> None:
    base = scene((800, 600))
    h = perceptual_hash(base)
    assert hamming(h, perceptual_hash(Image.open(io.BytesIO(degraded(encode(base, "PNG")))))) <= 4
    assert hamming(h, perceptual_hash(base.convert("L"))) == 0  # hash is of the grey image
    flipped = perceptual_hash(base.transpose(Image.Transpose.ROTATE_180))
    assert hamming(h, flipped) > DIFFERENT_PHOTO_MIN  # turning a photo is a different photo
    noise_a = perceptual_hash(Image.effect_noise((256, 256), 64).resize((32, 32)))
    noise_b = perceptual_hash(Image.effect_noise((256, 256), 64).resize((32, 32)))
    assert 0 <= noise_a < 1 << 64
    assert hamming(noise_a, noise_b) > DIFFERENT_PHOTO_MIN


def test_hamming() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0, (1 << 64) - 1) == 64
    assert hamming(0b1011, 0b0001) == 2
    # Signed and unsigned forms of the same hash are the same hash.
    h = 0xF0F0_0000_0000_000F
    assert hamming(h, to_signed64(h)) == 0


@pytest.mark.parametrize(
    "unsigned", [0, 1, (1 << 63) - 1, 1 << 63, (1 << 64) - 1, 0x8C97_8787_8273_3379]
)
def test_signed64_round_trip(unsigned: int) -> None:
    signed = to_signed64(unsigned)
    assert -(1 << 63) <= signed < 1 << 63
    assert from_signed64(signed) == unsigned
    assert (signed < 0) == (unsigned >= 1 << 63)


def test_signed64_rejects_out_of_range() -> None:
    for bad in (-1, 1 << 64):
        with pytest.raises(ValueError):
            to_signed64(bad)
    for bad in (1 << 63, -(1 << 63) - 1):
        with pytest.raises(ValueError):
            from_signed64(bad)


def test_four_bands_of_sixteen_bits() -> None:
    h = 0x0123_4567_89AB_CDEF
    assert bands(h) == (0x0123, 0x4567, 0x89AB, 0xCDEF)
    b = bands((1 << 64) - 1)
    assert b == (0xFFFF,) * 4


@pytest.mark.parametrize("max_distance", [0, 1, 3, 5, 7, 15])
def test_bands_for_distance_partition_the_bits(max_distance: int) -> None:
    rng = random.Random(max_distance)
    count = max_distance + 1
    base, extra = divmod(64, count)
    widths = [base + (1 if i < extra else 0) for i in range(count)]
    assert sum(widths) == 64
    for _ in range(50):
        h = rng.getrandbits(64)
        parts = bands_for_distance(h, max_distance)
        assert len(parts) == count
        rebuilt = 0
        for value, width in zip(parts, widths, strict=True):
            assert 0 <= value < 1 << width
            rebuilt = (rebuilt << width) | value
        assert rebuilt == h


@pytest.mark.parametrize("max_distance", [3, 7])
def test_pigeonhole_any_close_pair_shares_a_band(max_distance: int) -> None:
    rng = random.Random(1000 + max_distance)
    for _ in range(2000):
        h = rng.getrandbits(64)
        flips = rng.sample(range(64), rng.randint(0, max_distance))
        other = h
        for bit in flips:
            other ^= 1 << bit
        assert hamming(h, other) <= max_distance
        mine, theirs = bands_for_distance(h, max_distance), bands_for_distance(other, max_distance)
        assert any(a == b for a, b in zip(mine, theirs, strict=True))
    # One more differing bit than bands allow, one per band: no band shared any more.
    h = rng.getrandbits(64)
    other = h
    count = max_distance + 1
    base = 64 // count
    for band in range(count):
        other ^= 1 << (63 - band * base)
    mine, theirs = bands_for_distance(h, max_distance), bands_for_distance(other, max_distance)
    assert not any(a == b for a, b in zip(mine, theirs, strict=True))


def test_bands_for_distance_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        bands_for_distance(0, -1)
    with pytest.raises(ValueError):
        bands_for_distance(0, 64)


def test_signed_hash_gives_same_bands() -> None:
    h = 0xFEDC_BA98_7654_3210
    assert bands(to_signed64(h)) == bands(h)
