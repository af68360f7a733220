"""Map coordinate systems of China, and the conversion of each to WGS-84.

Phones and browsers give WGS-84. Tianditu (天地图) uses CGCS2000, within about a metre of
WGS-84, so it is taken as is. AMap (高德) and Tencent maps use GCJ-02 and Baidu uses BD-09,
both offset from WGS-84 by 100-700 m: a village centre read off one of those maps and used
as is shifts a 1,500 m fence by up to half a kilometre. The service stores WGS-84 and
converts what an office types from the system it names.

GCJ-02 is the published obfuscation (the Krasovsky ellipsoid and its trigonometric
offsets, as in wandergis/coordtransform and eviltransform); BD-09 is Baidu's published
rotation of GCJ-02. Both are defined only inside China: elsewhere they equal WGS-84. The
way back (GCJ-02 to WGS-84) has no closed form; it is found by iterating the forward
formula until the point it gives lands within 1e-9 degree (about 0.1 mm) of the input;
the one-step inverse commonly used is off by 0.2-1.5 m. BD-09's published formulas are
inverses of each other only to about 0.1 m.
"""

from __future__ import annotations

import math
from typing import Literal

System = Literal["wgs84", "cgcs2000", "gcj02", "bd09"]
SYSTEMS: tuple[System, ...] = ("wgs84", "cgcs2000", "gcj02", "bd09")

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0
_TOLERANCE = 1e-9  # degrees
_ROUNDS = 30


def out_of_china(lat: float, lon: float) -> bool:
    """Outside the rough box where GCJ-02 differs from WGS-84 (the published test)."""
    return not (73.66 < lon < 135.05 and 3.86 < lat < 53.55)


def _offset_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) \
        * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    d_lat = _offset_lat(lon - 105.0, lat - 35.0)
    d_lon = _offset_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    guess_lat, guess_lon = lat, lon
    for _ in range(_ROUNDS):
        got_lat, got_lon = wgs84_to_gcj02(guess_lat, guess_lon)
        miss_lat, miss_lon = got_lat - lat, got_lon - lon
        if abs(miss_lat) < _TOLERANCE and abs(miss_lon) < _TOLERANCE:
            break
        guess_lat, guess_lon = guess_lat - miss_lat, guess_lon - miss_lon
    return guess_lat, guess_lon


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def to_wgs84(lat: float, lon: float, system: System) -> tuple[float, float]:
    """The WGS-84 position of a point given in `system`."""
    if system in ("wgs84", "cgcs2000"):
        return lat, lon
    if system == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


def from_wgs84(lat: float, lon: float, system: System) -> tuple[float, float]:
    """The WGS-84 point as `system` writes it (to draw on that system's map tiles)."""
    if system in ("wgs84", "cgcs2000"):
        return lat, lon
    if system == "gcj02":
        return wgs84_to_gcj02(lat, lon)
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))
