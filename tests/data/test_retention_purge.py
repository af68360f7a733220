"""The retention purge: old photos deleted and their rows marked, old positions cleared or
coarsened, the records kept, one audit entry; files another photo still holds are kept."""

from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry, Checkin, Household, Photo, SpotcheckResult, Visit
from checkin.photos.stores import photo_store
from checkin.platform import clock

OLD_DAYS = 1200  # beyond the default 1095


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def old_records(app: Flask, world, make_checkin, make_visit) -> dict[str, object]:
    """An old check-in, visit with two photos (one of them the same bytes as a recent
    photo) and spot-check result of cadre A."""
    with app.app_context():
        s = db.session()
        store = photo_store(app)
        recent_visit = s.scalars(select(Visit).where(Visit.user_id == world["cadre_a"])).one()
        shared_key = recent_visit.photos[0].sha256
        when = clock.now() - timedelta(days=OLD_DAYS)
        day = clock.local_day(when)
        checkin = make_checkin("cadre_a", recorded_at=when, lat=30.851234, lon=116.367891,
                               accuracy_m=8, distance_m=120.5, note="old note")
        visit = make_visit(s.get(Household, recent_visit.household_id), recorded_at=when,
                           lat=30.8512, lon=116.3601, accuracy_m=9, distance_m=40.0,
                           note="old visit")
        own_key = store.put(_jpeg((20, 160, 40)))
        # The file is as old as its photo (a file put within the sweep's grace period may
        # belong to an upload in flight, and is kept).
        os.utime(store.path(own_key), (when.timestamp(), when.timestamp()))
        for key in (own_key, shared_key):
            s.add(Photo(visit_id=visit.id, county_id=None, sha256=key, thumb_sha256=key,
                        width=40, height=30, original_format="JPEG", original_width=40,
                        original_height=30, exif_lat=30.85, exif_lon=116.36, phash=1,
                        band0=0, band1=0, band2=0, band3=1, flags=""))
        result = SpotcheckResult(item_id=world["presence_a"], checked_by_id=world["sup_t1"],
                                 method="field", outcome="confirmed", verdict="pass",
                                 note="old check",
                                 lat=30.85, lon=116.36, accuracy_m=12, recorded_at=when,
                                 local_day=day)
        s.add(result)
        s.commit()
        return {"checkin": checkin.id, "visit": visit.id, "own": own_key,
                "shared": shared_key, "result": result.id, "recent_visit": recent_visit.id}


def test_purge_removes_personal_data_and_keeps_the_records(app: Flask, old_records) -> None:
    store = photo_store(app)
    runner = app.test_cli_runner()
    with app.app_context():
        recent = {c.id: (c.lat, c.lon) for c in db.session().scalars(
            select(Checkin).where(Checkin.id != old_records["checkin"]))}

    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would purge" in dry.output and "2 photos" in dry.output
    # Counted inside the purge's transaction, before the dry run rolls it back.
    assert "(1 files deleted, 1 kept for newer photos)" in dry.output
    assert store.exists(old_records["own"])
    with app.app_context():
        assert db.session().scalars(select(Photo.purged_at)).all() == [None] * 5
        assert not db.session().scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.purge")).all()

    done = runner.invoke(args=["purge"])
    assert done.exit_code == 0, done.output
    assert "2 photos (1 files deleted, 1 kept for newer photos), 1 visit positions, " \
           "1 check-in positions, 1 spot-check positions" in done.output
    assert not store.exists(old_records["own"]) and store.exists(old_records["shared"])
    with app.app_context():
        s = db.session()
        old_photos = s.scalars(select(Photo).where(Photo.visit_id == old_records["visit"])).all()
        assert len(old_photos) == 2
        assert all(p.purged_at is not None and p.exif_lat is None and p.exif_lon is None
                   and p.sha256 for p in old_photos)
        assert all(p.purged_at is None for p in s.scalars(
            select(Photo).where(Photo.visit_id != old_records["visit"])))
        visit = s.get(Visit, old_records["visit"])
        assert (visit.lat, visit.lon) == (None, None)
        assert visit.distance_m == 40.0 and visit.note == "old visit"  # the record stays
        checkin = s.get(Checkin, old_records["checkin"])
        assert (checkin.lat, checkin.lon) == (30.85, 116.37)
        assert checkin.distance_m == 120.5 and checkin.counts_for_day
        assert s.get(Visit, old_records["recent_visit"]).lat is not None
        assert recent == {c.id: (c.lat, c.lon) for c in s.scalars(
            select(Checkin).where(Checkin.id != old_records["checkin"]))}  # recent: unchanged
        result = s.get(SpotcheckResult, old_records["result"])
        assert (result.lat, result.lon, result.outcome) == (None, None, "confirmed")
        [entry] = s.scalars(select(AuditEntry)
                            .where(AuditEntry.action == "retention.purge")).all()
        assert entry.detail["photos"] == 2 and entry.detail["visits"] == 1
        assert entry.detail["checkins"] == 1 and entry.detail["spotcheck_results"] == 1

    # The store and the rows still agree: purged photos are not "missing".
    integrity = runner.invoke(args=["check-integrity"])
    assert integrity.exit_code == 0, integrity.output
    assert "rows without files: 0" in integrity.output

    again = runner.invoke(args=["purge"])
    assert "purged records before" in again.output and ": 0 photos" in again.output
    assert "0 visit positions, 0 check-in positions, 0 spot-check positions" in again.output


def test_purge_before_a_date_and_in_the_future(app: Flask, old_records) -> None:
    runner = app.test_cli_runner()
    future = (clock.today() + timedelta(days=3)).isoformat()
    refused = runner.invoke(args=["purge", "--before", future])
    assert refused.exit_code != 0 and "future" in refused.output
    # Every day before today: the old records go, today's (the world's) stay.
    everything = runner.invoke(args=["purge", "--before", clock.today().isoformat()])
    assert everything.exit_code == 0, everything.output
    assert ": 2 photos" in everything.output
    with app.app_context():
        assert db.session().scalars(select(Visit.lat).where(Visit.lat.is_not(None))).all()


def test_retention_days_come_from_the_config(app: Flask, old_records) -> None:
    app.config["RETENTION_DAYS"] = OLD_DAYS + 10
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and ": 0 photos" in result.output


def test_purge_coarsens_old_round_check_ins_and_keeps_recent_ones(app: Flask, world) -> None:
    """An envoy's check-ins in their villages (巡村) are positions of a person too."""
    from checkin.models import RoundCheckin

    with app.app_context():
        s = db.session()
        for name, days in (("old", OLD_DAYS), ("new", 3)):
            when = clock.now() - timedelta(days=days)
            s.add(RoundCheckin(id=f"00000000-0000-4000-8000-0000000000{len(name)}{days % 10}",
                               user_id=world["sup_t1"], village_id=world["va"],
                               recorded_at=when, received_at=when,
                               local_day=clock.local_day(when), lat=30.851234, lon=116.367891,
                               accuracy_m=8, distance_m=12.5, in_fence=True, counts=True,
                               flags="", reasons=[], note=name, queued=False, digest="0" * 64))
        s.commit()
    done = app.test_cli_runner().invoke(args=["purge"])
    assert done.exit_code == 0, done.output
    assert "1 round check-in positions" in done.output
    with app.app_context():
        rows = {r.note: (r.lat, r.lon, r.counts) for r in db.session().scalars(
            select(RoundCheckin))}
    assert rows == {"old": (30.85, 116.37, True), "new": (30.851234, 116.367891, True)}
