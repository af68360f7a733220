"""The cadre's file (一人一档) in Chromium, in Chinese: the screen at 1366×768 and on a
390×844 phone, the A4 print view, and its PDF. Files land in test-artifacts/."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask import Flask
from playwright.sync_api import BrowserContext, Page

from checkin import db
from checkin.models import AttendanceCorrection, AttendanceDay, CorrectionDecision, User
from checkin.platform import clock
from tests.browser.helpers import REPO_ROOT, PageLog, horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD, new_checkin, new_leave

LOGS = ("入户走访，了解春耕备耕情况", "召开村两委会议，研究产业项目", "整理帮扶台账",
        "走访五保户，送去慰问品", "到镇里汇报工作进展")


def a_year_of_records(app: Flask, world) -> None:
    """Check-ins on most past days of the year, some not counting, a leave and a make-up."""
    with app.app_context():
        s = db.session()
        cadre = s.get(User, world["cadre_a"])
        today = clock.today()
        day = date(today.year, 1, 5)
        n = 0
        while day < today - timedelta(days=1):
            n += 1
            if n % 9 == 0:
                new_checkin(s, cadre, day=day, counts_for_day=False, accuracy_m=650,
                            distance_m=100, flags="low_accuracy",
                            reasons=[{"code": "low_accuracy",
                                      "params": {"accuracy_m": 650, "limit_m": 200}}])
            elif n % 13 == 0:
                new_checkin(s, cadre, day=day, counts_for_day=False, in_fence=False,
                            distance_m=2400, flags="outside_fence",
                            reasons=[{"code": "outside_fence",
                                      "params": {"distance_m": 2400, "radius_m": 1500}}])
            elif n % 7 not in (0, 6):
                new_checkin(s, cadre, day=day, note=LOGS[n % len(LOGS)],
                            distance_m=80 + n % 300, accuracy_m=8 + n % 25)
            day += timedelta(days=1)
        new_leave(s, cadre, kind="sick", start_date=date(today.year, 3, 10),
                  end_date=date(today.year, 3, 12), status="closed", reason="感冒发烧",
                  returned_on=date(today.year, 3, 13), decided_by_id=world["sup_t1"],
                  decided_at=clock.now())
        made = next(d for d in (today - timedelta(days=k) for k in range(2, 30))
                    if s.get(AttendanceDay, (cadre.id, d)) is None)
        correction = AttendanceCorrection(
            id=str(uuid.uuid4()), user_id=cadre.id, village_id=cadre.village_id, day=made,
            reason="山里无信号，手机没电", digest="x", created_at=clock.now())
        s.add(correction)
        s.flush()
        s.add(CorrectionDecision(correction_id=correction.id, approve=True,
                                 decided_by_id=world["sup_t1"], decided_at=clock.now()))
        s.add(AttendanceDay(user_id=cadre.id, day=made, village_id=cadre.village_id,
                            correction_id=correction.id))
        s.commit()


def test_the_cadres_file_on_screen_and_in_print(page: Page, page_log: PageLog,
                                                new_context, live_server: str, app: Flask,
                                                world) -> None:
    a_year_of_records(app, world)
    file = f"{live_server}/cadres/{world['cadre_a']}"
    sign_in(page, live_server, "sup_t1", PASSWORD)
    page.goto(file)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("table.df-month").count() == 12
    shot(page, "dossier-file-390-zh")
    assert not horizontal_overflow(page), horizontal_overflow(page)
    page.goto(f"{file}/print")
    shot(page, "dossier-print-390-zh")

    desktop: BrowserContext = new_context(viewport={"width": 1366, "height": 768},
                                          is_mobile=False, has_touch=False)
    wide = desktop.new_page()
    page_log.watch(wide)
    sign_in(wide, live_server, "sup_t1", PASSWORD)
    wide.goto(file)
    shot(wide, "dossier-file-1366-zh")
    wide.goto(f"{file}/print")
    shot(wide, "dossier-print-1366-zh")
    wide.emulate_media(media="print")
    shot(wide, "dossier-print-media-1366-zh")
    out = REPO_ROOT / "test-artifacts" / "dossier-print-zh.pdf"
    wide.pdf(path=str(out), format="A4", print_background=True)
    assert out.stat().st_size > 10_000
    assert page_log.problems() == {}
