"""A visit's position is taken when it is saved, not when the form opened (issue 17, item 2):
the fix's age and accuracy on screen, a visible re-locate, a word for a refused permission;
at 390×844 in both languages."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Household, Visit
from tests.browser.helpers import PageLog, shot, sign_in
from tests.browser.test_phone_home import phone_page
from tests.conftest import PASSWORD

LANGS = ("zh", "en")
AT_HOME = (30.851, 116.36, 10)      # the world's households: 100 m north of the centre
FAR_AWAY = (30.861, 116.36, 10)     # 1.1 km further north, where the form was opened


def household_id(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session().scalars(select(Household.id).where(Household.code == code)).one()


def visits_of(app: Flask, hid: int) -> list[Visit]:
    with app.app_context():
        return list(db.session().scalars(select(Visit).where(Visit.household_id == hid)))


@pytest.mark.parametrize("lang", LANGS)
def test_the_position_is_taken_again_at_save(new_context, page_log: PageLog, live_server: str,
                                             world, app: Flask, lang: str) -> None:
    hid = household_id(app, "Ha2")
    page = phone_page(new_context, live_server, page_log, lang, FAR_AWAY)
    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.goto(f"{live_server}/my/visits/new?household={hid}")
    position = page.locator("#position")
    position.filter(has_text={"zh": "秒前定位", "en": "s ago"}[lang]).wait_for()
    assert {"zh": "精度 10 米", "en": "accuracy 10 m"}[lang] in position.inner_text()
    relocate = page.locator("#relocate")
    assert relocate.is_visible()
    box = relocate.bounding_box()
    assert box is not None and box["height"] >= 44
    shot(page, f"phone-visit-form-{lang}")
    # The cadre walks to the household, then saves.
    page.context.set_geolocation({"latitude": AT_HOME[0], "longitude": AT_HOME[1],
                                  "accuracy": AT_HOME[2]})
    page.locator('input[name="purposes"]').first.check()
    page.locator('#visit-form button[type="submit"]').click()
    page.wait_for_url("**/my/households", timeout=20_000)
    [visit] = [v for v in visits_of(app, hid)]
    assert visit.distance_m is not None and visit.distance_m < 50, visit.distance_m
    assert "far_from_household" not in visit.flag_list
    assert page_log.problems() == {}


@pytest.mark.parametrize("lang", LANGS)
def test_a_refused_permission_is_named_and_nothing_is_saved(new_context, page_log: PageLog,
                                                            live_server: str, world,
                                                            app: Flask, lang: str) -> None:
    hid = household_id(app, "Ha2")
    context = new_context()  # geolocation never granted
    page = context.new_page()
    page_log.watch(page)
    if lang == "en":
        page.goto(f"{live_server}/lang/en?next=/login")
    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.goto(f"{live_server}/my/visits/new?household={hid}")
    refused = {"zh": "定位权限被拒绝", "en": "permission was refused"}[lang]
    page.locator("#position").filter(has_text=refused).wait_for()
    page.locator('#visit-form button[type="submit"]').click()
    result = page.locator("#visit-result")
    result.filter(has_text={"zh": "未保存", "en": "Not saved"}[lang]).wait_for()
    assert refused in result.inner_text()
    assert {"zh": "室外", "en": "outdoors"}[lang] not in result.inner_text()
    shot(page, f"phone-visit-denied-{lang}")
    assert visits_of(app, hid) == []
    assert page_log.problems() == {}
