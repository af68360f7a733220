"""Team make-up on the roster import (issue 19, seed 002: 3 people, 1 first secretary and
1 member from the sending unit, 1 from the township): each member's role is a column
(optional, absent keeps), and teams that do not fit are warned about, never refused."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import User
from checkin.refusals import problem_text
from tests.lang import speaking
from tests.roster.test_roster_import import ROWS, run_import, xlsx

VILLAGE = "340828101201"


def rows_with(teams: list[list[Any]], cadres: list[list[Any]]) -> dict[str, list[list[Any]]]:
    rows = {k: [list(line) for line in v] for k, v in ROWS.items()}
    rows["工作队"] = [rows["工作队"][0], *teams]
    rows["驻村干部"] = [["账号", "姓名", "手机", "工作队代码", "第一书记", "队内身份"], *cadres]
    rows["农户"] = [rows["农户"][0]]
    return rows


def warnings_of(app: Flask, rows: dict[str, list[list[Any]]]) -> list[str]:
    result = run_import(app, xlsx(rows))
    with speaking("en"):
        return [problem_text(w) for w in result.warnings]


def team(code: str) -> list[Any]:
    return [code, VILLAGE, "U1", "2026-01-01", "2027-12-31"]


def test_a_team_as_the_seed_says_imports_without_a_word(app: Flask) -> None:
    rows = rows_with([team("T1")], [
        ["a1", "甲", None, "T1", "是", "第一书记"], ["a2", "乙", None, "T1", "否", "派出单位队员"],
        ["a3", "丙", None, "T1", "否", "乡镇队员"]])
    assert warnings_of(app, rows) == []
    with app.app_context():
        roles = dict(db.session().execute(select(User.username, User.team_role)
                                          .where(User.role == "cadre")).all())
    assert roles == {"a1": "first_secretary", "a2": "unit_member", "a3": "township_member"}


def test_the_issues_teams_are_warned_about_and_import(app: Flask) -> None:
    """A team of 1 with no first secretary, one of 5 with none, 3 teams in one village."""
    cadres = [["s1", "独", None, "T1", "否", None]]
    cadres += [[f"f{i}", f"五{i}", None, "T2", "否", None] for i in range(5)]
    cadres += [["g1", "甲", None, "T3", "是", None], ["g2", "乙", None, "T3", "否", None],
               ["g3", "丙", None, "T3", "否", None]]
    texts = warnings_of(app, rows_with([team("T1"), team("T2"), team("T3")], cadres))
    assert any("T1 has no first secretary (1 members)" in t for t in texts), texts
    assert any("T1 has 1 members, not 3" in t for t in texts)
    assert any("T2 has no first secretary (5 members)" in t for t in texts)
    assert any("T2 has 5 members, not 3" in t for t in texts)
    assert sum("3 teams in one village" in t for t in texts) == 3
    assert all(t.startswith("sheet") or "工作队" in t or "teams" in t.lower() for t in texts)
    with app.app_context():  # imported all the same
        assert db.session().query(User).filter(User.role == "cadre").count() == 9


def test_two_first_secretaries_by_role_and_no_township_member(app: Flask) -> None:
    rows = rows_with([team("T1")], [
        ["a1", "甲", None, "T1", "是", "第一书记"], ["a2", "乙", None, "T1", "否", "第一书记"],
        ["a3", "丙", None, "T1", "否", "派出单位队员"]])
    texts = warnings_of(app, rows)
    assert any("T1 has 2 first secretaries" in t for t in texts), texts
    assert any("T1 has no member from the township" in t for t in texts)


def test_an_absent_role_column_keeps_the_roles(app: Flask) -> None:
    rows = rows_with([team("T1")], [
        ["a1", "甲", None, "T1", "是", "第一书记"], ["a2", "乙", None, "T1", "否", "乡镇队员"]])
    run_import(app, xlsx(rows))
    without = rows_with([team("T1")], [])
    without["驻村干部"] = [["账号", "姓名", "手机", "工作队代码", "第一书记"],
                       ["a1", "甲", None, "T1", "是"], ["a2", "乙改", None, "T1", "否"]]
    run_import(app, xlsx(without))
    with app.app_context():
        a2 = db.session().scalars(select(User).where(User.username == "a2")).one()
        assert (a2.name, a2.team_role) == ("乙改", "township_member")


def test_the_preview_shows_the_warnings(app: Flask, world, login) -> None:
    from tests.roster.test_roster_import import upload_through_the_page

    client = login(app.test_client(), "admin")
    cadres = [["s1", "独", None, "T1", "否", None]]
    page = upload_through_the_page(client, xlsx(rows_with([team("T1")], cadres)))
    text = page.get_data(as_text=True) if hasattr(page, "get_data") else str(page)
    assert "工作队组成提示" in text and "没有第一书记" in text, text[-3000:]
