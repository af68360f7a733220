"""process_photo over every file of the real photo corpus, and over generated hostile cases."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import pytest
from photo_helpers import CORPUS, corpus, corpus_params, encode, scene
from PIL import ExifTags, Image, ImageChops, ImageStat, TiffImagePlugin

from checkin.domain.refusal import Refusal
from checkin.photos import (
    DEFAULT_LIMITS,
    PhotoLimits,
    ProcessedPhoto,
    process_photo,
    sniff_format,
)
from checkin.photos.pipeline import draft_box, jpeg_draft_scale
from checkin.refusals import status_of

ACCEPT = "accept"
TIME_LIMIT_S = 5.0

# What the service does with each corpus file: ACCEPT, or the photo_* refusal code. Written
# out file by file; test_table_covers_the_corpus fails when a file is added or removed.
EXPECTED: dict[str, str] = {
    **{f"gps/DSCN00{n}.jpg": ACCEPT for n in (10, 12, 21, 25, 27, 29, 38, 40, 42)},
    "heic/HMD_Nokia_8.3_5G.heif": ACCEPT,
    "heic/IMG_5195.HEIC": ACCEPT,
    "heic/iphone_13_pro_max.HEIC": ACCEPT,
    "heic/samplefilehub.heif": ACCEPT,
    # hostile/: decided by the magic bytes first, then by Pillow within our limits.
    "hostile/broken.png": "photo_undecodable",  # PNG signature, then garbage: Pillow gives up
    "hostile/broken_data_stream.png": "photo_undecodable",  # IHDR fine, zlib stream broken
    "hostile/crash-2020-10-test.tif": "photo_unsupported_format",  # TIFF is not accepted at all
    "hostile/decompression_bomb.gif": "photo_unsupported_format",  # GIF bomb (4.3 Gpx): refused
    "hostile/decompression_bomb.ico": "photo_unsupported_format",  # ICO bomb (4.3 Gpx): refused
    "hostile/decompression_bomb_extents.gif": "photo_unsupported_format",
    "hostile/empty_gps_ifd.jpg": ACCEPT,  # GPS IFD with no entries: no position, no flag
    "hostile/exif_gps.jpg": ACCEPT,  # GPS entries of nonsense types: flagged, no position
    "hostile/exif_gps_typeerror.jpg": ACCEPT,  # GPS pointer of the wrong type: flagged
    "hostile/exif_typeerror.jpg": ACCEPT,
    "hostile/hopper_orientation_6.jpg": ACCEPT,  # stored turned upright
    "hostile/hopper_orientation_6.webp": ACCEPT,  # stored turned upright
    "hostile/junk_jpeg_header.jpg": ACCEPT,  # junk between JPEG segments: libjpeg skips it
    "hostile/oom-225817ca0f8c663be7ab4b9e717b02c661e66834.tif": "photo_unsupported_format",
    "hostile/truncated_jpeg.jpg": "photo_undecodable",  # LOAD_TRUNCATED_IMAGES stays False
    **{f"invalid/{name}": ACCEPT for name in (
        "corrupted.jpg", "image00971.jpg", "image01088.jpg", "image01137.jpg",
        "image01551.jpg", "image01713.jpg", "image01980.jpg", "image02206.jpg",
    )},
    **{f"orientation/{side}_{n}.jpg": ACCEPT for side in ("landscape", "portrait")
       for n in range(1, 9)},
    **{f"real/{name}": ACCEPT for name in (
        "Canon_40D.jpg", "HMD_Nokia_8.3_5G.jpg", "Nikon_D70.jpg", "iphone_hdr_NO.jpg",
        "iphone_hdr_YES.jpg", "jolla.jpg", "long_description.jpg",
    )},
}  # fmt: skip

# JPEG markers that carry metadata: APP1 (EXIF, XMP), APP2 (ICC), APP13 (IPTC), COM.
METADATA_MARKERS = {0xE1, 0xE2, 0xED, 0xFE}


def jpeg_markers(data: bytes) -> list[int]:
    """The marker bytes of the segments before the first scan."""
    assert data[:2] == b"\xff\xd8"
    markers: list[int] = []
    pos = 2
    while pos + 4 <= len(data):
        assert data[pos] == 0xFF, f"no marker at {pos}"
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return markers


def run_timed(data: bytes, limits: PhotoLimits | None = None) -> ProcessedPhoto | Refusal:
    """process_photo's result or its Refusal; any other exception fails the test."""
    started = time.perf_counter()
    try:
        result: ProcessedPhoto | Refusal = (
            process_photo(data) if limits is None else process_photo(data, limits)
        )
    except Refusal as exc:
        result = exc
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.1f} s"
    return result


