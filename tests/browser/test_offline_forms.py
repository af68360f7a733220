"""Leave, 销假, make-ups and a team report's remarks without signal (issue 17, item 4), in
Chromium at 390x844: each form, served from the phone, keeps what was typed in the outbox
and says it will send; when the signal returns it reaches the server once, under the id the
phone made; a refusal comes back in the reader's language and can be put back in the form,
and the corrected request, once taken, replaces the refused one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page
from sqlalchemy import select

from checkin import db
from checkin.domain import reporting
from checkin.models import AttendanceCorrection, Leave, TeamReport, TeamReportRemarks
from checkin.platform import clock
from tests.browser.helpers import PageLog, shot
from tests.browser.test_offline import (
    go_offline,
    outbox,
    phone,
    signed_in_page,
    wait_until_ready_offline,
    waiting,
)

LANGS = ["zh", "en"]
QUEUED = {"zh": "无网络：已保存在手机上", "en": "No network: saved on the phone"}


def offline_phone(new_context: Callable[..., BrowserContext], page_log: PageLog, base: str,
                  lang: str) -> tuple[BrowserContext, Page]:
    """A cadre's phone, signed in in `lang`, with the pages saved, then without signal."""
    context = phone(new_context, base)
    page = context.new_page()
    page_log.watch(page)
    if lang == "en":
        page.goto(f"{base}/lang/en?next=/login")
    page.close()
    page = signed_in_page(context, page_log, base)
    page.goto(f"{base}/my/checkin")
    wait_until_ready_offline(page)
    go_offline(context, page)
    return context, page


def queued(page: Page, form: str, lang: str) -> str:
    """The form's own line once it has kept the record on the phone."""
    result = page.locator(f"{form} [data-outbox-result]")
    page.wait_for_function(
        f"() => document.querySelector('{form} [data-outbox-result].warn') !== null")
    said = result.inner_text()
    assert QUEUED[lang] in said, said
    return said


def back_online(context: BrowserContext, page: Page) -> None:
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('outbox').dataset.waiting === '0'",
                           timeout=30_000)


@pytest.mark.parametrize("lang", LANGS)
def test_leave_asked_offline_is_kept_and_sent_once_on_reconnect(
        new_context, page_log: PageLog, live_server: str, world, app: Flask,
        lang: str) -> None:
    context, page = offline_phone(new_context, page_log, live_server, lang)
    page.goto(f"{live_server}/my/leaves")  # the saved copy: no signal
    form = 'form[data-outbox="leave"]'
    with app.app_context():
        start = clock.today() + timedelta(days=3)
    page.locator(f'{form} select[name="kind"]').select_option("personal")
    page.locator(f'{form} input[name="start"]').fill(start.isoformat())
    page.locator(f'{form} input[name="end"]').fill((start + timedelta(days=1)).isoformat())
    page.locator(f'{form} textarea[name="reason"]').fill("回县城办理证件")
    page.locator(f"{form} button[type=submit]").click()
    queued(page, form, lang)
    [kept] = outbox(page)
    assert kept["kind"] == "leave" and kept["state"] == "pending"
    assert kept["body"]["start_date"] == start.isoformat()
    assert kept["body"]["reason"] == "回县城办理证件"
    # Nothing typed is lost: the page opened again without signal still lists it.
    page.reload()
    page.wait_for_function("() => document.getElementById('outbox').dataset.waiting === '1'")
    assert start.isoformat() in page.locator("#outbox-list").inner_text()
    shot(page, f"offline-leave-queued-{lang}")

    back_online(context, page)
    assert outbox(page) == []
    with app.app_context():
        stored = db.session().scalars(select(Leave).where(
            Leave.user_id == world["cadre_a"], Leave.start_date == start)).all()
        assert [(row.id, row.reason) for row in stored] == [(kept["id"], "回县城办理证件")]
    page.goto(f"{live_server}/my/leaves")
    assert start.isoformat() in page.locator("main").inner_text()
    shot(page, f"offline-leave-sent-{lang}")
    assert page_log.problems() == {}


@pytest.mark.parametrize("lang", LANGS)
def test_closing_leave_offline_reaches_the_server_once(
        new_context, page_log: PageLog, live_server: str, world, app: Flask, make_leave,
        lang: str) -> None:
    with app.app_context():
        today = clock.today()
    leave = make_leave("cadre_a", kind="sick", status="approved",
                       start_date=today - timedelta(days=2), end_date=today)
    context, page = offline_phone(new_context, page_log, live_server, lang)
    page.goto(f"{live_server}/my/leaves")
    form = 'form[data-outbox="leave_return"]'
    assert page.locator(form).count() == 1
    page.locator(f'{form} input[name="returned_on"]').fill(today.isoformat())
    page.locator(f"{form} button[type=submit]").click()
    queued(page, form, lang)
    [kept] = outbox(page)
    assert kept["kind"] == "leave_return" and kept["body"]["date"] == today.isoformat()
    shot(page, f"offline-return-queued-{lang}")

    back_online(context, page)
    with app.app_context():
        closed = db.session().get(Leave, leave.id)
        assert closed is not None and closed.status == "closed"
        assert closed.returned_on == today and closed.return_request_id == kept["id"]
    assert page_log.problems() == {}


