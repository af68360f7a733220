"""The month picker on a 390×844 phone (supervisor's month grid, the cadre's attendance)
and the admin's opening balance form, in Chromium; the picker steps back and forward and a
bad month says so. Screenshots land in test-artifacts/."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page

from tests.browser.helpers import PageLog, horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD


def test_the_month_picker_on_a_phone(page: Page, page_log: PageLog, new_context,
                                     live_server: str, app: Flask, world) -> None:
    sign_in(page, live_server, "sup_county", PASSWORD)
    page.goto(f"{live_server}/attendance/month?township={world['t1']}")
    picker = page.locator("form.period-picker")
    shown = picker.locator('input[type="month"]').input_value()
    assert picker.locator('[aria-disabled="true"]').count() == 1  # this month: no next
    shot(page, "period-picker-month-390-zh")
    assert not horizontal_overflow(page), horizontal_overflow(page)
    with page.expect_navigation():
        picker.locator('a[rel="prev"]').click()
    assert f"township={world['t1']}" in page.url
    assert page.locator('form.period-picker input[type="month"]').input_value() != shown
    assert page.locator('form.period-picker a[rel="next"]').count() == 1
    page.goto(f"{live_server}/attendance/month?month=2026-13")
    assert page.locator('[role="alert"]').first.is_visible()
    shot(page, "period-picker-bad-month-390-zh")

    cadre = new_context().new_page()
    page_log.watch(cadre)
    sign_in(cadre, live_server, "cadre_a", PASSWORD)
    cadre.goto(f"{live_server}/my/attendance")
    assert cadre.locator("form.period-picker").count() == 1
    shot(cadre, "period-picker-cadre-390-zh")
    assert not horizontal_overflow(cadre), horizontal_overflow(cadre)
    assert page_log.problems() == {}


def test_the_opening_balance_form(page: Page, page_log: PageLog, new_context,
                                  live_server: str, app: Flask, world) -> None:
    sign_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/admin/users/{world['cadre_a']}")
    form = page.locator("#opening form")
    form.locator('input[name="go_live"]').fill("2026-11-01")
    form.locator('input[name="on_post_days"]').fill("320")
    form.locator('input[name="note"]').fill("县委组织部考勤台账")
    with page.expect_navigation():
        form.locator('button[type="submit"].primary').click()
    assert page.locator("#opening .error").count() >= 1  # more days than the calendar had
    shot(page, "opening-balance-refused-390-zh")
    page_log.clear()  # the refusal's 422 was the point
    form = page.locator("#opening form")
    form.locator('input[name="on_post_days"]').fill("200")
    with page.expect_navigation():
        form.locator('button[type="submit"].primary').click()
    assert page.locator("#opening table tbody tr").count() == 1
    shot(page, "opening-balance-390-zh")
    assert not horizontal_overflow(page), horizontal_overflow(page)
    wide = new_context(viewport={"width": 1366, "height": 768}, is_mobile=False,
                       has_touch=False).new_page()
    page_log.watch(wide)
    sign_in(wide, live_server, "sup_t1", PASSWORD)
    wide.goto(f"{live_server}/cadres/{world['cadre_a']}")
    assert wide.locator("#opening-balance").is_visible()
    shot(wide, "opening-balance-in-file-1366-zh")
    assert page_log.problems() == {}