def check_stored(photo: ProcessedPhoto, limits: PhotoLimits = DEFAULT_LIMITS) -> Image.Image:
    """The invariants of every accepted photo; returns the decoded stored JPEG."""
    assert photo.sha256 == hashlib.sha256(photo.jpeg).hexdigest()
    assert 0 <= photo.phash < 1 << 64
    assert photo.original_format in ("JPEG", "PNG", "WEBP", "HEIF")
    assert all(isinstance(flag, str) for flag in photo.flags)
    for data, side in ((photo.jpeg, limits.long_side), (photo.thumb, limits.thumb_side)):
        assert not METADATA_MARKERS & set(jpeg_markers(data)), "metadata left in the JPEG"
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "JPEG" and im.mode == "RGB"
            assert max(im.size) <= side
            assert "exif" not in im.info and "icc_profile" not in im.info
            assert "xmp" not in im.info and "comment" not in im.info
    stored = Image.open(io.BytesIO(photo.jpeg))
    assert stored.size == (photo.width, photo.height)
    # Never upscaled; shrunk to exactly the long side when larger.
    original_long = max(photo.original_width, photo.original_height)
    assert max(stored.size) == min(original_long, limits.long_side)
    # Same orientation (portrait/landscape) as the upright original.
    if photo.original_width != photo.original_height and min(stored.size) > 1:
        assert (stored.width > stored.height) == (photo.original_width > photo.original_height)
    return stored


# ------------------------------------------------------------------ the corpus, file by file


def test_table_covers_the_corpus() -> None:
    root = corpus()
    present = {
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != "README.md"
    }
    assert present == set(EXPECTED)


@pytest.mark.parametrize("path", corpus_params())
def test_corpus_file(path: Path) -> None:
    key = str(path.relative_to(CORPUS))
    result = run_timed(path.read_bytes())
    observed = ACCEPT if isinstance(result, ProcessedPhoto) else result.code
    assert observed == EXPECTED[key]
    if isinstance(result, ProcessedPhoto):
        check_stored(result)
    else:
        assert status_of(result.code) in (413, 415, 422)  # the edge's table, not the pipeline


@pytest.mark.parametrize("path", corpus_params("real"))
def test_real_photos_keep_their_exif_time_and_camera(path: Path) -> None:
    photo = process_photo(path.read_bytes())
    assert photo.taken_at is not None
    assert "no_exif_time" not in photo.flags


def test_real_photo_details() -> None:
    root = corpus()
    nokia = process_photo((root / "real/HMD_Nokia_8.3_5G.jpg").read_bytes())
    assert nokia.taken_at == datetime(2022, 8, 14, 14, 12, 31, tzinfo=timezone(timedelta(hours=3)))
    assert nokia.camera == "HMD Global Nokia 8.3 5G"
    assert (nokia.original_width, nokia.original_height) == (4608, 1976)
    assert (nokia.width, nokia.height) == (1600, 686)
    assert nokia.exif_lat == pytest.approx(60.146706, abs=1e-6)
    assert nokia.exif_lon == pytest.approx(24.906772, abs=1e-6)
    canon = process_photo((root / "real/Canon_40D.jpg").read_bytes())
    assert canon.camera == "Canon EOS 40D"  # make not repeated
    assert canon.taken_at == datetime(2008, 5, 30, 15, 56, 1)
    assert canon.taken_at.tzinfo is None
    iphone = process_photo((root / "real/iphone_hdr_YES.jpg").read_bytes())
    assert iphone.taken_at == datetime(2015, 4, 10, 20, 12, 23, 550000)  # with SubSecTime
    assert iphone.exif_lat is not None and iphone.exif_lon is not None
    assert iphone.exif_lon < 0  # Madrid: W
    described = process_photo((root / "real/long_description.jpg").read_bytes())
    assert "exif_time_from_datetime" in described.flags  # no DateTimeOriginal there


@pytest.mark.parametrize("path", corpus_params("gps"))
def test_gps_photos_yield_their_position(path: Path) -> None:
    photo = process_photo(path.read_bytes())
    assert photo.exif_lat is not None and photo.exif_lon is not None
    # All taken in one Tuscan town (N, E).
    assert 43.46 < photo.exif_lat < 43.47
    assert 11.87 < photo.exif_lon < 11.89
    assert photo.camera == "NIKON COOLPIX P6000"


