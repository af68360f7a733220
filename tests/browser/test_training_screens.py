"""A training in Chromium, in Chinese: the organiser's QR page at the venue (1366×768) and
the cadre signing in with the phone (390×844) at the venue's position; screenshots land
in test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import time

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from checkin import db
from checkin.domain import trainings
from checkin.models import TrainingAttendance, User
from checkin.platform import clock
from checkin.services.trainings import sessions
from tests.browser.helpers import PageLog, horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD

VENUE = (30.8490, 116.3600)


def a_training(app: Flask) -> int:
    with app.app_context():
        s = db.session()
        county = s.scalars(select(User).where(User.username == "sup_county")).one()
        row = sessions.create(s, county, sessions.SessionInput(
            kind="training", title="乡村振兴政策业务培训", first_day=clock.today(),
            last_day=clock.today(), starts_at=time(0, 0), ends_at=time(23, 59),
            place="岳西县委党校", lat=VENUE[0], lon=VENUE[1], coord_system="wgs84",
            radius_m=300, audience="all"))
        s.commit()
        return row.id


def test_the_qr_at_the_venue_and_the_phone_signing_in(page: Page, page_log: PageLog,
                                                      new_context, live_server: str,
                                                      app: Flask, world) -> None:
    training_id = a_training(app)
    desktop: BrowserContext = new_context(viewport={"width": 1366, "height": 768},
                                          is_mobile=False, has_touch=False)
    screen = desktop.new_page()
    page_log.watch(screen)
    sign_in(screen, live_server, "sup_county", PASSWORD)
    screen.goto(f"{live_server}/trainings/{training_id}/qr")
    expect(screen.locator(".qr-code svg")).to_be_visible()
    screen.screenshot(path=str(shot(screen, "training-qr-1366-zh")))  # the screen as seen

    phone = new_context(geolocation={"latitude": VENUE[0], "longitude": VENUE[1],
                                     "accuracy": 15}, permissions=["geolocation"]).new_page()
    page_log.watch(phone)
    sign_in(phone, live_server, "cadre_a2", PASSWORD)
    with app.app_context():
        code = trainings.token_for(sessions.token_key(app.config), training_id,
                                   trainings.slot_of(clock.now()))
    phone.goto(f"{live_server}/trainings/{training_id}/sign-in?t={code}")
    shot(phone, "training-signin-390-zh")
    phone.locator("#training-send").click()
    expect(phone.locator("#training-result")).to_contain_text("签到成功")
    shot(phone, "training-signed-in-390-zh")
    assert not horizontal_overflow(phone), horizontal_overflow(phone)
    with app.app_context():
        row = db.session().scalars(select(TrainingAttendance)).one()
        assert row.counts and row.method == "qr" and row.distance_m < 50

    screen.goto(f"{live_server}/trainings/{training_id}")
    shot(screen, "training-session-1366-zh")
    assert page_log.problems() == {}
