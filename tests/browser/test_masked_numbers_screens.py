"""Masked phone numbers on a 390 px phone, in Chinese: the township supervisor on a check
assigned to the county (the household's number masked, no call button), the county's
checker on the same page (whole, a tel: link), and a cadre's visit form for a household
another cadre helps. Screenshots land in test-artifacts/screenshots/."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select

from checkin import db
from checkin.models import Household, SpotcheckAssignment, SpotcheckItem
from tests.browser.helpers import PageLog, horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD

NUMBER, MASKED = "13905561234", "139****1234"


def a_check_for_the_county(app: Flask, world) -> tuple[int, int]:
    with app.app_context():
        s = db.session()
        household = s.scalars(select(Household).where(Household.code == "Ha2")).one()
        household.phone = NUMBER
        first = s.get(SpotcheckItem, world["backcheck_a"])
        item = SpotcheckItem(batch_id=first.batch_id, position=9, kind="visit",
                             user_id=first.user_id, village_id=first.village_id,
                             household_id=household.id, visit_id=first.visit_id,
                             day=first.day, risk=2.0, reasons=first.reasons)
        s.add(item)
        s.flush()
        s.add(SpotcheckAssignment(item_id=item.id, checker_id=world["sup_county"],
                                  assigned_by_id=world["sup_county"]))
        s.commit()
        return item.id, household.id


def test_numbers_masked_for_whoever_need_not_call(page: Page, page_log: PageLog,
                                                   live_server: str, app: Flask,
                                                   world) -> None:
    item_id, household_id = a_check_for_the_county(app, world)
    sign_in(page, live_server, "sup_t1", PASSWORD)
    page.goto(f"{live_server}/spotchecks/items/{item_id}")
    facts = page.locator("dl.facts")
    assert MASKED in facts.inner_text() and NUMBER not in page.content()
    assert page.locator(f"a[href='tel:{NUMBER}']").count() == 0
    assert page.locator("dl.facts .masked").count() == 1
    assert not horizontal_overflow(page)
    shot(page, "masked-number-spotcheck-not-mine-zh")
    assert page_log.problems() == {}

    page.context.clear_cookies()
    sign_in(page, live_server, "sup_county", PASSWORD)
    page.goto(f"{live_server}/spotchecks/items/{item_id}")
    assert page.locator(f"dl.facts a[href='tel:{NUMBER}']").count() == 1
    shot(page, "masked-number-spotcheck-checker-zh")

    page.context.clear_cookies()
    sign_in(page, live_server, "cadre_a2", PASSWORD)
    page.goto(f"{live_server}/my/visits/new?household={household_id}")
    page.wait_for_function("document.getElementById('hh-phone').textContent.length > 0")
    phone = page.locator("#hh-phone")
    assert phone.inner_text() == MASKED and phone.get_attribute("href") is None
    shot(page, "masked-number-visit-form-zh")
