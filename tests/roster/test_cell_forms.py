"""Cells as an office types them: dates in every form, full-width digits and punctuation,
phones with spaces or +86, extra columns such as 序号; and problems each told once, with the
column letter, root causes before their consequences, every file's problems in one pass."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.domain.refusal import Refusal
from checkin.models import Household, Team, User, Village
from checkin.refusals import problem_text
from checkin.roster.read import Limits, read_rosters
from checkin.services.people.roster_import import import_roster
from tests.lang import speaking
from tests.roster.test_roster_import import ROWS, problems_of, run_import, xlsx


def copy() -> dict[str, list[list[Any]]]:
    return {k: [list(line) for line in v] for k, v in ROWS.items()}


@pytest.mark.parametrize("typed", [46023, 46023.0, "46023", "2026/1/1", "2026-1-1",
                                   "2026.1.1", "2026年1月1日", "２０２６年１月１日",
                                   "2026-01-01 00:00:00", "20260101", " 2026 / 01 / 01 "])
def test_a_date_in_any_form_an_office_types(app: Flask, typed: Any) -> None:
    rows = copy()
    rows["工作队"][1][3] = typed
    run_import(app, xlsx(rows))
    with app.app_context():
        assert db.session().scalars(select(Team.term_start)).one() == date(2026, 1, 1)


def test_full_width_digits_and_punctuation_everywhere(app: Flask) -> None:
    rows = copy()
    rows["村"][0][5] = "半径（米）"
    rows["村"][1][3:6] = ["３０．８５１２", "１１６．３６０５", "１５００"]
    rows["村"][1][6] = "０５５６－８１２３４５６"
    rows["驻村干部"][1][2] = "１３８ ０００ ０００ ０１"
    rows["驻村干部"][2][2] = "+86 138-0000-0002"
    rows["驻村干部"][1][3] = "Ｔ１"
    rows["农户"][1][0] = "Ｈ０００１"
    run_import(app, xlsx(rows))
    with app.app_context():
        session = db.session()
        village = session.scalars(select(Village)).one()
        assert (village.lat, village.lon, village.radius_m) == (30.8512, 116.3605, 1500.0)
        assert village.landline == "0556-8123456"
        phones = {u.username: u.phone for u in session.scalars(select(User))}
        assert phones["zhangsan"] == "13800000001" and phones["lisi"] == "13800000002"
        assert session.scalars(select(Household.code).order_by(Household.code)).all() == [
            "H0001", "H0002"]


def test_a_phone_that_is_not_one_is_a_problem(app: Flask) -> None:
    rows = copy()
    rows["驻村干部"][1][2] = "找村支书"
    texts = problems_of(app, xlsx(rows))
    assert any("不是电话号码" in t for t in texts) and any("not a phone number" in t
                                                       for t in texts), texts


def test_extra_columns_such_as_a_row_number_are_ignored_and_noted(app: Flask) -> None:
    rows = copy()
    for sheet in rows.values():
        sheet[0].insert(0, "序号")
        for n, line in enumerate(sheet[1:], 1):
            line.insert(0, n)
    result = run_import(app, xlsx(rows))
    assert result.created["household"] == 2
    with speaking("zh"):
        notes = [problem_text(p) for p in result.notes]
    assert len(notes) == len(rows) and all("序号" in n and "已忽略" in n for n in notes), notes


def test_each_problem_names_its_column_letter(app: Flask) -> None:
    rows = copy()
    rows["村"][1][3] = 300
    texts = problems_of(app, xlsx(rows))
    assert "sheet 村, row 2, column D (纬度): latitude 300.0 is outside -90..90" in texts, texts
    assert any(t.startswith("工作表「村」第 2 行 D 列（纬度）：") for t in texts), texts


def test_a_missing_village_is_one_problem_not_one_per_reference(app: Flask) -> None:
    rows = copy()
    rows["工作队"][1][1] = "999"
    for n in range(10):
        rows["农户"].append([f"H1{n:03d}", f"户{n}", "999", "贫困户", "lisi"])
    texts = problems_of(app, xlsx(rows))
    english = [t for t in texts if "unknown" in t]
    assert len(english) == 1, english
    assert "“999”" in english[0] and "10 more" in english[0], english


def test_a_broken_village_row_does_not_cascade_into_its_teams_and_households(app: Flask
                                                                            ) -> None:
    rows = copy()
    rows["村"][1][3] = "北纬三十度"
    texts = problems_of(app, xlsx(rows))
    assert len(texts) == 2, texts  # the latitude, in Chinese and in English
    assert "北纬三十度" in texts[0]


def test_every_files_problems_come_in_one_pass(app: Flask) -> None:
    rows = copy()
    rows["村"][0][3] = "北纬"  # 纬度 missing: the sheet cannot be read
    rows["驻村干部"][1][4] = "也许"
    households = "户编码,户主姓名,村代码,状态,帮扶责任人账号\nH7,钱七,340828101201,富裕户,lisi\n"
    sheets, found = read_rosters([("a.xlsx", xlsx(rows)),
                                  ("农户.csv", households.encode())], Limits())
    with app.app_context(), pytest.raises(Refusal) as refused:
        import_roster(db.session(), sheets, actor_id=None, found=found)
    codes = [p.code for p in refused.value.problems]
    assert codes == ["missing_header", "not_bool", "not_choice"], codes
