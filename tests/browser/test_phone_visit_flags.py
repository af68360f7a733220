"""After a visit is saved, its flags are said in plain words with what to do, and the photo
limit is shown before photos are chosen (issue 17, item 6), at 390×844 in both languages."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.browser.helpers import PageLog, shot, sign_in
from tests.browser.test_phone_home import phone_page
from tests.browser.test_phone_visit_position import FAR_AWAY, household_id
from tests.conftest import PASSWORD

LANGS = ("zh", "en")


@pytest.mark.parametrize("lang", LANGS)
def test_a_flagged_visit_says_why_and_what_to_do(new_context, page_log: PageLog,
                                                 live_server: str, world, app: Flask,
                                                 lang: str) -> None:
    hid = household_id(app, "Ha2")
    page = phone_page(new_context, live_server, page_log, lang, FAR_AWAY)
    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.goto(f"{live_server}/my/visits/new?household={hid}")
    form = page.locator("#visit-form").inner_text()
    assert {"zh": "最多 6 张", "en": "up to 6"}[lang] in form
    page.locator("#position").filter(has_text={"zh": "精度", "en": "accuracy"}[lang]).wait_for()
    page.locator('input[name="purposes"]').first.check()
    page.locator('#visit-form button[type="submit"]').click()
    flags = page.locator("#visit-flags")
    flags.wait_for()
    item = flags.locator('li[data-flag="far_from_household"]')
    assert {"zh": "离农户较远", "en": "far from the household"}[lang] in item.inner_text()
    assert {"zh": "告知乡镇", "en": "tell the township"}[lang] in item.inner_text()
    shot(page, f"phone-visit-flags-{lang}")
    assert "/my/visits/new" in page.url  # stays to be read
    assert page_log.problems() == {}
