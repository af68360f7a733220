"""Issue 12, cases 2 and 3, on a 390 px phone in Chinese: what a cadre sees when same-day
personal leave is refused, when it withdraws a request and when it checks in during
approved leave (the offer to close it, 销假); what the township sees of leave approved
after it began (事后补批); and a failed check with its appeal beside it. Screenshots land
in test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from playwright.sync_api import Page, expect

from checkin.platform import clock
from tests.browser.helpers import PageLog, horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD

INSIDE = {"latitude": 30.851, "longitude": 116.361, "accuracy": 15}


def sound(page: Page, page_log: PageLog) -> None:
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    overflow = horizontal_overflow(page)
    assert not overflow, "\n".join(overflow)
    assert page_log.problems() == {}


def test_a_cadre_asks_withdraws_and_is_offered_to_close_leave(
        new_context, page_log: PageLog, live_server: str, world, app: Flask,
        make_leave) -> None:
    context = new_context()
    context.grant_permissions(["geolocation"], origin=live_server)
    context.set_geolocation(INSIDE)
    page = context.new_page()
    page_log.watch(page)
    sign_in(page, live_server, "cadre_a", PASSWORD)

    today = clock.today()
    page.goto(f"{live_server}/my/leaves")
    page.locator("select[name=kind]").select_option("personal")
    page.locator("input[name=start]").fill(today.isoformat())
    page.locator("input[name=end]").fill(today.isoformat())
    # The form goes through the phone's outbox: the refusal is said in the form, which
    # keeps what was typed (no page load).
    page.locator("form button.primary").click()
    expect(page.locator("[data-outbox-result]")).to_contain_text("须至少提前一天申请")
    assert page.locator("input[name=start]").input_value() == today.isoformat()
    shot(page, "leave-same-day-refused-zh")
    # the refused form answers 422, as it should; nothing else went wrong
    assert [r.split(" ", 2)[:2] for r in page_log.error_responses] == [["422", "POST"]]
    page_log.error_responses.clear()
    page_log.console_errors.clear()

    tomorrow = today + timedelta(days=1)
    page.locator("input[name=start]").fill(tomorrow.isoformat())
    page.locator("input[name=end]").fill(tomorrow.isoformat())
    with page.expect_navigation():
        page.locator("form button.primary").click()
    assert page.get_by_text("撤回申请").count() >= 1
    shot(page, "leave-pending-withdraw-zh")
    with page.expect_navigation():
        page.get_by_text("撤回申请").first.click()
    assert "申请已撤回" in page.content()
    shot(page, "leave-withdrawn-zh")
    sound(page, page_log)

    make_leave("cadre_a", kind="sick", start_date=today, end_date=today + timedelta(days=1),
               status="approved", decided_at=clock.now() - timedelta(hours=1))
    page.goto(f"{live_server}/my/checkin")
    page.locator("#locate").click()
    page.wait_for_function("() => document.getElementById('send').disabled === false")
    page.locator("#send").click()
    page.wait_for_function("""() => {
        const r = document.getElementById('result');
        return !r.hidden && /\\b(ok|bad|warn)\\b/.test(r.className);
    }""")
    said = page.locator("#result").inner_text()
    assert "销假" in said, said
    link = page.locator("#result a")
    assert link.count() == 1 and "/my/leaves#leave-" in (link.get_attribute("href") or "")
    shot(page, "checkin-during-leave-zh")


def test_the_township_sees_after_the_fact_leave_and_an_appeal_beside_the_finding(
        page: Page, page_log: PageLog, live_server: str, world, app: Flask,
        make_leave) -> None:
    today = clock.today()
    late = make_leave("cadre_a", kind="personal", start_date=today - timedelta(days=3),
                      end_date=today - timedelta(days=2))
    api = app.test_client()
    township = {"Authorization": "Bearer " + api.post("/api/v1/tokens", json={
        "username": "sup_t1", "password": PASSWORD}).get_json()["token"]}
    county = {"Authorization": "Bearer " + api.post("/api/v1/tokens", json={
        "username": "sup_county", "password": PASSWORD}).get_json()["token"]}
    assert api.post(f"/api/v1/leaves/{late.id}/decision", json={"approve": True},
                    headers=township).get_json()["approved_after_start"] is True
    body = {"method": "phone", "outcome": "not_confirmed"}
    answer = api.post(f"/api/v1/spotchecks/{world['presence_a']}/result", json=body,
                      headers=township)
    if answer.status_code == 422:  # before 09:00 in the deployment's zone: window not open
        answer = api.post(f"/api/v1/spotchecks/{world['presence_a']}/result",
                          json={**body, "early_reason": "县里安排提前核查"}, headers=township)
    result = answer.get_json()["result"]
    appeal = api.post(f"/api/v1/spotchecks/results/{result['id']}/appeals",
                      json={"reason": "当天到县医院就诊，已补请病假",
                            "evidence": "县人民医院门诊病历"}, headers=township).get_json()
    api.post(f"/api/v1/spotchecks/appeals/{appeal['id']}/decision",
             json={"uphold": True, "comment": "病历属实"}, headers=county)

    sign_in(page, live_server, "sup_t1", PASSWORD)
    page.goto(f"{live_server}/attendance/leaves")
    assert "事后补批" in page.content()
    shot(page, "leave-inbox-after-the-fact-zh")
    page.goto(f"{live_server}/spotchecks/items/{world['presence_a']}")
    html = page.content()
    assert "严重问题" in html or "申诉后免责" in html
    assert "县人民医院门诊病历" in html
    shot(page, "spotcheck-appeal-upheld-zh")
    sound(page, page_log)
