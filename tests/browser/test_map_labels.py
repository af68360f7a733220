"""Names from the roster are text on the map, never markup (issue 13, item 5): a village, a
cadre and a household named like HTML show as those characters in the tooltips, and no
element they describe appears in the page."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page

from checkin import db
from checkin.models import Household, User, Village
from tests.browser.helpers import shot, sign_in
from tests.conftest import PASSWORD

HOSTILE = '<b id="inj{n}">X</b><img src="x" id="injimg{n}" onerror="window.injected=1">'


def rename(app: Flask, world) -> dict[str, str]:
    names = {kind: HOSTILE.format(n=n) for n, kind in enumerate(("village", "cadre", "home"))}
    with app.app_context():
        session = db.session()
        session.get(Village, world["va"]).name = names["village"]
        session.get(User, world["cadre_a"]).name = names["cadre"]
        for home in session.query(Household).filter_by(village_id=world["va"]):
            home.head_name = names["home"]
        session.commit()
    return names


def tooltips(page: Page) -> list[str]:
    """Hover every shape on the map and read each tooltip's text."""
    page.wait_for_selector(".leaflet-interactive", state="attached")
    texts = []
    for shape in page.locator(".leaflet-interactive").all():
        shape.dispatch_event("mouseover")
        texts += page.locator(".leaflet-tooltip").all_text_contents()
        shape.dispatch_event("mouseout")
    return texts


def assert_inert(page: Page) -> None:
    assert page.locator("[id^=inj]").count() == 0
    assert page.evaluate("window.injected === undefined")


def test_hostile_names_on_the_today_map_are_text(page: Page, live_server: str, app: Flask,
                                                 world, make_checkin) -> None:
    names = rename(app, world)
    make_checkin("cadre_a")
    sign_in(page, live_server, "sup_t1", PASSWORD)
    page.goto(f"{live_server}/attendance/today")
    shown = tooltips(page)
    assert names["village"] in shown and names["cadre"] in shown, shown
    assert_inert(page)


def test_hostile_names_on_a_visit_map_are_text(page: Page, live_server: str, app: Flask,
                                               world, make_visit) -> None:
    rename(app, world)
    visit = make_visit("cadre_a")
    sign_in(page, live_server, "sup_t1", PASSWORD)
    page.goto(f"{live_server}/visits/{visit.id}")
    shown = tooltips(page)
    assert any("<b id=" in text for text in shown), shown
    assert_inert(page)


def attribution(page: Page) -> str:
    return page.locator(".leaflet-control-attribution").inner_html()


def test_without_a_key_the_map_says_so_and_shows_no_flag(page: Page, live_server: str,
                                                         app: Flask, world,
                                                         make_checkin) -> None:
    """Tianditu is the default; with no TIANDITU_KEY the map explains its blank ground in
    the reader's language, and the Leaflet credit carries no flag."""
    make_checkin("cadre_a")
    sign_in(page, live_server, "sup_t1", PASSWORD)
    page.goto(f"{live_server}/attendance/today")
    note = page.locator(".map-note")
    assert "天地图" in note.inner_text()
    assert page.locator(".leaflet-tile").count() == 0
    credit = attribution(page)
    assert "Leaflet" in credit and "<svg" not in credit and "🇺🇦" not in credit
    page.goto(f"{live_server}/attendance/today?lang=en")
    assert "No map key is set (Tianditu)" in page.locator(".map-note").inner_text()
    assert page.locator(".leaflet-interactive").count() >= 2  # the fence and the fix


def test_tiles_that_fail_to_load_are_said_on_the_map(page: Page, live_server: str,
                                                     app: Flask, world, page_log) -> None:
    """With a key the vector and annotation layers are asked of Tianditu; here every
    other host is refused, as a county office without internet would be: the map says
    the background could not be loaded."""
    app.config["TIANDITU_KEY"] = "k3y"
    sign_in(page, live_server, "sup_t1", PASSWORD)
    page.goto(f"{live_server}/attendance/today?lang=en")
    note = page.locator(".map-note")
    note.wait_for()
    assert "could not be loaded" in note.inner_text()
    asked = page_log.problems().get("requests to other hosts", [])
    assert any("tianditu.gov.cn/vec_w/wmts" in url and "tk=k3y" in url for url in asked)
    assert any("tianditu.gov.cn/cva_w/wmts" in url for url in asked)
    assert "天地图" in attribution(page) and "<svg" not in attribution(page)
    shot(page, "today-map-tianditu-no-network")
