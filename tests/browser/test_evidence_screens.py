"""Evidence on a supervisor's desk (issue 15), at 1366x768 in Chinese: a visit outside the
fence with an old, reused photo offers no confirmation of the household's position; the
visit whose evidence holds does."""

from __future__ import annotations

import uuid

from flask import Flask
from playwright.sync_api import BrowserContext

from checkin import db
from checkin.models import Household, Photo, Visit
from checkin.platform import clock
from tests.browser.helpers import PageLog, shot, sign_in
from tests.conftest import PASSWORD

DESK = {"viewport": {"width": 1366, "height": 768}, "is_mobile": False, "has_touch": False}


def _proposing(app: Flask, world, household_id: int, flags: str, photo_flags: str) -> str:
    with app.app_context():
        s = db.session()
        visit = Visit(id=str(uuid.uuid4()), user_id=world["cadre_a"], household_id=household_id,
                      village_id=world["va"], kind="visit", purposes="care", note="",
                      lat=30.851, lon=116.361, accuracy_m=10, recorded_at=clock.now(),
                      received_at=clock.now(), local_day=clock.today(), flags=flags,
                      reasons=[], queued=False, digest="x")
        s.add(visit)
        s.flush()
        s.add(Photo(visit_id=visit.id, county_id=None, sha256="2" * 64, thumb_sha256="2" * 64,
                    width=4, height=3, original_format="JPEG", original_width=4,
                    original_height=3, phash=0, band0=0, band1=0, band2=0, band3=0,
                    flags=photo_flags))
        row = s.get(Household, household_id)
        row.proposed_lat, row.proposed_lon, row.proposed_by_visit_id = 30.851, 116.361, visit.id
        s.commit()
        return visit.id


def test_confirming_a_position_only_from_a_visit_whose_evidence_holds(
        app: Flask, new_context, page_log: PageLog, live_server: str, world,
        make_household) -> None:
    context: BrowserContext = new_context(**DESK)
    page = context.new_page()
    page_log.watch(page)
    home = make_household("cadre_a", lat=None, lon=None)
    weak = _proposing(app, world, home.id, "outside_fence", "photo_old,duplicate_photo")
    sign_in(page, live_server, "sup_t1", PASSWORD)
    page.goto(f"{live_server}/visits/{weak}")
    main = page.locator("main").inner_text()
    assert "证据不足" in main
    assert page.locator("form[action$='/position'] button").count() == 0
    shot(page, "visit-weak-evidence-1366-zh")
    good_home = make_household("cadre_a", lat=None, lon=None)
    good = _proposing(app, world, good_home.id, "", "no_exif_time,no_exif_time")
    page.goto(f"{live_server}/visits/{good}")
    assert page.locator("form[action$='/position'] button").count() == 1
    assert page.locator("main").inner_text().count("照片无拍摄时间") <= 1
    shot(page, "visit-evidence-holds-1366-zh")
    # the photo rows made here have no files: their thumbnails answer 404, nothing else fails
    problems = page_log.problems()
    assert all("/thumb" in str(p) for found in problems.values() for p in found), problems
