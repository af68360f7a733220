"""Finding near-duplicate photos among millions by perceptual hash, through indexed bands.

Four 16-bit bands are stored per photo. Two hashes within Hamming distance d <= 7 differ in
at most one bit in some band (eight differing bits over four bands would be needed to
avoid it), so probing each band with its value and its 16 one-bit neighbours finds every
candidate through the band indexes; the exact distance is then checked on the few found.
"""

from __future__ import annotations

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from checkin.models import Photo
from checkin.photos.phash import bands, from_signed64, hamming

BAND_BITS = 16


def probes(value: int, radius: int) -> list[int]:
    """The band value and every value within `radius` (0 or 1) bits of it."""
    found = [value]
    if radius >= 1:
        found += [value ^ (1 << bit) for bit in range(BAND_BITS)]
    return found


def find_duplicate(session: Session, county_id: int | None, phash: int, max_distance: int,
                   exclude_visit: str | None = None) -> tuple[int, int] | None:
    """The earliest stored photo within `max_distance` bits, as (photo id, distance)."""
    if max_distance > 7:
        raise ValueError("band probing covers distances up to 7")
    radius = 0 if max_distance <= 3 else 1
    columns = (Photo.band0, Photo.band1, Photo.band2, Photo.band3)
    # One SELECT per band, so each uses its own (county_id, band) index on every backend.
    parts = [select(Photo.id, Photo.phash).where(Photo.county_id == county_id,
                                                 column.in_(probes(value, radius)))
             for column, value in zip(columns, bands(phash), strict=True)]
    if exclude_visit is not None:
        parts = [part.where(Photo.visit_id != exclude_visit) for part in parts]
    best: tuple[int, int] | None = None
    for photo_id, stored in session.execute(union_all(*parts)):
        distance = hamming(phash, from_signed64(stored))
        if distance <= max_distance and (best is None or photo_id < best[0]):
            best = (photo_id, distance)
    return best
