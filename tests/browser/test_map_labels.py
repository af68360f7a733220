"""Names from the roster are text on the map, never markup (issue 13, item 5): a village, a
cadre and a household named like HTML show as those characters in the tooltips, and no
element they describe appears in the page."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page

from checkin import db
from checkin.models import Household, User, Village
from tests.browser.helpers import sign_in
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
