"""The opening balance at go-live (开账前天数, issue 14): an admin sets it on the cadre's
account page; the ledger counts it and no day before go-live is absent; the cadre's file
and the year ledger's export show it apart, with who set it; every change is audited with
the values before and after. Attacks first: a cadre or a supervisor cannot set one, and an
admin cannot inflate one past the calendar."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checkin import db
from checkin.domain import attendance
from checkin.domain.refusal import Refusal
from checkin.models import AuditEntry, OpeningBalance, Team, User
from checkin.services.attendance import opening
from tests.conftest import csrf_from

Login = Callable[..., FlaskClient]
NOW = datetime(2026, 12, 20, 4, 0, tzinfo=UTC)  # 20 December 2026, noon in Shanghai
GOOD = {"year": "2026", "go_live": "2026-12-01", "on_post_days": "180",
        "official_days": "5", "training_days": "4", "leave_days": "10",
        "note": "县委组织部 2026 年考勤台账"}


def _post(client: FlaskClient, user_id: int, **data: Any) -> Any:
    return client.post(f"/admin/users/{user_id}/opening",
                       data={"csrf_token": csrf_from(client, f"/admin/users/{user_id}"),
                             **data})


def _rows(app: Flask) -> list[OpeningBalance]:
    with app.app_context():
        return list(db.session().scalars(select(OpeningBalance)))


def _audits(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEntry).where(
            AuditEntry.entity == "opening_balance").order_by(AuditEntry.id)))


@pytest.fixture
def at_year_end(app: Flask, world) -> None:
    """The teams' terms began with the year; it is 20 December."""
    app.config["FIXED_NOW"] = NOW


@pytest.mark.parametrize("who", ["cadre_a", "sup_t1", "sup_county"])
def test_no_one_but_an_admin_sets_a_balance(app: Flask, client: FlaskClient, world,
                                           login: Login, at_year_end, who: str) -> None:
    login(client, who)
    answer = client.post(f"/admin/users/{world['cadre_a']}/opening",
                         data={"csrf_token": csrf_from(client, "/"), **GOOD})
    assert answer.status_code in (403, 404)
    assert not _rows(app) and not _audits(app)


@pytest.mark.parametrize("role", ["cadre", "supervisor"])
def test_the_service_refuses_anyone_but_an_admin(app: Flask, world, at_year_end,
                                                 role: str) -> None:
    with app.app_context():
        session = db.session()
        cadre = session.get(User, world["cadre_a"])
        actor = cadre if role == "cadre" else session.get(User, world["sup_county"])
        with pytest.raises(Refusal) as refused:
            opening.set_balance(session, actor, cadre, 2026,
                                attendance.OpeningBalance(date(2026, 12, 1), 300), "mine")
        assert refused.value.code == "forbidden"


@pytest.mark.parametrize(("change", "field_words"), [
    ({"on_post_days": "335"}, "超过了任期内的天数"),  # more days than Jan–Nov had
    ({"on_post_days": "300", "official_days": "40"}, "超过了任期内的天数"),
    ({"go_live": "2025-12-01"}, "必须在该余额所属的"),
    ({"on_post_days": "-3"}, "不是天数"),
    ({"go_live": "下个月"}, "2026-11-22"),
    ({"year": "abc"}, "不是年份"),
    ({"note": ""}, "required"),
])
def test_an_impossible_balance_is_refused_and_nothing_stored(
        app: Flask, client: FlaskClient, world, login: Login, at_year_end,
        change: dict[str, str], field_words: str) -> None:
    login(client, "admin")
    answer = _post(client, world["cadre_a"], **{**GOOD, **change})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert field_words in html or "必填" in html or "This field is required" in html
    assert not _rows(app) and not _audits(app)


def test_a_team_begun_after_go_live_has_nothing_to_claim(app: Flask, client: FlaskClient,
                                                        world, login: Login,
                                                        at_year_end) -> None:
    with app.app_context():
        db.session().get(Team, world["team_a"]).term_start = date(2026, 12, 5)
        db.session().commit()
    login(client, "admin")
    assert _post(client, world["cadre_a"], **{**GOOD, "on_post_days": "1",
                                              "official_days": "0", "training_days": "0",
                                              "leave_days": "0"}).status_code == 422
    assert not _rows(app)


def test_a_set_balance_counts_and_no_day_before_go_live_is_absent(
        app: Flask, client: FlaskClient, world, login: Login, at_year_end) -> None:
    login(client, "admin")
    before = client.get(f"/api/v1/attendance?year=2026&user_id={world['cadre_a']}").get_json()
    assert before["absent_days"] > 300 and before["opening_days"] == 0
    answer = _post(client, world["cadre_a"], **GOOD)
    assert answer.status_code == 303
    after = client.get(f"/api/v1/attendance?year=2026&user_id={world['cadre_a']}").get_json()
    assert after["absent_days"] == before["absent_days"] - 334 + 0  # only Dec counts now
    assert after["opening_days"] == 189  # on post, official business and training count
    assert after["on_post_days"] >= 180 and after["leave_days"] >= 10
    assert after["target_days"] == 200
    [entry] = _audits(app)
    assert entry.action == "opening_balance.set" and entry.before_digest is None
    assert entry.detail["after"]["on_post_days"] == 180 and entry.detail["via"] == "page"


