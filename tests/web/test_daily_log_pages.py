"""The daily log's pages (日纪实, issue 17 item 7): the cadre's own page with the day's
records drafted in, a form that works without scripts too, and the log where supervisors
look: the cadre's file, the month grid and the today board."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from checkin import db
from checkin.models import Checkin, DailyLog

# 21:30 on 23 November 2026 in Shanghai.
EVENING = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)


@pytest.fixture
def evening(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = EVENING
    return app


def _form(html: str) -> dict[str, str]:
    form = html[html.index('id="log-form"'):].split("</form>")[0]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def test_the_page_drafts_the_days_records(evening, client, world, login, make_checkin):
    make_checkin("cadre_a2", recorded_at=datetime(2026, 11, 23, 0, 10, tzinfo=UTC),
                 distance_m=120)
    html = login(client, "cadre_a2").get("/my/log").get_data(as_text=True)
    text = html[html.index('id="log-text"'):].split("</textarea>")[0]
    assert "08:10 在村签到（距村中心 120 米）" in text
    assert "尚未填写" in html and 'data-outbox="daily-log"' in html
    client.set_cookie("lang", "en")
    html = client.get("/my/log").get_data(as_text=True)
    assert "08:10 checked in at the village (120 m from the centre)" in html


def test_saving_without_scripts_keeps_every_version_and_makes_no_check_in(
        evening, client, world, login):
    login(client, "cadre_a2")
    checkins = _count(evening, Checkin)
    fields = _form(client.get("/my/log").get_data(as_text=True))
    first = client.post("/my/log", data={**fields, "text": "上午走访两户。"})
    assert first.status_code == 302
    html = client.get("/my/log").get_data(as_text=True)
    assert "已于 21:30 保存" in html and "上午走访两户。" in html
    fields = _form(html)
    assert fields["supersedes"]
    again = client.post("/my/log", data={**fields, "text": "上午走访两户。下午开会。"})
    assert again.status_code == 302
    html = client.get("/my/log").get_data(as_text=True)
    assert "第 2 版" in html and "之前的版本" in html
    assert html.index("上午走访两户。下午开会。") < html.index('id="log-versions"')
    assert "上午走访两户。</span>" in html[html.index('id="log-versions"'):]
    # the old copy of the form (an older version) is refused, and what was typed is kept
    stale = client.post("/my/log", data={**fields, "text": "旧页面上改的"})
    assert stale.status_code == 409 or stale.status_code == 422
    assert "旧页面上改的" in stale.get_data(as_text=True)
    assert _count(evening, DailyLog) == 2 and _count(evening, Checkin) == checkins


def test_a_refused_entry_says_why_in_the_readers_language(evening, client, world, login):
    login(client, "cadre_a2")
    fields = _form(client.get("/my/log").get_data(as_text=True))
    refused = client.post("/my/log", data={**fields, "text": "  "})
    assert refused.status_code == 422 and "请先填写日纪实内容" in refused.get_data(as_text=True)
    client.set_cookie("lang", "en")
    refused = client.post("/my/log", data={**fields, "text": "  "})
    assert "Write something in the daily log first" in refused.get_data(as_text=True)


def test_a_day_too_old_is_read_only(evening, client, world, login):
    html = login(client, "cadre_a2").get("/my/log?date=2026-11-01").get_data(as_text=True)
    assert 'id="log-form"' not in html and "可以填写 2026-11-16 至今天的日纪实" in html


def test_supervisors_see_the_log(evening, client, world, login, token_for):
    bearer = token_for("cadre_a2")
    response = client.post("/api/v1/daily-logs", headers=bearer, json={
        "id": "0f7c2a4e-5a0b-4a51-9a6c-1d2e3f4a5b6c", "date": "2026-11-23",
        "text": "走访王大山家，水管已修好。"})
    assert response.status_code == 201
    login(client, "sup_t1")
    file = client.get(f"/cadres/{world['cadre_a2']}?year=2026&month=11").get_data(
        as_text=True)
    assert "走访王大山家，水管已修好。" in file
    grid = client.get("/attendance/month?month=2026-11").get_data(as_text=True)
    row = grid[grid.index("CadreAMember"):].split("</tr>")[0]
    cells = re.findall(r'<td class="day cat-\w+( has-log)?"', row)
    assert cells[22] == " has-log" and cells.count(" has-log") == 1
    today = client.get("/attendance/today").get_data(as_text=True)
    assert "走访王大山家，水管已修好。" in today[today.index("CadreAMember"):][:800]
    export = client.get(f"/cadres/{world['cadre_a2']}/dossier.xlsx?year=2026")
    assert export.status_code == 200


def test_the_old_check_in_note_still_works(evening, client, world, login, make_checkin):
    make_checkin("cadre_a2", note="签到时的备注")
    html = login(client, "cadre_a2").get("/my/attendance?month=2026-11").get_data(
        as_text=True)
    assert "签到时的备注" in html


def _count(app: Flask, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))