def test_gps_exact_value() -> None:
    photo = process_photo((corpus() / "gps/DSCN0010.jpg").read_bytes())
    # 43 deg 28' 2.814" N, 11 deg 53' 6.456" E
    assert photo.exif_lat == pytest.approx(43 + 28 / 60 + 2.814 / 3600, abs=1e-6)
    assert photo.exif_lon == pytest.approx(11 + 53 / 60 + 6.456 / 3600, abs=1e-6)
    assert photo.taken_at == datetime(2008, 10, 22, 16, 28, 39)


@pytest.mark.parametrize("path", corpus_params("heic"))
def test_heic_is_stored_as_jpeg(path: Path) -> None:
    photo = process_photo(path.read_bytes())
    assert photo.original_format == "HEIF"
    check_stored(photo)


def test_heic_details() -> None:
    root = corpus()
    iphone = process_photo((root / "heic/iphone_13_pro_max.HEIC").read_bytes())
    assert iphone.camera == "Apple iPhone 13 Pro Max"
    assert iphone.taken_at == datetime(
        2022, 2, 16, 12, 55, 41, 762000, tzinfo=timezone(timedelta(hours=1))
    )
    assert (iphone.original_width, iphone.original_height) == (3024, 4032)
    assert (iphone.width, iphone.height) == (1200, 1600)
    nokia = process_photo((root / "heic/HMD_Nokia_8.3_5G.heif").read_bytes())
    assert nokia.exif_lat == pytest.approx(40 + 47 / 60 + 19.266792 / 3600, abs=1e-6)
    assert nokia.exif_lon == pytest.approx(-(4 + 18.50706 / 3600), abs=1e-6)  # W
    other = process_photo((root / "heic/IMG_5195.HEIC").read_bytes())
    assert other.taken_at is not None and other.taken_at.utcoffset() == timedelta(hours=-5)


def _signature(data: bytes) -> Image.Image:
    """Small grey version of a stored JPEG, for comparing what the pictures look like."""
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("L").resize((64, 48) if im.width > im.height else (48, 64))


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / len(a.getbands())


@pytest.mark.parametrize("side", ["landscape", "portrait"])
def test_orientation_set_is_stored_upright(side: str) -> None:
    root = corpus()
    files = [root / f"orientation/{side}_{n}.jpg" for n in range(1, 9)]
    stored = [process_photo(path.read_bytes()) for path in files]
    sizes = {(p.width, p.height) for p in stored}
    assert sizes == ({(600, 450)} if side == "landscape" else {(450, 600)})
    reference = _signature(stored[0].jpeg)
    for n, photo in enumerate(stored[1:], start=2):
        diff = _mean_difference(reference, _signature(photo.jpeg))
        assert diff < 6, f"{side}_{n} differs from {side}_1 by {diff:.1f}"
    # The measure does see a wrong way up: the same picture turned or mirrored is far off.
    for method in (Image.Transpose.ROTATE_180, Image.Transpose.FLIP_LEFT_RIGHT):
        wrong = _mean_difference(reference, reference.transpose(method))
        assert wrong > 20, f"{method.name} only {wrong:.1f} away"


@pytest.mark.parametrize("name", ["hopper_orientation_6.jpg", "hopper_orientation_6.webp"])
def test_hostile_orientation_6_is_turned(name: str) -> None:
    data = (corpus() / "hostile" / name).read_bytes()
    with Image.open(io.BytesIO(data)) as raw:
        expected = raw.convert("RGB").transpose(Image.Transpose.ROTATE_270)
    photo = process_photo(data)
    stored = check_stored(photo).convert("RGB")
    assert _mean_difference(stored, expected) < 4
    assert _mean_difference(stored, expected.transpose(Image.Transpose.ROTATE_180)) > 20


def test_hostile_exif_gives_flags_not_errors() -> None:
    root = corpus()
    gps = process_photo((root / "hostile/exif_gps.jpg").read_bytes())
    assert gps.exif_lat is None and gps.exif_lon is None
    assert "exif_gps_invalid" in gps.flags
    assert gps.camera == "Make XXX-XXX"
    for name in ("exif_gps_typeerror.jpg", "exif_typeerror.jpg"):
        photo = process_photo((root / "hostile" / name).read_bytes())
        assert photo.exif_lat is None
        assert "exif_partial" in photo.flags
    empty = process_photo((root / "hostile/empty_gps_ifd.jpg").read_bytes())
    assert empty.exif_lat is None and "exif_gps_invalid" not in empty.flags
    assert empty.camera == "Xiaomi Redmi Note 9S"


