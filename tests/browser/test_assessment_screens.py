"""The annual assessment and the quarterly report in Chromium, in Chinese: the county's list
and the printable 年度考核登记表 at 1366×768 (and its PDF), and the team leader's report
form on a 390×844 phone, handed in through the outbox. Files land in test-artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page
from sqlalchemy import select

from checkin import db
from checkin.models import QuarterReport, SpotcheckItem, SpotcheckResult, Team, User
from checkin.services.people import assessment
from checkin.services.reporting import pledges
from checkin.settings import policy
from tests.browser.helpers import REPO_ROOT, PageLog, horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD

DECEMBER = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)


@pytest.fixture
def december(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = DECEMBER
    return app


def _records(app: Flask, world) -> None:
    """A presence check found cadre A away without leave; the county graded A above the
    ceiling with a written reason; team A pledged three commitments."""
    with app.app_context():
        s = db.session()
        item = s.get(SpotcheckItem, world["presence_a"])
        s.add(SpotcheckResult(item_id=item.id, checked_by_id=world["sup_t1"], method="phone",
                              outcome="not_confirmed", verdict="fail", note="",
                              recorded_at=DECEMBER, local_day=item.day))
        county = s.get(User, world["sup_county"])
        cadre = assessment.cadre_in_scope(s, assessment.Scope.for_user(county),
                                          world["cadre_a"])
        assessment.decide(s, county, cadre, 2026, assessment.DecisionInput(
            grade="excellent", reason="带领群众发展茶叶产业，成效明显",
            override_reason="脱岗当日经县领导电话同意赴县城参加产业推介会，有会议签到表为证"),
            policy())
        leader = s.get(User, world["cadre_a"])
        pledges.write_pledge(s, leader, s.get(Team, world["team_a"]), 2026, [
            "每月走访全部脱贫户和监测户", "推动茶叶合作社年内见效，集体收入突破10万元",
            "发展1名年轻党员"])
        s.commit()


def test_the_county_list_the_form_and_the_phone_report(
        december, page: Page, page_log: PageLog, new_context, live_server: str, world
        ) -> None:
    _records(december, world)
    desktop: BrowserContext = new_context(viewport={"width": 1366, "height": 768},
                                          is_mobile=False, has_touch=False)
    wide = desktop.new_page()
    page_log.watch(wide)
    sign_in(wide, live_server, "sup_county", PASSWORD)
    wide.goto(f"{live_server}/assessments?year=2026")
    assert wide.locator("text=高于上限").count() >= 1
    shot(wide, "assessment-list-1366-zh")
    wide.goto(f"{live_server}/assessments/{world['cadre_a']}?year=2026")
    shot(wide, "assessment-sheet-1366-zh")
    wide.goto(f"{live_server}/assessments/{world['cadre_a']}/print?year=2026")
    assert wide.locator("h1").inner_text() == "驻村干部年度考核登记表"
    shot(wide, "assessment-print-1366-zh")
    wide.emulate_media(media="print")
    shot(wide, "assessment-print-media-1366-zh")
    out = REPO_ROOT / "test-artifacts" / "assessment-print-zh.pdf"
    wide.pdf(path=str(out), format="A4", print_background=True)
    assert out.stat().st_size > 10_000

    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.goto(f"{live_server}/teams/{world['team_a']}/pledge?quarter=2026-Q4")
    shot(page, "quarter-report-form-390-zh")
    assert not horizontal_overflow(page), horizontal_overflow(page)
    form = page.locator("form[data-outbox='quarter_report']")
    form.locator("input[name='status_0'][value='done']").check()
    form.locator("input[name='status_1'][value='in_progress']").check()
    form.locator("textarea[name='text_1']").fill("合作社已注册，茶园流转300亩")
    form.locator("input[name='status_2'][value='done']").check()
    form.locator("button[type='submit']").click()
    page.locator(".pl-version").filter(has_text="合作社已注册").wait_for()  # reloaded
    shot(page, "quarter-report-sent-390-zh")
    with december.app_context():
        [report] = db.session().scalars(select(QuarterReport)).all()
        assert [e["status"] for e in report.entries] == ["done", "in_progress", "done"]
        assert report.request_id is not None  # through the outbox, by the phone's id
    assert page_log.problems() == {}
