"""The daily log (日纪实) on a phone at 390×844 in both languages (issue 17, item 7): the page
drafts the day's records, needs no position (geolocation refused), saves once through the
API, keeps every version, says so when there is no signal and keeps what was typed; saving
it makes no check-in. Then what a supervisor sees at 1366×768: the log in the cadre's
file, its mark on the month grid, the year against what is expected by today."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select

from checkin import db
from checkin.models import Checkin, DailyLog
from checkin.platform import clock
from tests.browser.helpers import PageLog, horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD

LANGS = ("zh", "en")


def _count(app: Flask, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def _phone(new_context, base: str, page_log: PageLog, lang: str) -> Page:
    context: BrowserContext = new_context()  # no geolocation permission: none is needed
    page = context.new_page()
    page_log.watch(page)
    if lang == "en":
        page.goto(f"{base}/lang/en?next=/login")
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_the_daily_log_on_a_phone(new_context, page_log: PageLog, live_server: str,
                                  app: Flask, world, make_checkin, make_visit,
                                  lang: str) -> None:
    today = clock.today()
    morning = datetime.combine(today, time(8, 10), clock.zone())
    make_checkin("cadre_a2", recorded_at=morning, distance_m=120)
    make_visit("cadre_a2", note="了解用水" if lang == "zh" else "water supply",
               recorded_at=datetime.combine(today, time(10, 5), clock.zone()))
    page = _phone(new_context, live_server, page_log, lang)
    sign_in(page, live_server, "cadre_a2", PASSWORD)
    page.goto(f"{live_server}/my/log")
    text = page.locator("#log-text")
    drafted = text.input_value()
    assert "08:10" in drafted and "10:05" in drafted and "120" in drafted
    assert ("在村签到" if lang == "zh" else "checked in at the village") in drafted
    assert not horizontal_overflow(page), horizontal_overflow(page)
    for target in ("#log-save", "#log-text"):
        box = page.locator(target).bounding_box()
        assert box is not None and box["height"] >= 44, (target, box)
    shot(page, f"phone-daily-log-draft-{lang}")

    checkins = _count(app, Checkin)
    own = ("下午到村部开会，整理了走访记录。" if lang == "zh"
           else "Afternoon: meeting at the office.")
    text.fill(drafted + own)
    # No signal: the log is kept on the phone and says so; nothing typed is lost; it is sent
    # once, by itself, when the signal returns.
    page.context.set_offline(True)
    page.locator("#log-save").click()
    result = page.locator("#log-result")
    expect(result).to_contain_text("无网络：已保存在手机上" if lang == "zh"
                                   else "saved on the phone")  # after "Sending…"
    assert own in text.input_value() and _count(app, DailyLog) == 0
    page.context.set_offline(False)
    # the requests tried without signal failed, as they had to: not a problem of the page
    page.evaluate("window.dispatchEvent(new Event('online'))")
    for _ in range(100):
        if _count(app, DailyLog) == 1:
            break
        page.wait_for_timeout(100)
    for found in (page_log.console_errors, page_log.failed_requests):
        found[:] = [line for line in found if "ERR_INTERNET_DISCONNECTED" not in line]
    assert _count(app, DailyLog) == 1
    page.reload()
    assert ("已于" if lang == "zh" else "Saved at") in page.locator("#log-state").inner_text()
    assert own in page.locator("#log-text").input_value()
    assert _count(app, DailyLog) == 1 and _count(app, Checkin) == checkins

    # An edit is a new version; the first one is kept and shown.
    edited = page.locator("#log-text").input_value() + (" 补充：明天回访。" if lang == "zh"
                                                       else " Follow-up tomorrow.")
    page.locator("#log-text").fill(edited)
    with page.expect_navigation():
        page.locator("#log-save").click()
    assert page.locator("#log-versions li").count() == 1
    assert ("第 2 版" if lang == "zh" else "version 2") in page.locator("#log-state").inner_text()
    assert _count(app, DailyLog) == 2 and _count(app, Checkin) == checkins
    assert not horizontal_overflow(page), horizontal_overflow(page)
    shot(page, f"phone-daily-log-saved-{lang}")
    assert page_log.problems() == {}


def test_a_supervisor_sees_the_log_and_the_target_by_today(new_context, page_log: PageLog,
                                                           live_server: str, app: Flask,
                                                           world, token_for, client) -> None:
    today = clock.today()
    bearer = token_for("cadre_a2")
    answer = client.post("/api/v1/daily-logs", headers=bearer, json={
        "id": "5b0c1c9e-2a7e-4e43-9f4a-6a1d3c2b1e0f", "date": today.isoformat(),
        "text": "上午走访王大山家，水管已修好；下午到村部开会。"})
    assert answer.status_code == 201, answer.get_json()
    desktop: BrowserContext = new_context(viewport={"width": 1366, "height": 768},
                                          is_mobile=False, has_touch=False)
    wide = desktop.new_page()
    page_log.watch(wide)
    sign_in(wide, live_server, "sup_t1", PASSWORD)
    wide.goto(f"{live_server}/cadres/{world['cadre_a2']}#days")
    assert any("水管已修好" in t for t in wide.locator("td.df-log").all_inner_texts())
    shot(wide, "supervisor-file-daily-log-1366-zh")
    wide.goto(f"{live_server}/attendance/month")
    assert wide.locator("td.has-log").count() == 1
    shot(wide, "supervisor-month-1366-zh")
    wide.goto(f"{live_server}/attendance/today")
    assert "水管已修好" in wide.locator(".today-log").first.inner_text()
    shot(wide, "supervisor-today-1366-zh")
    wide.goto(f"{live_server}/attendance/year")
    assert wide.locator("th", has_text="截至今天应达").count() == 1
    shot(wide, "supervisor-year-1366-zh")
    assert page_log.problems() == {}
