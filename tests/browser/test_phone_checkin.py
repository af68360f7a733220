"""Check-in says where the fix is against the fence before sending, asks before a record that
will not count, and says what to do next; fraud thresholds never reach the cadre (issue 17,
item 3), at 390×844 in both languages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Dialog
from sqlalchemy import func, select

from checkin import db
from checkin.models import Checkin
from checkin.platform import clock
from tests.browser.helpers import PageLog, horizontal_overflow, shot, sign_in
from tests.browser.test_phone_home import phone_page
from tests.conftest import PASSWORD

LANGS = ("zh", "en")
CENTRE = (30.85, 116.36)  # VillageAlpha, fence 1,500 m
FAR_NORTH = (30.886, 116.36)  # about 4 km north


def checkins_of(app: Flask, user_id: int) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Checkin)
                                   .where(Checkin.user_id == user_id)) or 0


@pytest.mark.parametrize("lang", LANGS)
def test_outside_the_fence_is_said_before_and_asked(new_context, page_log: PageLog,
                                                    live_server: str, world, app: Flask,
                                                    make_checkin, lang: str) -> None:
    # A fix 200 km away ten minutes ago: the next check-in is also an impossible travel.
    make_checkin("cadre_a2", lat=32.65, lon=116.36, counts_for_day=False, in_fence=False,
                 recorded_at=clock.now() - timedelta(minutes=10))
    page = phone_page(new_context, live_server, page_log, lang, (*FAR_NORTH, 20))
    sign_in(page, live_server, "cadre_a2", PASSWORD)
    page.goto(f"{live_server}/my/checkin")
    before = checkins_of(app, world["cadre_a2"])
    page.locator("#locate").click()
    fix = page.locator("#fix")
    fix.filter(has_text={"zh": "围栏外", "en": "Outside the village fence"}[lang]).wait_for()
    assert {"zh": "距村中心 40", "en": "40"}[lang] in fix.inner_text()
    assert fix.inner_text().count({"zh": "距村中心", "en": "from the village centre"}[lang]) == 1
    assert page.locator("#fence-map").is_visible()
    shot(page, f"phone-checkin-outside-{lang}")
    answers: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        answers.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.locator("#send").click()
    page.locator("#result").wait_for()
    assert answers and {"zh": "不计入", "en": "will not count"}[lang] in answers[0]
    assert checkins_of(app, world["cadre_a2"]) == before  # nothing made without a yes
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#send").click()
    page.locator("#next").wait_for()
    card = page.locator("#checkin").inner_text()
    assert checkins_of(app, world["cadre_a2"]) == before + 1
    assert not re.search(r"(?<!\d)150(?!\d)", card), card  # the travel speed limit
    for secret in ("km/h", "公里", "previous fix", "上一次定位"):
        assert secret not in card, secret
    centre_word = {"zh": "距村中心", "en": "from the village centre"}[lang]
    assert card.count(centre_word) == 1, card
    nxt = page.locator("#next").inner_text()
    assert {"zh": "公差", "en": "official business"}[lang] in nxt
    assert {"zh": "补卡", "en": "make-up"}[lang] in nxt
    shot(page, f"phone-checkin-answer-{lang}")
    assert not horizontal_overflow(page)
    assert page_log.problems() == {}


@pytest.mark.parametrize("lang", LANGS)
def test_a_coarse_fix_inside_is_asked_about(new_context, page_log: PageLog, live_server: str,
                                            world, app: Flask, lang: str) -> None:
    page = phone_page(new_context, live_server, page_log, lang, (*CENTRE, 900))
    sign_in(page, live_server, "cadre_a2", PASSWORD)
    page.goto(f"{live_server}/my/checkin")
    page.locator("#locate").click()
    page.locator("#fix").filter(has_text={"zh": "围栏内", "en": "Inside"}[lang]).wait_for()
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("#send").click()
    page.locator("#result").wait_for()
    assert asked and {"zh": "精度", "en": "accurate"}[lang] in asked[0]
    assert checkins_of(app, world["cadre_a2"]) == 0
    assert page_log.problems() == {}


def test_a_good_fix_inside_is_sent_without_asking(new_context, page_log: PageLog,
                                                  live_server: str, world, app: Flask) -> None:
    page = phone_page(new_context, live_server, page_log, "zh", (*CENTRE, 15))
    sign_in(page, live_server, "cadre_a2", PASSWORD)
    page.goto(f"{live_server}/my/checkin")
    page.locator("#locate").click()
    page.locator("#fix").filter(has_text="围栏内").wait_for()
    page.on("dialog", lambda dialog: pytest.fail(f"asked: {dialog.message}"))
    page.locator("#send").click()
    page.locator("#result").filter(has_text="今天计入在岗天数").wait_for()
    assert page.locator("#next").is_hidden()
    assert checkins_of(app, world["cadre_a2"]) == 1
    assert page_log.problems() == {}