def test_junk_between_jpeg_segments_is_accepted() -> None:
    """The 'junk header' file has bytes between its comment and DQT segment; libjpeg skips
    them with a warning and the pixels decode, so the photo is accepted (re-encoded clean)."""
    data = (corpus() / "hostile/junk_jpeg_header.jpg").read_bytes()
    assert data.startswith(b"\xff\xd8\xff") and b"hello\xff\xdb" in data
    photo = process_photo(data)
    assert (photo.width, photo.height) == (1024, 768)
    assert b"hello" not in photo.jpeg and b"CREATOR" not in photo.jpeg


def test_real_metadata_is_stripped() -> None:
    data = (corpus() / "real/iphone_hdr_YES.jpg").read_bytes()
    assert b"Exif" in data[:64] and b"Apple" in data
    photo = process_photo(data)
    for blob in (photo.jpeg, photo.thumb):
        assert b"Exif" not in blob and b"Apple" not in blob and b"iPhone" not in blob


# ------------------------------------------------------------------ generated cases


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int, height: int, rows: int = 64) -> bytes:
    """A grey PNG whose header claims width x height; only the first rows are in the data."""
    compressor = zlib.compressobj(9)
    stream = b"".join(compressor.compress(b"\x00" * (width + 1)) for _ in range(rows))
    stream += compressor.flush(zlib.Z_SYNC_FLUSH)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", stream)
        + _png_chunk(b"IEND", b"")
    )


def test_100_megapixel_png_of_a_few_kb_is_rejected_before_decoding() -> None:
    bomb = png_bomb(10_000, 10_000)
    assert len(bomb) < 10_000
    result = run_timed(bomb)
    assert isinstance(result, Refusal) and result.code == "photo_too_many_pixels"


def test_explicit_pixel_check_below_pillows_own_limit() -> None:
    """60 Mpx is under Pillow's bomb warning (89 Mpx) but over max_pixels (50 Mpx)."""
    assert Image.MAX_IMAGE_PIXELS > 60_000_000
    result = run_timed(png_bomb(10_000, 6_000))
    assert isinstance(result, Refusal) and result.code == "photo_too_many_pixels"
    assert result.params["max_pixels"] == 50_000_000
    small = PhotoLimits(max_pixels=100 * 100)
    rejected = run_timed(encode(scene((101, 100)), "PNG"), small)
    assert isinstance(rejected, Refusal) and rejected.code == "photo_too_many_pixels"
    assert isinstance(run_timed(encode(scene((100, 100)), "PNG"), small), ProcessedPhoto)


def test_decode_memory_budget_applies_per_format() -> None:
    data = encode(scene((640, 480)), "WEBP")
    tight = PhotoLimits(max_decode_bytes=1 << 20)  # 640x480 WebP needs ~5 MiB
    result = run_timed(data, tight)
    assert isinstance(result, Refusal) and result.code == "photo_too_many_pixels"
    assert result.params["needed_mib"] > 1  # refused for the decoder's memory
    # A JPEG of the same size decodes at 1/4 scale for a 160 px target: within 1 MiB.
    jpeg_limits = PhotoLimits(max_decode_bytes=1 << 20, long_side=160, thumb_side=80)
    assert isinstance(run_timed(encode(scene((640, 480)), "JPEG"), jpeg_limits), ProcessedPhoto)


