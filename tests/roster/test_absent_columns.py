"""A re-import changes only the columns present: a missing optional column keeps what is
stored, an explicit empty cell clears it (where clearing is allowed)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Area, Household, User, Village
from tests.roster.test_roster_import import ROWS, run_import, xlsx

Sheet = list[list[Any]]


def full() -> dict[str, Sheet]:
    """The sample roster with every optional column filled."""
    rows = {k: [list(line) for line in v] for k, v in ROWS.items()}
    rows["村"][0].append("坐标系")
    rows["村"][1].append("高德")
    rows["村"][1][5] = 900
    rows["督查人员"] = [["账号", "姓名", "手机", "所辖区域代码"],
                    ["wenquan", "温泉镇督查", "13900000009", "340828101"]]
    rows["农户"][0] += ["电话", "坐标系"]
    rows["农户"][1] += ["13700000001", "百度"]
    rows["农户"][2] += ["13700000002", None]
    return rows


def without(sheet: Sheet, *headers: str) -> Sheet:
    keep = [i for i, h in enumerate(sheet[0]) if h not in headers]
    return [[line[i] if i < len(line) else None for i in keep] for line in sheet]


def emptied(sheet: Sheet, *headers: str) -> Sheet:
    out = [list(line) for line in sheet]
    for header in headers:
        index = out[0].index(header)
        for line in out[1:]:
            line[index] = None
    return out


def village(app: Flask) -> Village:
    with app.app_context():
        found = db.session().scalars(select(Village)).one()
        db.session().expunge(found)
        return found


def household(app: Flask, code: str = "H0001") -> Household:
    with app.app_context():
        found = db.session().scalars(select(Household).where(Household.code == code)).one()
        db.session().expunge(found)
        return found


def user(app: Flask, username: str) -> User:
    with app.app_context():
        found = db.session().scalars(select(User).where(User.username == username)).one()
        db.session().expunge(found)
        return found


@pytest.fixture
def loaded(app: Flask) -> Flask:
    run_import(app, xlsx(full()))
    return app


def test_a_village_sheet_without_radius_landline_or_system_keeps_them(loaded: Flask) -> None:
    before = village(loaded)
    assert (before.radius_m, before.landline, before.coord_source) == (900, "0556-8123456",
                                                                       "gcj02")
    result = run_import(loaded, xlsx({"村": without(full()["村"], "半径(米)", "村部固定电话",
                                                  "坐标系")}))
    after = village(loaded)
    assert (after.radius_m, after.landline, after.coord_source) == (900, "0556-8123456",
                                                                    "gcj02")
    assert (after.lat, after.lon) == (before.lat, before.lon)
    assert result.updated == {}, result.updated


def test_cadre_and_supervisor_sheets_without_phones_keep_them(loaded: Flask) -> None:
    rows = full()
    run_import(loaded, xlsx({"驻村干部": without(rows["驻村干部"], "手机"),
                             "督查人员": without(rows["督查人员"], "手机")}))
    assert user(loaded, "zhangsan").phone == "13800000001"
    assert user(loaded, "wenquan").phone == "13900000009"


def test_cadres_without_the_leader_column_keep_their_first_secretary(loaded: Flask) -> None:
    run_import(loaded, xlsx({"驻村干部": without(full()["驻村干部"], "第一书记")}))
    assert user(loaded, "zhangsan").is_leader


def test_a_household_sheet_without_position_or_phone_keeps_them(loaded: Flask) -> None:
    before = household(loaded)
    run_import(loaded, xlsx({"农户": without(full()["农户"], "纬度", "经度", "坐标系", "电话")}))
    after = household(loaded)
    assert (after.lat, after.lon, after.coord_source, after.phone) == (
        before.lat, before.lon, "bd09", "13700000001")
    assert after.lat is not None


def test_an_area_sheet_without_parent_codes_keeps_the_county_in_its_city(loaded: Flask) -> None:
    run_import(loaded, xlsx({"区域": without(full()["区域"], "上级代码")}))
    with loaded.app_context():
        session = db.session()
        county = session.scalars(select(Area).where(Area.code == "340828")).one()
        city = session.scalars(select(Area).where(Area.code == "3408")).one()
        assert county.parent_id == city.id and county.path.startswith(city.path)


def test_explicit_empty_cells_clear_what_may_be_cleared(loaded: Flask) -> None:
    rows = full()
    run_import(loaded, xlsx({
        "村": emptied(rows["村"], "村部固定电话", "半径(米)"),
        "驻村干部": emptied(rows["驻村干部"], "手机"),
        "农户": emptied(rows["农户"], "纬度", "经度", "电话", "坐标系"),
    }))
    after = village(loaded)
    assert after.landline is None and after.radius_m == 1500.0
    assert user(loaded, "zhangsan").phone is None
    cleared = household(loaded)
    assert (cleared.lat, cleared.lon, cleared.phone) == (None, None, None)
