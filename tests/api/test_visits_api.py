"""POST /visits with photos: flags, exactly once, photos only for who may see the visit."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from checkin import db
from checkin.models import Household, Photo, Visit

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "photos"


def corpus(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"photo corpus not found at {CORPUS}")
    return path.read_bytes()


def household_of(app: Flask, code: str) -> Household:
    with app.app_context():
        return db.session().scalars(select(Household).where(Household.code == code)).one()


def send(client, bearer, household_id: int, photos: list[tuple[bytes, str]] = (), **extra):
    body = {"id": str(uuid.uuid4()), "household_id": household_id, "kind": "visit",
            "purposes": ["policy", "care"], "note": "宣讲政策", "lat": 30.851, "lon": 116.361,
            "accuracy_m": 15, "recorded_at": (datetime.now(UTC) - timedelta(minutes=1))
            .isoformat()}
    body.update(extra)
    data = {"visit": json.dumps(body),
            "photos": [(io.BytesIO(content), name) for content, name in photos]}
    return body, client.post("/api/v1/visits", data=data, headers=bearer,
                             content_type="multipart/form-data")


def test_a_visit_with_a_photo(app: Flask, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha0")
    _, response = send(client, bearer, home.id, [(corpus("real/Canon_40D.jpg"), "a.jpg")])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["household_id"] == home.id and body["distance_m"] < 300
    [photo] = body["photos"]
    assert max(photo["width"], photo["height"]) <= 1600
    assert "photo_old" in photo["flags"]  # the Canon's EXIF time is from 2008
    image = client.get(photo["url"], headers=bearer)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in image.headers["Cache-Control"]
    stored = Image.open(io.BytesIO(image.data))
    assert stored.format == "JPEG" and not stored.info.get("exif")
    thumb = Image.open(io.BytesIO(client.get(photo["thumb_url"], headers=bearer).data))
    assert max(thumb.size) <= 320
    for other in ("cadre_b", "cadre_a2", "sup_t2"):
        assert client.get(photo["url"], headers=token_for(other)).status_code == 404, other
    for allowed in ("sup_t1", "sup_county", "admin"):
        assert client.get(photo["url"], headers=token_for(allowed)).status_code == 200


def test_same_photo_again_is_flagged_duplicate(client, world, app, token_for) -> None:
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha1")
    content = corpus("gps/DSCN0010.jpg")
    send(client, bearer, home.id, [(content, "1.jpg")])
    smaller = io.BytesIO()
    Image.open(io.BytesIO(content)).reduce(2).save(smaller, "JPEG", quality=60)
    _, response = send(client, bearer, home.id, [(smaller.getvalue(), "2.jpg")])
    assert "duplicate_photo" in response.get_json()["photos"][0]["flags"]


def test_far_from_household_and_exif_gps_far(client, world, app, token_for) -> None:
    home = household_of(app, "Ha0")
    _, response = send(client, token_for("cadre_a"), home.id,
                       [(corpus("gps/DSCN0010.jpg"), "g.jpg")], lat=30.86, lon=116.361)
    body = response.get_json()
    assert "far_from_household" in body["flags"]
    assert "exif_gps_far" in body["photos"][0]["flags"]  # that camera was in Italy


def test_replay_and_conflict(app: Flask, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha0")
    photo = (corpus("orientation/landscape_6.jpg"), "o.jpg")
    body, first = send(client, bearer, home.id, [photo])
    assert first.status_code == 201
    data = {"visit": json.dumps(body), "photos": [(io.BytesIO(photo[0]), "o.jpg")]}
    again = client.post("/api/v1/visits", data=data, headers=bearer,
                        content_type="multipart/form-data")
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    changed = {"visit": json.dumps(dict(body, note="changed")), "photos": []}
    conflict = client.post("/api/v1/visits", data=changed, headers=bearer,
                           content_type="multipart/form-data")
    assert conflict.status_code == 409
    with app.app_context():
        s = db.session()
        assert s.scalar(select(func.count()).select_from(Visit).where(
            Visit.id == body["id"])) == 1
        assert s.scalar(select(func.count()).select_from(Photo).where(
            Photo.visit_id == body["id"])) == 1


@pytest.mark.parametrize("name", ["hostile/decompression_bomb.gif", "hostile/truncated_jpeg.jpg",
                                  "hostile/broken.png"])
def test_hostile_photos_are_refused_and_nothing_is_stored(app, client, world, token_for,
                                                          name) -> None:
    home = household_of(app, "Ha0")
    body, response = send(client, token_for("cadre_a"), home.id, [(corpus(name), "x")])
    assert 400 <= response.status_code < 500, response.status_code
    assert response.get_json()["error"]["code"].startswith("photo_")
    with app.app_context():
        assert db.session().get(Visit, body["id"]) is None


def test_bad_requests_get_clear_errors(app, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha0")
    assert client.post("/api/v1/visits", json={}, headers=bearer).status_code == 415
    _, other_village = send(client, bearer, household_of(app, "Hb0").id)
    assert other_village.status_code == 404
    _, no_position = send(client, bearer, home.id, lat=None, lon=None)
    assert no_position.status_code == 422
    many = [(corpus("orientation/portrait_1.jpg"), f"{n}.jpg") for n in range(7)]
    _, too_many = send(client, bearer, home.id, many)
    assert too_many.status_code == 413
    parts = {f"f{n}": "x" for n in range(10_000)}
    flood = client.post("/api/v1/visits", data=parts, headers=bearer,
                        content_type="multipart/form-data")
    assert flood.status_code == 413
    _, contact = send(client, bearer, home.id, kind="contact", lat=None, lon=None)
    assert contact.status_code == 201


def test_a_correction_points_at_the_old_visit(app, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha0")
    old, _ = send(client, bearer, home.id)
    _, missing_reason = send(client, bearer, home.id, corrects_id=old["id"])
    assert missing_reason.status_code == 422
    _, fixed = send(client, bearer, home.id, corrects_id=old["id"],
                    correction_reason="记错了走访目的", purposes=["support"])
    assert fixed.status_code == 201 and fixed.get_json()["corrects_id"] == old["id"]
    listed = client.get(f"/api/v1/visits?household_id={home.id}",
                        headers=token_for("sup_t1")).get_json()["items"]
    assert {v["id"] for v in listed} >= {old["id"], fixed.get_json()["id"]}


def test_households_with_cadence(app, client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    rows = client.get("/api/v1/households", headers=bearer).get_json()["items"]
    assert {r["village_id"] for r in rows} == {world["va"]}
    assert rows[0]["helper_id"] == world["cadre_a"]  # mine first
    home = household_of(app, "Ha0")
    send(client, bearer, home.id)
    after = client.get("/api/v1/households", headers=bearer).get_json()["items"]
    visited = next(r for r in after if r["id"] == home.id)
    assert visited["due"] == "ok" and visited["last_visit_at"] is not None
    supervisors = client.get("/api/v1/households?due=overdue",
                             headers=token_for("sup_t2")).get_json()["items"]
    assert {r["village_id"] for r in supervisors} <= {world["vb"]}


def test_households_carry_the_phone_for_a_contact_offline(app, client, world,
                                                          token_for) -> None:
    """The phone keeps the list for the visit form without signal, phone number included."""
    with app.app_context():
        session = db.session()
        session.get(Household, household_of(app, "Ha0").id).phone = "13800000001"
        session.commit()
    rows = client.get("/api/v1/households", headers=token_for("cadre_a")).get_json()["items"]
    phones = {r["code"]: r["phone"] for r in rows}
    assert phones["Ha0"] == "13800000001" and phones["Ha1"] is None


def canvas_jpeg() -> bytes:
    """What a phone's canvas sends: a re-encoded JPEG without any EXIF."""
    out = io.BytesIO()
    Image.new("RGB", (160, 120), (40, 120, 60)).save(out, "JPEG", quality=70)
    return out.getvalue()


