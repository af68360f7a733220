"""A roster import reads only the records its files name (issue 14: a one-row import into a
province loaded everything): `Known.load` asks by code, in chunks; what the files do not
name is still kept right, such as the paths below an area that moved."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event, insert, select

from checkin import db
from checkin.models import Area, Household, User, Village
from checkin.roster.read import Limits, read_roster
from checkin.services.people import roster_import
from checkin.services.people.roster_import import Known, Rows
from tests.roster.test_roster_import import ROWS, run_import, xlsx


def a_big_county(app: Flask, villages: int = 300, households: int = 20) -> None:
    """The sample roster, then many more villages and households written directly."""
    run_import(app, xlsx())
    with app.app_context():
        s = db.session()
        township = s.scalars(select(Area).where(Area.code == "340828101")).one()
        helper = s.scalars(select(User).where(User.username == "lisi")).one()
        nodes = [{"code": f"X{v:04d}", "name": f"村{v}", "level": "village",
                  "parent_id": township.id, "path": ""} for v in range(villages)]
        s.execute(insert(Area), nodes)
        ids = dict(s.execute(select(Area.code, Area.id).where(Area.code.startswith("X"))).all())
        s.execute(insert(Village), [{
            "code": code, "name": code, "area_id": ids[code], "lat": 30.85, "lon": 116.36,
            "radius_m": 1500, "area_path": f"{township.path}{ids[code]}/"} for code in ids])
        for area_id in ids.values():
            s.get(Area, area_id).path = f"{township.path}{area_id}/"
        village_ids = dict(s.execute(select(Village.code, Village.id)).all())
        s.execute(insert(Household), [{
            "code": f"{code}-{h}", "head_name": "户主", "village_id": village_ids[code],
            "status": "poor", "helper_id": helper.id, "address": ""}
            for code in ids for h in range(households)])
        s.commit()


def one_household_row() -> bytes:
    return xlsx({"农户": [ROWS["农户"][0], ["H0001", "王五改", "340828101201", "贫困户",
                                           "zhangsan", 30.852, 116.361]]})


def test_a_one_row_import_reads_only_what_it_names(app: Flask) -> None:
    a_big_county(app)
    with app.app_context():
        session = db.session()
        sheets = read_roster("one.xlsx", one_household_row(), Limits())
        known = Known.load(session, Rows.of(sheets, []))
        assert set(known.households) == {"H0001"}
        assert set(known.villages) == {"340828101201"}
        assert set(known.users) == {"zhangsan"}
        assert not known.teams and not known.units
        # the areas named (none but by the village's code in the villages sheet: none
        # here) and nothing of the 300 other villages
        assert not any(code.startswith("X") for code in known.areas)


def test_rows_loaded_stay_few_whatever_the_county(app: Flask) -> None:
    a_big_county(app)
    loaded: list[int] = []
    with app.app_context():
        session = db.session()

        @event.listens_for(session, "loaded_as_persistent")
        def count(_session: object, _instance: object) -> None:
            loaded.append(1)

        sheets = read_roster("one.xlsx", one_household_row(), Limits())
        roster_import.check_roster(session, sheets)
        session.rollback()
    assert len(loaded) < 20, len(loaded)  # of 6,000 households and 300 villages


def test_codes_are_asked_in_chunks(app: Flask, monkeypatch) -> None:
    run_import(app, xlsx())
    monkeypatch.setattr(roster_import, "CHUNK", 1)
    with app.app_context():
        rows = Rows.of(read_roster("all.xlsx", xlsx(), Limits()), [])
        known = Known.load(db.session(), rows)
    assert {"H0001", "H0002"} == set(known.households)
    assert {"zhangsan", "lisi", "wenquan"} == set(known.users)


def test_a_township_moved_to_another_county_moves_every_village_below_it(
        app: Flask) -> None:
    a_big_county(app, villages=30, households=1)
    moved = {k: [list(line) for line in v] for k, v in ROWS.items()}
    moved = {"区域": [moved["区域"][0], ["340829", "新县", "县", "3408"],
                    ["340828101", "温泉镇", "乡镇", "340829"]]}
    run_import(app, xlsx(moved))
    with app.app_context():
        s = db.session()
        county = s.scalars(select(Area).where(Area.code == "340829")).one()
        township = s.scalars(select(Area).where(Area.code == "340828101")).one()
        assert township.path == f"{county.path}{township.id}/"
        for area in s.scalars(select(Area).where(Area.parent_id == township.id)):
            assert area.path == f"{township.path}{area.id}/", area.code
        for village in s.scalars(select(Village)):
            assert village.area_path == village.area.path, village.code
            assert village.area_path.startswith(township.path)
