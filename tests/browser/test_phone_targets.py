"""Every link, button and label on every cadre page is at least 44×44 px at 390×844 in both
languages, body text is at least 14 px, the six tabs stay on one row, a disabled button looks
disabled, and signing out asks first (issue 17, item 8)."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Household, Visit
from tests.browser.helpers import PageLog, shot, sign_in
from tests.browser.test_phone_home import phone_page
from tests.conftest import PASSWORD

LANGS = ("zh", "en")
MIN_TARGET = 44
MIN_TEXT = 14

SMALL_TARGETS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('a[href], button, label, summary, input[type=file]')) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden' || r.right <= 0) continue;
    if (r.width < 44 || r.height < 44) {
      const said = (el.innerText || '').trim().slice(0, 30);
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} `
               + `${Math.round(r.width)}x${Math.round(r.height)} "${said}"`);
    }
  }
  return out;
}"""

SMALL_TEXT = """() => {
  const out = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('script, style, svg')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= 0) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const said = node.textContent.trim().slice(0, 20);
    const where = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
    if (size < 14) out.add(`${where} ${size}px "${said}"`);
  }
  return [...out];
}"""


def cadre_pages(app: Flask) -> dict[str, str]:
    with app.app_context():
        session = db.session()
        household = session.scalars(select(Household).where(Household.code == "Ha0")).one()
        visit = session.scalars(select(Visit).where(Visit.household_id == household.id)).first()
        assert visit is not None
    return {"home": "/", "checkin": "/my/checkin", "attendance": "/my/attendance",
            "leaves": "/my/leaves", "daily-log": "/my/log", "households": "/my/households",
            "visits": "/my/visits",
            "visit-form": f"/my/visits/new?household={household.id}",
            "visit": f"/visits/{visit.id}", "team-report": "/team/report",
            "village": "/village", "password": "/account/password", "offline": "/offline"}


@pytest.mark.parametrize("lang", LANGS)
def test_every_target_is_big_enough_and_text_readable(new_context, page_log: PageLog,
                                                      live_server: str, world, app: Flask,
                                                      lang: str) -> None:
    page = phone_page(new_context, live_server, page_log, lang)
    sign_in(page, live_server, "cadre_a", PASSWORD)
    small: dict[str, list[str]] = {}
    for path in cadre_pages(app).values():
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        found = page.evaluate(SMALL_TARGETS) + page.evaluate(SMALL_TEXT)
        if found:
            small[path] = found
        tabs = page.locator("nav.tabs a").evaluate_all(
            "els => [...new Set(els.map(e => Math.round(e.getBoundingClientRect().top)))]")
        if len(tabs) != 1:
            small.setdefault(path, []).append(f"the tabs wrap onto rows at {tabs}")
    assert small == {}, json.dumps(small, ensure_ascii=False, indent=1)
    assert page_log.problems() == {}


def test_a_disabled_button_looks_disabled(new_context, page_log: PageLog, live_server: str,
                                          world) -> None:
    page = phone_page(new_context, live_server, page_log, "zh")
    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.goto(f"{live_server}/my/checkin")
    send = page.locator("#send")
    assert send.is_disabled()
    looks = send.evaluate("""el => { const s = getComputedStyle(el);
        return {opacity: +s.opacity, background: s.backgroundColor, cursor: s.cursor}; }""")
    locate = page.locator("#locate").evaluate(
        "el => getComputedStyle(el).backgroundColor")
    assert looks["background"] != locate or looks["opacity"] <= 0.6, looks
    assert looks["cursor"] == "not-allowed", looks
    shot(page, "phone-checkin-disabled-zh")
    assert page_log.problems() == {}


@pytest.mark.parametrize("lang", LANGS)
def test_sign_out_asks_first(new_context, page_log: PageLog, live_server: str, world,
                             lang: str) -> None:
    page = phone_page(new_context, live_server, page_log, lang)
    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.goto(f"{live_server}/my/checkin")
    page.wait_for_load_state("networkidle")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("form.logout button").click()
    page.wait_for_timeout(300)
    assert asked and {"zh": "退出", "en": "Sign out"}[lang] in asked[0]
    assert "/my/checkin" in page.url  # still signed in
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("form.logout button").click()
    page.wait_for_url("**/login")
    page_log.clear()