def test_truncated_files_are_rejected() -> None:
    image = scene((640, 480))
    for fmt in ("JPEG", "PNG", "WEBP"):
        data = encode(image, fmt)
        for cut in (len(data) // 2, len(data) * 3 // 4):  # cut inside the pixel data
            result = run_timed(data[:cut])
            assert isinstance(result, Refusal), f"{fmt} cut at {cut} accepted"
            assert result.code == "photo_undecodable"


def test_truncated_heic_is_rejected() -> None:
    data = (corpus() / "heic/samplefilehub.heif").read_bytes()
    result = run_timed(data[: len(data) // 2])
    assert isinstance(result, Refusal) and result.code == "photo_undecodable"


def test_too_many_bytes() -> None:
    limits = PhotoLimits()
    result = run_timed(b"\xff\xd8\xff" + bytes(limits.max_bytes))
    assert isinstance(result, Refusal) and result.code == "photo_too_large"
    assert status_of(result.code) == 413
    data = encode(scene(), "JPEG")
    assert isinstance(run_timed(data, PhotoLimits(max_bytes=len(data))), ProcessedPhoto)
    over = run_timed(data, PhotoLimits(max_bytes=len(data) - 1))
    assert isinstance(over, Refusal) and over.code == "photo_too_large"


def test_html_jpeg_polyglot() -> None:
    """HTML in front of a JPEG: the magic check sees '<', so unsupported_format (Pillow would
    not open it either). HTML after the JPEG's end: accepted, and re-encoding drops it."""
    jpeg = encode(scene(), "JPEG")
    html = b"<html><body><script>alert(document.cookie)</script></body></html>\n"
    front = run_timed(html + jpeg)
    assert isinstance(front, Refusal) and front.code == "photo_unsupported_format"
    assert status_of(front.code) == 415
    back = run_timed(jpeg + html)
    assert isinstance(back, ProcessedPhoto)
    assert b"<script" not in back.jpeg and b"<script" not in back.thumb


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xd8",
        b"GIF89a" + bytes(40),
        b"BM" + bytes(60),
        b"II*\x00" + bytes(60),
        b"%PDF-1.7\n",
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1",
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
    ],
    ids=["empty", "soi-only", "gif", "bmp", "tiff", "pdf", "wav", "avif", "mp4"],
)
def test_other_formats_by_magic(data: bytes) -> None:
    result = run_timed(data)
    assert isinstance(result, Refusal)
    assert result.code in ("photo_unsupported_format", "photo_undecodable")
    if data[:2] != b"\xff\xd8":
        assert result.code == "photo_unsupported_format"


def test_sniff_format_ignores_names_and_trusts_bytes() -> None:
    assert sniff_format(encode(scene(), "JPEG")) == "JPEG"
    assert sniff_format(encode(scene(), "PNG")) == "PNG"
    assert sniff_format(encode(scene(), "WEBP")) == "WEBP"
    assert sniff_format(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") == "HEIF"
    assert sniff_format(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic") == "HEIF"
    assert sniff_format(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1avif") is None
    assert sniff_format(encode(scene(), "GIF")) is None


def test_png_with_transparency_becomes_rgb_on_white() -> None:
    image = Image.new("RGBA", (200, 100), (255, 0, 0, 0))  # fully transparent red
    image.paste((0, 0, 255, 255), (100, 0, 200, 100))  # opaque blue right half
    for fmt in ("PNG", "WEBP"):
        photo = process_photo(encode(image, fmt, **({"lossless": True} if fmt == "WEBP" else {})))
        stored = check_stored(photo)
        assert stored.mode == "RGB"
        left, right = stored.getpixel((20, 50)), stored.getpixel((180, 50))
        assert isinstance(left, tuple) and isinstance(right, tuple)
        assert min(left) >= 250, f"{fmt}: transparent area should be white, got {left}"
        assert right[2] >= 245 and right[0] <= 10, f"{fmt}: opaque blue lost, got {right}"


def test_palette_png_with_transparency() -> None:
    image = Image.new("P", (64, 64), 0)
    image.putpalette([0, 0, 0, 255, 0, 0])
    image.paste(1, (0, 0, 32, 64))
    photo = process_photo(encode(image, "PNG", transparency=0))
    stored = check_stored(photo)
    assert stored.getpixel((8, 8))[:3] == pytest.approx((254, 0, 0), abs=3)  # type: ignore[index]
    assert min(stored.getpixel((56, 8))) >= 250  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("L", "JPEG"), ("CMYK", "JPEG"), ("I;16", "PNG"), ("1", "PNG"), ("LA", "PNG"), ("P", "PNG")],
)
def test_other_modes_become_rgb(mode: str, fmt: str) -> None:
    base = scene((120, 90))
    image = base.convert("L").convert(mode) if mode in ("I;16", "LA", "1") else base.convert(mode)
    photo = process_photo(encode(image, fmt))
    assert check_stored(photo).mode == "RGB"


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    image = Image.new("I;16", (32, 32))
    image.putdata([40_000] * 1024)  # 40000 / 65535 of full scale
    stored = check_stored(process_photo(encode(image, "PNG")))
    value = stored.getpixel((16, 16))
    assert isinstance(value, tuple)
    assert abs(value[0] - 40_000 / 256) <= 3


def test_large_jpeg_is_shrunk_and_draft_box_keeps_the_aspect() -> None:
    assert draft_box((4000, 3000), 1600) == (1600, 1200)
    assert jpeg_draft_scale((4000, 3000), (1600, 1200)) == 2  # decodes at 2000x1500
    assert jpeg_draft_scale((4000, 3000), (1600, 1600)) == 1  # the square-box pitfall
    assert jpeg_draft_scale((8000, 6000), draft_box((8000, 6000), 1600)) == 4
    assert jpeg_draft_scale((12800, 9600), draft_box((12800, 9600), 1600)) == 8
    assert draft_box((1000, 800), 1600) == (1000, 800)
    photo = process_photo(encode(scene((4000, 3000)), "JPEG", quality=90))
    assert (photo.width, photo.height) == (1600, 1200)
    assert (photo.original_width, photo.original_height) == (4000, 3000)
    thumb = Image.open(io.BytesIO(photo.thumb))
    assert thumb.size == (320, 240)


def test_small_photos_are_not_upscaled() -> None:
    photo = process_photo(encode(scene((300, 200)), "PNG"))
    assert (photo.width, photo.height) == (300, 200)
    tiny = process_photo(encode(scene((3, 2000)), "PNG"))
    assert (tiny.width, tiny.height) == (2, 1600)
    assert Image.open(io.BytesIO(tiny.thumb)).size == (1, 320)


# ------------------------------------------------------------------ EXIF, generated


def _rational(value: float) -> TiffImagePlugin.IFDRational:
    frac = Fraction(value).limit_denominator(1_000_000)
    return TiffImagePlugin.IFDRational(frac.numerator, frac.denominator)


def jpeg_with_exif(
    image: Image.Image | None = None,
    ifd0: dict[int, object] | None = None,
    exif_ifd: dict[int, object] | None = None,
    gps_ifd: dict[int, object] | None = None,
) -> bytes:
    exif = Image.Exif()
    for tag, value in (ifd0 or {}).items():
        exif[tag] = value
    if exif_ifd:
        exif.get_ifd(ExifTags.IFD.Exif).update(exif_ifd)
    if gps_ifd:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(gps_ifd)
    return encode(image or scene(), "JPEG", exif=exif.tobytes())


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return (_rational(degrees), _rational(minutes), _rational(round(seconds, 4)))


def test_exif_time_with_offset_and_southern_western_gps() -> None:
    data = jpeg_with_exif(
        ifd0={ExifTags.Base.Make: "TECNO", ExifTags.Base.Model: "CAMON 20"},
        exif_ifd={
            ExifTags.Base.DateTimeOriginal: "2026:03:14 09:26:53",
            ExifTags.Base.OffsetTimeOriginal: "-03:00",
        },
        gps_ifd={
            ExifTags.GPS.GPSLatitudeRef: "S",
            ExifTags.GPS.GPSLatitude: _dms(22.9068),
            ExifTags.GPS.GPSLongitudeRef: "W",
            ExifTags.GPS.GPSLongitude: _dms(43.1729),
        },
    )
    photo = process_photo(data)
    assert photo.taken_at == datetime(2026, 3, 14, 9, 26, 53, tzinfo=timezone(timedelta(hours=-3)))
    assert photo.exif_lat == pytest.approx(-22.9068, abs=1e-5)
    assert photo.exif_lon == pytest.approx(-43.1729, abs=1e-5)
    assert photo.camera == "TECNO CAMON 20"
    assert photo.flags == []


def test_exif_time_falls_back_to_datetime() -> None:
    photo = process_photo(jpeg_with_exif(ifd0={ExifTags.Base.DateTime: "2025:12:01 07:00:00"}))
    assert photo.taken_at == datetime(2025, 12, 1, 7, 0, 0)
    assert "exif_time_from_datetime" in photo.flags


@pytest.mark.parametrize(
    "value", ["    :  :     :  :  ", "0000:00:00 00:00:00", "2025:13:45 25:61:00", "yesterday"]
)
def test_invalid_exif_time_is_flagged(value: str) -> None:
    photo = process_photo(jpeg_with_exif(exif_ifd={ExifTags.Base.DateTimeOriginal: value}))
    assert photo.taken_at is None
    assert "exif_time_invalid" in photo.flags and "no_exif_time" in photo.flags


def test_no_exif_at_all() -> None:
    photo = process_photo(encode(scene(), "JPEG"))
    assert photo.taken_at is None and photo.exif_lat is None and photo.camera is None
    assert photo.flags == ["no_exif_time"]


@pytest.mark.parametrize(
    "gps",
    [
        {1: "N", 2: (_rational(10), _rational(0), _rational(0))},  # longitude missing
        {2: _dms(10.5), 4: _dms(20.5)},  # hemisphere refs missing
        {1: "X", 2: _dms(10.5), 3: "E", 4: _dms(20.5)},  # nonsense ref
        {1: "N", 2: _dms(95.0), 3: "E", 4: _dms(20.5)},  # latitude out of range
        {1: "N", 2: (TiffImagePlugin.IFDRational(1, 0), 0, 0), 3: "E", 4: _dms(1.0)},  # x/0
        {1: "N", 2: (0, 0, 0), 3: "E", 4: (0, 0, 0)},  # "no fix" zeros
        {1: "N", 2: (1, 2, 3, 4), 3: "E", 4: _dms(1.0)},  # four components
    ],
    ids=["no-lon", "no-ref", "bad-ref", "lat-95", "div-zero", "zeros", "4-parts"],
)
def test_broken_gps_gives_none_and_a_flag(gps: dict[int, object]) -> None:
    photo = process_photo(jpeg_with_exif(gps_ifd=gps))
    assert photo.exif_lat is None and photo.exif_lon is None
    assert "exif_gps_invalid" in photo.flags


def raw_gps_exif(entries: list[tuple[int, int, int, bytes]]) -> bytes:
    """EXIF (little-endian TIFF) whose GPS IFD holds exactly ``entries`` as written:
    (tag, TIFF type, count, value bytes), so types Pillow would refuse to write can be made."""
    gps_offset = 8 + 2 + 12 + 4
    data_offset = gps_offset + 2 + 12 * len(entries) + 4
    head = b"II*\x00" + struct.pack("<I", 8)
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHII", 0x8825, 4, 1, gps_offset) + bytes(4)
    table, blob = struct.pack("<H", len(entries)), b""
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00")
        else:
            table += struct.pack("<HHII", tag, kind, count, data_offset + len(blob))
            blob += value + b"\x00" * (len(value) % 2)
    return b"Exif\x00\x00" + head + ifd0 + table + bytes(4) + blob


def test_gps_of_the_wrong_tiff_type_is_flagged() -> None:
    ascii_coord = b"12.5 deg\x00"
    entries = [
        (1, 2, 2, b"N\x00"),
        (2, 2, len(ascii_coord), ascii_coord),  # latitude as text
        (3, 2, 2, b"E\x00"),
        (4, 5, 3, struct.pack("<6I", 20, 1, 30, 1, 0, 1)),  # a proper longitude
    ]
    photo = process_photo(encode(scene(), "JPEG", exif=raw_gps_exif(entries)))
    assert photo.exif_lat is None and photo.exif_lon is None
    assert "exif_gps_invalid" in photo.flags
    good = [(2, 5, 3, struct.pack("<6I", 12, 1, 30, 1, 0, 1)), *entries[2:], entries[0]]
    ok = process_photo(encode(scene(), "JPEG", exif=raw_gps_exif(sorted(good))))
    assert ok.exif_lat == pytest.approx(12.5) and ok.exif_lon == pytest.approx(20.5)


@pytest.mark.parametrize(
    "exif",
    [
        b"Exif\x00\x00" + bytes(range(256)) * 4,  # not TIFF at all
        b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff",  # 65535 entries, no data
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x0f",  # cut inside an entry
    ],
    ids=["garbage", "entry-count", "cut"],
)
def test_garbage_exif_is_flagged_unreadable(exif: bytes) -> None:
    photo = process_photo(encode(scene(), "JPEG", exif=exif))
    assert photo.flags == ["exif_unreadable", "no_exif_time"]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_generated_orientations_are_stored_upright(orientation: int) -> None:
    upright = scene((400, 300))
    # What a camera writes: the sensor image, plus the tag saying how to turn it upright.
    inverse = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }
    sensor = upright.transpose(inverse[orientation]) if orientation in inverse else upright
    data = jpeg_with_exif(sensor, ifd0={ExifTags.Base.Orientation: orientation})
    photo = process_photo(data)
    assert (photo.original_width, photo.original_height) == (400, 300)
    stored = check_stored(photo)
    assert stored.size == (400, 300)
    assert _mean_difference(stored, upright) < 4


def test_big_rotated_jpeg_reports_upright_original_size() -> None:
    sensor = scene((4000, 3000))
    photo = process_photo(jpeg_with_exif(sensor, ifd0={ExifTags.Base.Orientation: 6}))
    assert (photo.original_width, photo.original_height) == (3000, 4000)
    assert (photo.width, photo.height) == (1200, 1600)


def test_display_p3_is_converted_to_srgb() -> None:
    iphone = corpus() / "heic/iphone_13_pro_max.HEIC"
    with Image.open(iphone, formats=["HEIF"]) as heic:
        p3 = heic.info["icc_profile"]
    image = Image.new("RGB", (64, 64), (40, 160, 60))  # a P3 green
    converted = check_stored(process_photo(encode(image, "JPEG", icc_profile=p3, quality=95)))
    kept = process_photo(
        encode(image, "JPEG", icc_profile=p3, quality=95), PhotoLimits(convert_to_srgb=False)
    )
    kept_px = Image.open(io.BytesIO(kept.jpeg)).getpixel((32, 32))
    conv_px = converted.getpixel((32, 32))
    assert isinstance(kept_px, tuple) and isinstance(conv_px, tuple)
    assert max(abs(a - b) for a, b in zip(kept_px, (40, 160, 60), strict=True)) <= 3
    assert max(abs(a - b) for a, b in zip(conv_px, kept_px, strict=True)) >= 10  # more saturated


def test_unusable_icc_profile_is_dropped_with_a_flag() -> None:
    photo = process_photo(encode(scene(), "JPEG", icc_profile=b"not a profile" * 10))
    assert "icc_dropped" in photo.flags
    check_stored(photo)


def test_jpeg_with_thousands_of_scans_is_refused_before_decoding() -> None:
    data = encode(scene(), "JPEG", progressive=True)
    bomb = data[:-2] + b"\xff\xda" * 500 + b"\xff\xd9"
    result = run_timed(bomb)
    assert isinstance(result, Refusal) and result.code == "photo_too_complex"
    assert isinstance(run_timed(data), ProcessedPhoto)  # an ordinary progressive JPEG


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        PhotoLimits(max_pixels=0)
    with pytest.raises(ValueError):
        PhotoLimits(thumb_side=2000)
    with pytest.raises(ValueError):
        PhotoLimits(jpeg_quality=100)


def test_custom_sizes() -> None:
    limits = PhotoLimits(long_side=800, thumb_side=100, jpeg_quality=70)
    photo = process_photo(encode(scene((2000, 1000)), "PNG"), limits)
    assert (photo.width, photo.height) == (800, 400)
    check_stored(photo, limits)


def _mutations(seed: bytes, count: int, rng: random.Random) -> list[bytes]:
    out = []
    for _ in range(count):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        out.append(bytes(data))
    return out


def test_mutated_files_never_raise_anything_but_a_photo_refusal() -> None:
    rng = random.Random(20261122)
    exif_jpeg = jpeg_with_exif(
        scene((160, 120)),
        ifd0={ExifTags.Base.Make: "X", ExifTags.Base.Orientation: 6},
        exif_ifd={ExifTags.Base.DateTimeOriginal: "2026:01:01 10:00:00"},
        gps_ifd={1: "N", 2: _dms(10.5), 3: "E", 4: _dms(20.5)},
    )
    seeds = [exif_jpeg, encode(scene((160, 120)), "WEBP"), encode(scene((160, 120)), "PNG")]
    if CORPUS.is_dir():
        seeds.append((CORPUS / "heic/samplefilehub.heif").read_bytes())
    outcomes: dict[str, int] = {}
    for seed in seeds:
        for data in _mutations(seed, 60, rng):
            result = run_timed(data)
            key = "accepted" if isinstance(result, ProcessedPhoto) else result.code
            outcomes[key] = outcomes.get(key, 0) + 1
            if isinstance(result, ProcessedPhoto):
                check_stored(result)
    assert outcomes.get("accepted", 0) > 0 and outcomes.get("photo_undecodable", 0) > 0


def test_threads_get_the_same_results_as_one_by_one() -> None:
    inputs = [
        encode(scene((900, 600)), "JPEG"),
        encode(scene((600, 900)), "PNG"),
        encode(scene((640, 480)), "WEBP"),
        jpeg_with_exif(scene((800, 600)), ifd0={ExifTags.Base.Orientation: 8}),
        png_bomb(10_000, 10_000),
        b"<html>",
    ]

    def outcome(data: bytes) -> tuple[str, str]:
        try:
            photo = process_photo(data)
        except Refusal as exc:
            return ("rejected", exc.code)
        return ("accepted", photo.sha256)

    expected = [outcome(data) for data in inputs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            assert list(pool.map(outcome, inputs)) == expected
