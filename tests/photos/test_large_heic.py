"""Large HEIC/HEIF (what a 48 MP iPhone sends: Chromium cannot shrink HEIC, so it goes up as
is) is accepted and downscaled on the server, within a bound of its own; the pixel limit of
the other formats stays."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from checkin.domain.refusal import Refusal
from checkin.photos.pipeline import PhotoLimits, process_photo
from tests.photos.photo_helpers import corpus

REPO = Path(__file__).resolve().parents[2]
SIZE_48MP = (8064, 6048)  # an iPhone 14-16 Pro main camera at full resolution


@pytest.fixture(scope="session")
def heic_48mp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 48 MP HEIC in 512 px grid tiles, as iPhones write them (x265 ultrafast: ~10 s)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    image = Image.new("RGB", SIZE_48MP, (90, 120, 60))
    image.paste((200, 30, 30), (0, 0, SIZE_48MP[0] // 3, SIZE_48MP[1] // 3))
    path = tmp_path_factory.mktemp("heic") / "48mp.heic"
    image.save(path, "HEIF", quality=10, tile_size=512, enc_params={"preset": "ultrafast"})
    return path


def test_a_48_megapixel_heic_is_accepted_and_downscaled(heic_48mp: Path) -> None:
    photo = process_photo(heic_48mp.read_bytes())
    assert photo.original_format == "HEIF"
    assert (photo.original_width, photo.original_height) == SIZE_48MP
    assert (photo.width, photo.height) == (1600, 1200)
    stored = Image.open(io.BytesIO(photo.jpeg))
    assert stored.format == "JPEG" and stored.size == (1600, 1200)
    assert stored.getpixel((100, 100))[0] > 150  # the red block, top left, is still there


MEASURE = """
import resource, sys
from checkin.photos.pipeline import process_photo
data = open(sys.argv[1], 'rb').read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
process_photo(data)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_a_48_megapixel_heic_stays_within_its_memory_bound(heic_48mp: Path) -> None:
    """Peak RSS of the decode in a fresh process, above what the imports cost."""
    out = subprocess.run([sys.executable, "-c", MEASURE, str(heic_48mp)], cwd=REPO,
                         capture_output=True, text=True, check=True, timeout=300)
    peak_mib = int(out.stdout.strip())
    bound = PhotoLimits().max_heif_decode_bytes >> 20
    assert peak_mib < bound, f"48 MP HEIC peaked at {peak_mib} MiB (bound {bound} MiB)"


def test_the_heif_bound_is_its_own_and_other_formats_keep_theirs() -> None:
    iphone = (corpus() / "heic/iphone_13_pro_max.HEIC").read_bytes()  # 12 MP
    tight = PhotoLimits(max_heif_pixels=10_000_000)
    with pytest.raises(Refusal) as refused:
        process_photo(iphone, tight)
    assert refused.value.code == "photo_too_many_pixels"
    assert PhotoLimits().max_pixels == 50_000_000  # JPEG, PNG and WebP as before
    assert PhotoLimits().max_heif_pixels >= 50_400_000  # a "50 MP" 8192 x 6144 sensor


def test_a_visit_with_a_48_megapixel_heic_is_recorded(app, client, world, token_for,
                                                      heic_48mp: Path) -> None:
    from sqlalchemy import select

    from checkin import db
    from checkin.models import Household

    with app.app_context():
        home = db.session().scalars(select(Household.id).where(Household.code == "Ha0")).one()
    body = {"id": str(uuid.uuid4()), "household_id": home, "kind": "visit",
            "purposes": ["care"], "note": "", "lat": 30.851, "lon": 116.361, "accuracy_m": 15,
            "recorded_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}
    response = client.post(
        "/api/v1/visits", headers=token_for("cadre_a"), content_type="multipart/form-data",
        data={"visit": json.dumps(body),
              "photos": [(io.BytesIO(heic_48mp.read_bytes()), "IMG_0001.HEIC")]})
    assert response.status_code == 201, response.get_json()
    [photo] = response.get_json()["photos"]
    assert (photo["width"], photo["height"]) == (1600, 1200)


@pytest.mark.parametrize("name", ["heic/iphone_13_pro_max.HEIC", "heic/HMD_Nokia_8.3_5G.heif"])
def test_the_reduced_decode_keeps_what_was_learnt(name: str) -> None:
    """The path a large HEIF takes (decoded and box-reduced under the lock), forced on real
    phone photos: the same EXIF facts, orientation and picture as the plain path."""
    data = (corpus() / name).read_bytes()
    plain = process_photo(data)
    reduced = process_photo(data, PhotoLimits(max_decode_bytes=1 << 20))
    assert (reduced.width, reduced.height) == (plain.width, plain.height)
    assert (reduced.taken_at, reduced.camera, reduced.flags) == \
        (plain.taken_at, plain.camera, plain.flags)
    assert (reduced.exif_lat, reduced.exif_lon) == (plain.exif_lat, plain.exif_lon)
    assert bin(reduced.phash ^ plain.phash).count("1") <= 2
