"""A village whose fence is its boundary, in the browser: the cadre's check-in page judges
the fix against the boundary as the server does (a fix inside the old circle but outside
the boundary is 'outside' before sending), and the admin's village page and the
supervisor's today map draw the boundary; screenshots at 390x844 and 1366x768."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page

from checkin import db
from checkin.domain import boundary
from checkin.models import Village
from tests.browser.helpers import PageLog, horizontal_overflow, shot, sign_in
from tests.browser.test_phone_home import phone_page
from tests.conftest import PASSWORD

# Two natural villages: the one around the centre (30.85, 116.36) and one 5 km north.
TWO = ("MULTIPOLYGON(((116.35 30.84, 116.37 30.84, 116.37 30.86, 116.35 30.86, 116.35 30.84)),"
       "((116.355 30.89, 116.365 30.89, 116.365 30.9, 116.355 30.9, 116.355 30.89)))")


def give_boundary(app: Flask, world) -> None:
    with app.app_context():
        village = db.session().get(Village, world["va"])
        village.boundary = boundary.to_wkt(boundary.parse(TWO, "wgs84"))
        village.boundary_source = "wgs84"
        db.session().commit()


@pytest.mark.parametrize(("position", "inside"), [
    ((30.85, 116.3725, 10), False),   # inside the 1,500 m circle, east of the boundary
    ((30.895, 116.36, 10), True),     # the northern natural village, far outside the circle
])
def test_the_check_in_page_judges_against_the_boundary(new_context, page_log: PageLog,
                                                       live_server: str, app: Flask, world,
                                                       position, inside) -> None:
    give_boundary(app, world)
    page = phone_page(new_context, live_server, page_log, "en", position)
    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.goto(f"{live_server}/my/checkin")
    assert "inside the village boundary" in page.locator("#checkin").inner_text()
    page.locator("#locate").click()
    fix = page.locator("#fix")
    fix.filter(has_text="Inside" if inside else "Outside").wait_for()
    assert page.locator("#fence-shape").get_attribute("d").count("M") == 2
    assert ("outside" in (page.locator("#fence-map").get_attribute("class") or "")) != inside
    shot(page, f"phone-checkin-boundary-{'inside' if inside else 'outside'}")
    assert horizontal_overflow(page) == []


@pytest.mark.parametrize("viewport", [(390, 844), (1366, 768)])
def test_the_maps_draw_the_boundary(new_context, page_log: PageLog, live_server: str,
                                    app: Flask, world, make_checkin, viewport) -> None:
    give_boundary(app, world)
    make_checkin("cadre_a")
    width, height = viewport

    def open_as(username: str) -> Page:
        tab = new_context(viewport={"width": width, "height": height},
                          is_mobile=width < 800).new_page()
        page_log.watch(tab)
        sign_in(tab, live_server, username, PASSWORD)
        return tab

    page = open_as("admin")
    page.goto(f"{live_server}/admin/villages/{world['va']}")
    page.wait_for_selector("path.leaflet-interactive", state="attached")
    assert "天地图" in page.locator(".map-note").inner_text()
    assert "<svg" not in page.locator(".leaflet-control-attribution").inner_html()
    page.locator("#map").scroll_into_view_if_needed()
    shot(page, f"admin-village-boundary-{width}")
    assert horizontal_overflow(page, width) == []
    page = open_as("sup_t1")
    page.goto(f"{live_server}/attendance/today")
    page.wait_for_selector("path.leaflet-interactive", state="attached")
    shot(page, f"today-map-boundary-{width}")
    assert horizontal_overflow(page, width) == []
