"""Read a photo's EXIF tolerantly: capture time, GPS position, camera, orientation (pure).

Broken EXIF never rejects a photo; it adds flags (``FLAG_*``) to what was learnt.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

from PIL import ExifTags, Image

# Flags on an accepted photo (never a reason to reject on their own).
FLAG_EXIF_UNREADABLE: Final = "exif_unreadable"  # EXIF present but nothing could be parsed
FLAG_EXIF_PARTIAL: Final = "exif_partial"  # EXIF parsed with errors; some fields may be lost
FLAG_NO_EXIF_TIME: Final = "no_exif_time"  # no usable capture time
FLAG_EXIF_TIME_INVALID: Final = "exif_time_invalid"  # a time tag present but not a date
FLAG_EXIF_TIME_FROM_DATETIME: Final = "exif_time_from_datetime"  # DateTime, not ...Original
FLAG_EXIF_GPS_INVALID: Final = "exif_gps_invalid"  # GPS tags present but unusable (or 0,0)

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


@dataclass
class ExifFacts:
    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    camera: str | None = None
    orientation: int = 1


def read_exif(
    image: Image.Image, flags: list[str], caught: list[warnings.WarningMessage] | None
) -> ExifFacts:
    """Whatever EXIF can be read; trouble becomes flags, never an exception."""
    facts = ExifFacts()
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
