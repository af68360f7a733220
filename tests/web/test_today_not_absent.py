"""Today is not absent (缺勤) while it runs (issue 17 item 7, issue 14): at 06:00 local, a
cadre who has not checked in yet is "not yet" on the cadre's calendar, on the supervisors'
today board and month grid, and the ledger does not count the day as absent."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from flask import Flask

from checkin import db
from checkin.models import User
from checkin.services.attendance import ledger
from checkin.settings import policy

# 06:00 on 23 November 2026 in Shanghai.
SIX_AM = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)


def _at_six(app: Flask) -> None:
    app.config["FIXED_NOW"] = SIX_AM


def test_the_ledger_does_not_count_today_absent_before_it_ends(app: Flask, world) -> None:
    _at_six(app)
    with app.app_context():
        cadre = db.session().get(User, world["cadre_a2"])
        [row] = ledger.ledgers(db.session(), [cadre], 2026, policy())
        elapsed = (TODAY - date(2026, 1, 1)).days + 1
        # nothing on post this year: every day that ended is absent, today is still to come
        assert (row.ledger.absent_days, row.ledger.pending_days) == (elapsed - 1, 1)
        [slow] = ledger.reference_ledgers(db.session(), [cadre], 2026, policy())
        assert slow.ledger == row.ledger


def test_the_cadre_calendar_shows_today_as_not_yet(app: Flask, client, world, login) -> None:
    _at_six(app)
    html = login(client, "cadre_a2").get("/my/attendance?month=2026-11").get_data(
        as_text=True)
    today = re.search(r'<td class="cat-(\w+)"[^>]*><span>23</span>', html)
    assert today is not None and today.group(1) == "pending", html[:400]
    assert re.search(r'<td class="cat-absent"[^>]*><span>22</span>', html)
    assert "尚未签到" in html


def test_the_today_board_says_not_yet_checked_in(app: Flask, client, world, login) -> None:
    _at_six(app)
    html = login(client, "sup_county").get("/attendance/today").get_data(as_text=True)
    member = html[html.index("CadreAMember"):][:400]
    assert "今天尚未签到" in member and "tag-bad" not in member
    client.set_cookie("lang", "en")
    html = client.get("/attendance/today").get_data(as_text=True)
    assert "Not checked in yet" in html


def test_the_month_grid_shows_today_as_not_yet(app: Flask, client, world, login) -> None:
    _at_six(app)
    html = login(client, "sup_county").get("/attendance/month?month=2026-11").get_data(
        as_text=True)
    row = html[html.index("CadreAMember"):].split("</tr>")[0]
    cells = re.findall(r'<td class="day cat-(\w+)"', row)
    assert len(cells) == 30
    assert cells[22] == "pending" and cells[21] == "absent" and cells[23] == "future"
    # the absent count is the 22 days that ended
    numbers = re.findall(r'<td class="num">(\d+)</td>', row)
    assert numbers[-1] == "22"


def test_the_cadres_home_does_not_count_today_as_owed_at_six(app: Flask, client, world,
                                                            login) -> None:
    """At 06:00 the pace is judged against the days that ended: today is not owed yet."""
    _at_six(app)
    html = login(client, "cadre_a2").get("/").get_data(as_text=True)
    expected = re.search(r'id="pace-expected">(\d+)<', html)
    # 1 January to 22 November: 326 days, 200 × 326 / 365 = 178.6 -> 179 (not 180)
    assert expected is not None and expected.group(1) == "179"
    assert 'data-today="none"' in html


def test_the_api_says_today_is_pending(app: Flask, client, world, token_for) -> None:
    _at_six(app)
    body = client.get("/api/v1/attendance?year=2026",
                      headers=token_for("cadre_a2")).get_json()
    elapsed = (TODAY - date(2026, 1, 1)).days + 1
    assert (body["absent_days"], body["pending_days"]) == (elapsed - 1, 1)