def test_client_exif_is_kept_and_marked_when_the_photo_has_none(app, client, world,
                                                                 token_for) -> None:
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha0")
    taken = (datetime.now(UTC) - timedelta(minutes=5)).astimezone(
        timezone(timedelta(hours=8))).replace(microsecond=0)
    exif = [{"taken_at": taken.isoformat(), "lat": 30.8512, "lon": 116.3601},
            {"taken_at": taken.replace(tzinfo=None).isoformat()}, None]
    body, response = send(client, bearer, home.id,
                          [(canvas_jpeg(), "1.jpg"), (canvas_jpeg(), "2.jpg"),
                           (canvas_jpeg(), "3.jpg")], photo_exif=exif)
    assert response.status_code == 201, response.get_json()
    first, second, third = response.get_json()["photos"]
    assert first["taken_at"] == taken.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert (first["exif_lat"], first["exif_lon"]) == (30.8512, 116.3601)
    assert "exif_from_client" in first["flags"] and "no_exif_time" not in first["flags"]
    # Without an offset the EXIF time is the deployment's local time (UTC+8 here).
    assert second["taken_at"] == first["taken_at"] and second["exif_lat"] is None
    assert "exif_from_client" in second["flags"]
    assert third["taken_at"] is None and "exif_from_client" not in third["flags"]
    assert "no_exif_time" in third["flags"]
    with app.app_context():
        stored = db.session().scalars(select(Photo).where(Photo.visit_id == body["id"])
                                      .order_by(Photo.id)).all()
        assert [("exif_from_client" in p.flag_list) for p in stored] == [True, True, False]
    # The phone's EXIF is part of the record: the same again is a replay, changed a conflict.
    data = {"visit": json.dumps(body), "photos": [(io.BytesIO(canvas_jpeg()), f"{n}.jpg")
                                                  for n in (1, 2, 3)]}
    again = client.post("/api/v1/visits", data=data, headers=bearer,
                        content_type="multipart/form-data")
    assert again.status_code == 200
    changed = dict(body, photo_exif=[None, None, None])
    data = {"visit": json.dumps(changed), "photos": [(io.BytesIO(canvas_jpeg()), f"{n}.jpg")
                                                     for n in (1, 2, 3)]}
    assert client.post("/api/v1/visits", data=data, headers=bearer,
                       content_type="multipart/form-data").status_code == 409