def test_raising_a_balance_after_the_fact_is_in_the_log_and_the_file(
        app: Flask, client: FlaskClient, world, login: Login, at_year_end) -> None:
    login(client, "admin")
    _post(client, world["cadre_a"], **GOOD)
    _post(client, world["cadre_a"], **{**GOOD, "on_post_days": "230", "note": "补录"})
    first, second = _audits(app)
    assert second.detail["before"]["on_post_days"] == 180
    assert second.detail["after"]["on_post_days"] == 230
    assert second.before_digest == first.after_digest
    # the same values again change nothing and write nothing
    assert _post(client, world["cadre_a"], **{**GOOD, "on_post_days": "230",
                                              "note": "补录"}).status_code == 303
    assert len(_audits(app)) == 2
    supervisor = login(app.test_client(), "sup_t1")
    html = supervisor.get(f"/cadres/{world['cadre_a']}?year=2026").get_data(as_text=True)
    line = html[html.index('id="opening-balance"'):].split("</p>")[0]
    assert "开账前天数" in line and "在岗 230" in line and "TheAdmin" in line
    assert "共修改 2 次" in line and "补录" in line
    cadre = login(app.test_client(), "cadre_a")  # the cadre sees it in their own file too
    assert 'id="opening-balance"' in cadre.get(
        f"/cadres/{world['cadre_a']}?year=2026").get_data(as_text=True)


def test_the_year_export_shows_the_balance_apart(app: Flask, client: FlaskClient, world,
                                                 login: Login, at_year_end) -> None:
    login(client, "admin")
    _post(client, world["cadre_a"], **GOOD)
    supervisor = login(app.test_client(), "sup_county")
    page = supervisor.get("/attendance/year?year=2026").get_data(as_text=True)
    assert 'id="opening-note"' in page
    text = supervisor.get("/attendance/year.csv?year=2026").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header = next(r for r in table if "姓名" in r)
    leader = next(r for r in table if r and r[0] == "CadreALeader")
    member = next(r for r in table if r and r[0] == "CadreAMember")
    assert leader[header.index("开账前天数")] == "189"
    assert leader[header.index("开账日期")] == "2026-12-01"
    assert member[header.index("开账前天数")] == "0" and member[header.index("开账日期")] == ""


def test_the_month_grid_shows_the_days_before_go_live_outside(
        app: Flask, client: FlaskClient, world, login: Login, at_year_end) -> None:
    login(client, "admin")
    _post(client, world["cadre_a"], **{**GOOD, "go_live": "2026-12-10", "on_post_days": "200"})
    supervisor = login(app.test_client(), "sup_county")
    text = supervisor.get("/attendance/month.csv?month=2026-12").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header = next(r for r in table if "姓名" in r)
    leader = next(r for r in table if r and r[0] == "CadreALeader")
    member = next(r for r in table if r and r[0] == "CadreAMember")
    assert leader[header.index("1")] == "—" and leader[header.index("9")] == "—"
    assert leader[header.index("10")] != "—"
    assert member[header.index("1")] != "—"
    assert int(leader[header.index("缺勤")]) < int(member[header.index("缺勤")])


def test_clearing_a_balance_is_audited(app: Flask, client: FlaskClient, world,
                                       login: Login, at_year_end) -> None:
    login(client, "admin")
    _post(client, world["cadre_a"], **GOOD)
    answer = _post(client, world["cadre_a"], year="2026", action="clear")
    assert answer.status_code == 303 and not _rows(app)
    cleared = _audits(app)[-1]
    assert cleared.action == "opening_balance.clear" and cleared.after_digest is None
    assert cleared.detail["before"]["on_post_days"] == 180


def test_office_forms_of_dates_and_digits_are_taken(app: Flask, client: FlaskClient, world,
                                                    login: Login, at_year_end) -> None:
    login(client, "admin")
    assert _post(client, world["cadre_a"], **{**GOOD, "go_live": "2026年12月1日",
                                              "on_post_days": "１８０"}).status_code == 303
    [row] = _rows(app)
    assert row.go_live == date(2026, 12, 1) and row.on_post_days == 180


def test_the_admin_page_shows_the_form_in_english(app: Flask, client: FlaskClient, world,
                                                  login: Login, at_year_end) -> None:
    login(client, "admin")
    html = client.get(f"/admin/users/{world['cadre_a']}?lang=en").get_data(as_text=True)
    assert "Opening balance at go-live" in html and 'name="go_live"' in html
    html = client.get(f"/admin/users/{world['sup_t1']}").get_data(as_text=True)
    assert 'name="go_live"' not in html  # a supervisor has no balance
