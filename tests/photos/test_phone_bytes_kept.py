"""The phone's 1600 px JPEG (quality 0.7, no EXIF: the canvas drops it) is stored as the
phone sent it, not re-encoded at quality 85 (1.4x the bytes for nothing); metadata is
stripped without touching the pixels; anything that needs work is re-encoded as before."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageChops

from checkin.photos.pipeline import process_photo
from checkin.photos.strip import strip_jpeg
from tests.photos.photo_helpers import corpus, encode


def as_the_phone_sends(name: str) -> tuple[bytes, Image.Image]:
    """The corpus photo drawn on a 1600 px canvas and saved at quality 0.7."""
    with Image.open(corpus() / name) as original:
        image = original.convert("RGB")
    image.thumbnail((1600, 1600), Image.Resampling.LANCZOS)
    return encode(image, "JPEG", quality=70), image


def test_the_phones_jpeg_is_kept_byte_for_byte() -> None:
    data, _ = as_the_phone_sends("real/jolla.jpg")
    photo = process_photo(data)
    assert photo.jpeg == data
    assert photo.sha256 == hashlib.sha256(data).hexdigest()


def test_metadata_is_stripped_and_the_pixels_kept() -> None:
    _, image = as_the_phone_sends("real/jolla.jpg")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    data = encode(image, "JPEG", quality=70, exif=exif.tobytes(), comment=b"hello")
    photo = process_photo(data)
    assert len(photo.jpeg) < len(data) and b"PhoneMaker" not in photo.jpeg
    assert b"hello" not in photo.jpeg
    assert photo.camera == "PhoneMaker"  # read before it was stripped
    kept, sent = Image.open(io.BytesIO(photo.jpeg)), Image.open(io.BytesIO(data))
    assert ImageChops.difference(kept.convert("RGB"), sent.convert("RGB")).getbbox() is None


def test_a_photo_that_needs_work_is_re_encoded() -> None:
    big = encode(Image.open(corpus() / "real/jolla.jpg").convert("RGB"), "JPEG", quality=70)
    assert process_photo(big).jpeg != big  # 3264 px: shrunk
    turned = Image.open(corpus() / "orientation/landscape_6.jpg")
    assert process_photo(turned_bytes := (corpus() / "orientation/landscape_6.jpg")
                         .read_bytes()).jpeg != turned_bytes, turned.size


def test_strip_refuses_what_it_does_not_know() -> None:
    assert strip_jpeg(b"not a jpeg") is None
    data, _ = as_the_phone_sends("real/jolla.jpg")
    assert strip_jpeg(data[: len(data) // 2]) is None  # no end of image
    assert strip_jpeg(data + b"PK\x03\x04 trailing zip") == strip_jpeg(data)
