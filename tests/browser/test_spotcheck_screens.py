"""Spot checks on a 390 px phone, in Chinese: a supervisor draws the week, works an item of
the queue and records the result, reads the monthly bulletin and its printable version;
a team leader reads the weekly summary. Screenshots land in test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import update

from checkin import db
from checkin.models import Household
from checkin.platform import clock
from tests.browser.helpers import PageLog, horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD
from tests.spotcheck_helpers import add_visit


def sound(page: Page, page_log: PageLog) -> None:
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    overflow = horizontal_overflow(page)
    assert not overflow, "\n".join(overflow)
    assert page_log.problems() == {}


def visits_of_last_week(app: Flask, world) -> None:
    with app.app_context():
        s = db.session()
        s.execute(update(Household).values(phone="13905561234"))
        today = clock.today()
        monday = today - timedelta(days=today.weekday() + 7)
        for n, (cadre, village) in enumerate((("cadre_a", "va"), ("cadre_a2", "va"),
                                              ("cadre_b", "vb"), ("cadre_b2", "vb")) * 2):
            add_visit(s, world, cadre, village, monday + timedelta(days=n % 5),
                      flags="far_from_household" if n % 3 == 0 else "",
                      photo_flags="duplicate_photo" if n == 1 else None)
        s.commit()


def test_supervisor_draws_checks_and_reads_the_bulletin(page: Page, page_log: PageLog,
                                                        live_server: str, app: Flask,
                                                        world) -> None:
    visits_of_last_week(app, world)
    sign_in(page, live_server, "sup_county", PASSWORD)
    page.goto(f"{live_server}/spotchecks")
    shot(page, "spotchecks-queue-zh")
    sound(page, page_log)

    page.locator("details.sc-draw summary").click()
    page.locator("select[name=area]").select_option(str(world["county"]))
    with page.expect_navigation():
        page.locator("form[action$='/spotchecks/draw'] button[type=submit]").click()
    assert "/spotchecks/batches/" in page.url
    # by township (issue 15): both townships in the index, the first one's checks listed
    assert page.locator(".sc-towns tbody tr").count() == 2
    assert page.locator(".sc-item").count() >= 1
    assert page.locator(".flash").count() == 1
    shot(page, "spotchecks-batch-zh")
    sound(page, page_log)

    visit_item = page.locator(".sc-item", has=page.locator(".sc-kind-visit")).first
    with page.expect_navigation():
        visit_item.locator("a.button.primary").click()
    assert page.locator("a[href^='tel:']").count() >= 1
    page.wait_for_selector("#map .leaflet-pane", state="attached")
    shot(page, "spotchecks-item-zh")
    sound(page, page_log)

    page.locator("input[name=method][value=phone]").check()
    page.locator("input[name=outcome][value=confirmed]").check()
    page.locator("input[name=satisfaction][value=basic]").check()
    page.locator("textarea[name=note]").fill("户主确认上周入户，了解了医保政策")
    with page.expect_navigation():
        page.locator("form.sc-result button[type=submit]").click()
    assert page.locator("form.sc-result").count() == 0
    assert "户主确认上周入户" in page.locator("main").inner_text()
    shot(page, "spotchecks-result-zh")
    sound(page, page_log)

    page.goto(f"{live_server}/bulletin?area={world['county']}")
    assert page.locator(".bl-row").count() == 2
    # this month is not over: provisional (暂定), no red flag or yellow card yet
    assert page.locator(".bl-status .tag-warn").inner_text() == "暂定"
    assert page.locator(".bl-flag, .bl-card").count() == 0
    assert page.locator("form[action$='/bulletin/publish']").count() == 0
    shot(page, "bulletin-provisional-zh")
    sound(page, page_log)

    last_month = (clock.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    page.goto(f"{live_server}/bulletin?area={world['county']}&month={last_month}")
    assert page.locator(".bl-row").count() == 2
    assert page.locator(".bl-flag").count() >= 1
    shot(page, "bulletin-zh")
    sound(page, page_log)
    page.locator("form[action$='/bulletin/publish'] input[name=confirm]").check()
    with page.expect_navigation():
        page.locator("form[action$='/bulletin/publish'] button[type=submit]").click()
    assert "发布于" in page.locator(".bl-status").inner_text()
    assert page.locator("textarea[name=correction_reason]").count() == 1
    shot(page, "bulletin-published-zh")
    sound(page, page_log)

    page.goto(f"{live_server}/bulletin/print?area={world['county']}")
    # ranking, sending units, townships (issue 15) and spot checks by sending unit
    assert page.locator("table.bl-table").count() == 4
    shot(page, "bulletin-print-zh")
    sound(page, page_log)
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    assert not page.locator("[data-print]").is_visible()
    page.emulate_media(media="screen")


def test_field_check_takes_the_position(new_context, page_log: PageLog, live_server: str,
                                        world) -> None:
    context = new_context(geolocation={"latitude": 30.8512, "longitude": 116.3611,
                                       "accuracy": 18}, permissions=["geolocation"])
    page = context.new_page()
    page_log.watch(page)
    sign_in(page, live_server, "sup_t1", PASSWORD)
    page.goto(f"{live_server}/spotchecks/items/{world['presence_a']}")
    assert page.locator("#satisfaction").count() == 0  # nobody to ask on a presence check
    assert not page.locator("#position").is_visible()
    page.locator("input[name=method][value=field]").check()
    page.locator("#locate").click()
    page.wait_for_function("document.querySelector('input[name=lat]').value !== ''")
    page.locator("input[name=outcome][value=confirmed]").check()
    early = page.locator("textarea[name=early_reason]")
    if early.count():  # before 09:00 in the deployment's zone the day's window is not open
        early.fill("县里安排提前到场核查")
    shot(page, "spotchecks-field-check-zh")
    with page.expect_navigation():
        page.locator("form.sc-result button[type=submit]").click()
    assert "30.85120" in page.locator("main").inner_text()
    sound(page, page_log)


def test_team_leader_reads_the_weekly_summary(page: Page, page_log: PageLog,
                                              live_server: str, world) -> None:
    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.goto(f"{live_server}/team/report")
    assert page.locator("textarea[name=remarks]").is_visible()
    body = page.locator("body").inner_text()
    assert "抽查" not in body and "SpotNote" not in body
    shot(page, "team-report-zh")
    sound(page, page_log)


def test_a_cadre_reads_the_teams_row_and_a_supervisor_the_warning_talks(
        new_context, page_log: PageLog, live_server: str, world) -> None:
    """Issue 15: once the county publishes last month, a cadre reads the own team's row on a
    390 px phone (rank, award, parts with what they are made of and their weights); the
    supervisor's warning-talk list fits the phone too."""
    supervisor = new_context().new_page()
    page_log.watch(supervisor)
    sign_in(supervisor, live_server, "sup_county", PASSWORD)
    last_month = (clock.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    supervisor.goto(f"{live_server}/bulletin?area={world['county']}&month={last_month}")
    supervisor.locator("form[action$='/bulletin/publish'] input[name=confirm]").check()
    with supervisor.expect_navigation():
        supervisor.locator("form[action$='/bulletin/publish'] button[type=submit]").click()
    supervisor.goto(f"{live_server}/warning-talks")
    shot(supervisor, "warning-talks-zh")
    sound(supervisor, page_log)
    cadre = new_context().new_page()
    page_log.watch(cadre)
    sign_in(cadre, live_server, "cadre_a", PASSWORD)
    cadre.goto(f"{live_server}/bulletin")
    text = cadre.locator("main").inner_text()
    assert "个工作队中排第" in text and "权重 35%" in text
    assert "VillageBeta" not in text
    shot(cadre, "bulletin-cadre-zh")
    sound(cadre, page_log)