@pytest.mark.parametrize("lang", LANGS)
def test_a_make_up_offline_refused_in_the_readers_language_then_corrected(
        new_context, page_log: PageLog, live_server: str, world, app: Flask,
        lang: str) -> None:
    with app.app_context():
        today = clock.today()
    yesterday = today - timedelta(days=1)
    context, page = offline_phone(new_context, page_log, live_server, lang)
    page.goto(f"{live_server}/my/attendance")
    form = 'form[data-outbox="makeup"]'
    # Asked for today, which the server refuses (today can still be checked in).
    page.locator(f'{form} input[name="day"]').fill(today.isoformat())
    page.locator(f'{form} textarea[name="reason"]').fill("手机没电，未能打卡")
    page.locator(f"{form} button[type=submit]").click()
    queued(page, form, lang)
    assert waiting(page) == 1
    shot(page, f"offline-makeup-queued-{lang}")

    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('outbox').dataset.refused === '1'",
                           timeout=30_000)
    [refused] = outbox(page)
    # The form that kept it says so too, no longer "will be sent".
    page.wait_for_function(
        f"() => document.querySelector('{form} [data-outbox-result].bad') !== null")
    reason = page.locator("#outbox-list .outbox-why").inner_text()
    if lang == "zh":
        assert "尚未结束" in reason and "not over" not in reason, reason
    else:
        assert "not over yet" in reason and "尚未结束" not in reason, reason
    shot(page, f"offline-makeup-refused-{lang}")
    page_log.clear()  # the refusal's 422 is the point of this step

    # "Edit in the form" puts what was typed back; the corrected day is taken, and the
    # refused record is gone without a word.
    page.locator("#outbox-list .outbox-edit").click()
    assert page.locator(f'{form} textarea[name="reason"]').input_value() == "手机没电，未能打卡"
    page.locator(f'{form} input[name="day"]').fill(yesterday.isoformat())
    page.locator(f"{form} button[type=submit]").click()
    page.wait_for_function(
        "() => document.querySelector('.outbox-done') !== null", timeout=15_000)
    assert outbox(page) == []
    with app.app_context():
        asked = db.session().scalars(select(AttendanceCorrection).where(
            AttendanceCorrection.user_id == world["cadre_a"])).all()
        assert [(row.day, row.reason) for row in asked] == [(yesterday, "手机没电，未能打卡")]
        assert refused["id"] not in {row.id for row in asked}
    shot(page, f"offline-makeup-corrected-{lang}")
    assert page_log.problems() == {}


@pytest.mark.parametrize("lang", LANGS)
def test_team_report_remarks_written_offline_are_saved_once(
        new_context, page_log: PageLog, live_server: str, world, app: Flask,
        lang: str) -> None:
    with app.app_context():
        period = reporting.week_of(clock.today())
    context, page = offline_phone(new_context, page_log, live_server, lang)
    page.goto(f"{live_server}/team/report")
    form = 'form[data-outbox="remarks"]'
    page.locator(f'{form} textarea[name="remarks"]').fill("本周走访 12 户，协调修路一处。")
    page.locator(f'{form} button[value="save"]').click()
    queued(page, form, lang)
    # Kept on the page as typed (the remarks are a text being written, not a request).
    assert page.locator(f'{form} textarea[name="remarks"]').input_value() == \
        "本周走访 12 户，协调修路一处。"
    [kept] = outbox(page)
    assert kept["kind"] == "remarks" and kept["body"]["period"] == period
    shot(page, f"offline-remarks-queued-{lang}")

    back_online(context, page)
    page.wait_for_function(
        f"() => document.querySelector('{form} [data-outbox-result].ok') !== null")
    with app.app_context():
        session = db.session()
        report = session.scalars(select(TeamReport).where(
            TeamReport.team_id == world["team_a"], TeamReport.period == period)).one()
        assert report.remarks == "本周走访 12 户，协调修路一处。"
        assert session.scalars(select(TeamReportRemarks.id).where(
            TeamReportRemarks.report_id == report.id)).all() == [kept["id"]]
    assert page_log.problems() == {}


@pytest.mark.parametrize("lang", LANGS)
def test_households_are_searched_offline_in_the_saved_list(
        new_context, page_log: PageLog, live_server: str, world, lang: str) -> None:
    _context, page = offline_phone(new_context, page_log, live_server, lang)
    page.goto(f"{live_server}/my/households")
    everyone = page.locator("#households li[data-state]").count()
    assert everyone == 3
    page.locator('form.filters input[name="q"]').fill("headA1")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_function("() => !document.getElementById('search-note').hidden")
    shown = page.locator("#households li[data-state]:visible")
    assert shown.count() == 1 and "HeadA1户" in shown.inner_text()
    shot(page, f"offline-search-{lang}")
    # An address with a search, opened without signal: the saved list, filtered.
    page.goto(f"{live_server}/my/households?q=Ha2")
    assert page.locator("#households").count() == 1  # not "page not saved"
    page.wait_for_function("() => !document.getElementById('search-note').hidden")
    assert page.locator('form.filters input[name="q"]').input_value() == "Ha2"
    assert page.locator("#households li[data-state]:visible").count() == 1
    page.locator('form.filters input[name="q"]').fill("无此户")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_function("() => !document.getElementById('households-none').hidden")
    assert page.locator("#households li[data-state]:visible").count() == 0
    assert page_log.problems() == {}


def test_a_form_that_needs_the_network_says_so_without_signal(
        new_context, page_log: PageLog, live_server: str, world) -> None:
    _context, page = offline_phone(new_context, page_log, live_server, "zh")
    page.goto(f"{live_server}/my/leaves")
    withdraw = page.locator('form[action$="/withdraw"]').first
    withdraw.locator("button[type=submit]").click()
    page.wait_for_function("""() => document.querySelector(
        'form[action$="/withdraw"] [data-outbox-result].bad') !== null""")
    assert "需要网络" in withdraw.locator("[data-outbox-result]").inner_text()
    assert page.url.endswith("/my/leaves") and page.locator("#outbox").count() == 1
    shot(page, "offline-needs-network-zh")
    assert page_log.problems() == {}
