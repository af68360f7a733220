"""The cadre's home answers where they stand (issue 17, item 1), at 390×844 in both languages:
days counted against what is expected by today and the year's target, on pace or not, today's
check-in, what the households owe (visits and contacts), the leave that waits, the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page

from checkin.domain import standing
from checkin.domain.policy import DEFAULT_POLICY
from checkin.platform import clock
from tests.browser.helpers import PageLog, horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD

LANGS = ("zh", "en")


def phone_page(new_context, base: str, page_log: PageLog, lang: str,
               position: tuple[float, float, float] = (30.851, 116.361, 12)) -> Page:
    context: BrowserContext = new_context()
    context.grant_permissions(["geolocation"], origin=base)
    context.set_geolocation({"latitude": position[0], "longitude": position[1],
                             "accuracy": position[2]})
    page = context.new_page()
    page_log.watch(page)
    if lang == "en":
        page.goto(f"{base}/lang/en?next=/login")
    return page


@pytest.mark.parametrize("lang", LANGS)
def test_home_says_pace_today_households_and_leave(new_context, page_log: PageLog,
                                                   live_server: str, world, app: Flask,
                                                   make_leave, lang: str) -> None:
    today = clock.today()
    make_leave("cadre_a2", status="approved", start_date=today - timedelta(days=1),
               end_date=today + timedelta(days=1))
    make_leave("cadre_a2", status="approved", kind="sick", start_date=today - timedelta(days=9),
               end_date=today - timedelta(days=8))
    make_leave("cadre_a2", status="pending", start_date=today + timedelta(days=20),
               end_date=today + timedelta(days=21))
    page = phone_page(new_context, live_server, page_log, lang)
    sign_in(page, live_server, "cadre_a2", PASSWORD)
    page.wait_for_load_state("networkidle")
    shot(page, f"phone-home-{lang}")
    expected = standing.expected_by(today, today.year, today.replace(month=1, day=1), None,
                                    DEFAULT_POLICY)
    assert page.locator("#pace-expected").inner_text() == str(expected)
    assert page.locator("#pace-counted").inner_text() == "0"
    assert page.locator("#pace-target").inner_text() == "200"
    assert page.locator("#pace").get_attribute("data-on-pace") in ("yes", "no")
    # On approved leave today: no check-in is asked for.
    assert page.locator("#today").get_attribute("data-today") == "on_leave"
    states = page.locator("#leave-need li").evaluate_all("els => els.map(e => e.dataset.leave)")
    assert sorted(states) == ["pending", "running", "to_close"]
    # The member helps one household, never visited since the term began: a visit is overdue.
    assert page.locator("#owed").get_attribute("data-overdue") == "1"
    assert page.locator("#households li").first.get_attribute("data-owes") == "visit"
    words = {"zh": "上门走访", "en": "visit in person"}[lang]
    assert words in page.locator("#households li").first.inner_text()
    assert page.locator("#outbox").is_visible()
    assert not horizontal_overflow(page)
    assert page_log.problems() == {}


@pytest.mark.parametrize("lang", LANGS)
def test_home_says_why_today_does_not_count(new_context, page_log: PageLog, live_server: str,
                                            world, make_checkin, lang: str) -> None:
    make_checkin("cadre_a2", counts_for_day=False, in_fence=False, flags="outside_fence",
                 distance_m=4000)
    page = phone_page(new_context, live_server, page_log, lang)
    sign_in(page, live_server, "cadre_a2", PASSWORD)
    today = page.locator("#today")
    assert today.get_attribute("data-today") == "not_counted"
    text = today.inner_text()
    assert {"zh": "围栏外", "en": "Outside the fence"}[lang] in text
    assert {"zh": "补卡", "en": "make-up"}[lang] in text
    assert page_log.problems() == {}