def test_the_servers_own_exif_reading_wins(app, client, world, token_for) -> None:
    """A photo sent as it is (HEIC, or a JPEG the phone did not shrink) keeps the EXIF the
    server reads; what the phone says about it is ignored, and not flagged."""
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha0")
    claimed = [{"taken_at": datetime.now(UTC).isoformat(), "lat": 30.851, "lon": 116.361}]
    _, response = send(client, bearer, home.id, [(corpus("gps/DSCN0010.jpg"), "g.jpg")],
                       photo_exif=claimed)
    assert response.status_code == 201, response.get_json()
    [photo] = response.get_json()["photos"]
    assert photo["taken_at"].startswith("2008-")
    assert abs(photo["exif_lat"] - 43.47) < 0.1  # the camera's own GPS (Italy)
    assert "exif_from_client" not in photo["flags"]
    assert "exif_gps_far" in photo["flags"] and "photo_old" in photo["flags"]


@pytest.mark.parametrize("exif", [
    [],  # one entry per photo
    [{"taken_at": "yesterday"}],
    [{"taken_at": "1970-01-01T00:00:00Z"}],
    [{"lat": 91, "lon": 116.3}],
    [{"lat": 30.8}],
    [{"lat": True, "lon": 116.3}],
    ["2026-11-22T08:05:00+08:00"],
    {"taken_at": "2026-11-22T08:05:00+08:00"},
])
def test_malformed_photo_exif_is_refused(app, client, world, token_for, exif) -> None:
    home = household_of(app, "Ha0")
    body, response = send(client, token_for("cadre_a"), home.id, [(canvas_jpeg(), "1.jpg")],
                          photo_exif=exif)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session().get(Visit, body["id"]) is None


def test_only_a_visit_whose_evidence_holds_proposes_the_households_position(
        app: Flask, client, world, token_for, make_household) -> None:
    """Issue 15: a visit outside the fence with an old photo proposed the position that a
    supervisor was then offered to confirm."""
    bearer = token_for("cadre_a")
    home = make_household("cadre_a", lat=None, lon=None)
    # 30 km away: outside the village fence
    _, far = send(client, bearer, home.id, lat=31.12, lon=116.36)
    assert far.status_code == 201 and "outside_fence" in far.get_json()["flags"]
    # the Canon's photo is from 2008: an old photo
    _, old = send(client, bearer, home.id, [(corpus("real/Canon_40D.jpg"), "a.jpg")])
    assert old.status_code == 201
    with app.app_context():
        assert db.session().get(Household, home.id).proposed_lat is None
    _, good = send(client, bearer, home.id)
    assert good.status_code == 201
    with app.app_context():
        row = db.session().get(Household, home.id)
        assert row.proposed_by_visit_id == good.get_json()["id"]
        assert (row.proposed_lat, row.proposed_lon) == (30.851, 116.361)
