"""Each household says what is due, by when, and whether a visit or a contact (issue 17,
item 5), on my households and on home, at 390×844 in both languages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from checkin.platform import clock
from tests.browser.helpers import PageLog, horizontal_overflow, shot, sign_in
from tests.browser.test_phone_home import phone_page
from tests.conftest import PASSWORD

LANGS = ("zh", "en")
WORDS = {
    "zh": {"visit": "上门走访", "contact": "联系", "none": "无走访要求", "ok": "正常"},
    "en": {"visit": "visit in person", "contact": "call will do", "none": "No schedule",
           "ok": "OK"},
}


@pytest.mark.parametrize("lang", LANGS)
def test_each_household_says_what_is_due(new_context, page_log: PageLog, live_server: str,
                                         world, make_household, make_visit,
                                         lang: str) -> None:
    today = clock.today()
    after_call = make_household("cadre_a", code="HCALL", head_name="CalledHead")
    make_visit(after_call, day=today - timedelta(days=70))
    make_visit(after_call, day=today - timedelta(days=2), kind="contact")
    contact_owed = make_household("cadre_a", code="HCONT", head_name="ContactHead")
    make_visit(contact_owed, day=today - timedelta(days=35))
    make_household("cadre_a", code="HLIFT", head_name="LiftedHead", status="lifted")
    page = phone_page(new_context, live_server, page_log, lang)
    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.goto(f"{live_server}/my/households")
    page.wait_for_load_state("networkidle")
    shot(page, f"phone-households-{lang}")
    words = WORDS[lang]

    def row(name: str) -> str:
        return page.locator("#households li", has_text=name).inner_text()

    called = row("CalledHead")
    assert words["visit"] in called
    assert (today - timedelta(days=70) + timedelta(days=60)).isoformat() in called
    contact = row("ContactHead")
    assert words["contact"] in contact
    assert (today - timedelta(days=35) + timedelta(days=30)).isoformat() in contact
    lifted = row("LiftedHead")
    assert words["none"] in lifted and words["ok"] not in lifted
    assert page.locator("#households li", has_text="CalledHead").get_attribute(
        "data-owes") == "visit"
    assert not horizontal_overflow(page)
    page.goto(f"{live_server}/")
    assert words["visit"] in page.locator("#households li", has_text="CalledHead").inner_text()
    assert page_log.problems() == {}
