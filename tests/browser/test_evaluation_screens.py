"""季众评 in Chromium, in Chinese: a household answers on its link on a 390×844 phone with no
account, then the county reads the results at 1366×768. Screenshots land in
test-artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from playwright.sync_api import BrowserContext

from checkin import db
from checkin.domain import public_evaluation as pe
from checkin.models import EvaluationAnswer, Household, User
from checkin.platform import clock
from checkin.scope import Scope
from checkin.services.evaluation import answers
from tests.browser.helpers import horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD, csrf_from

LINK = re.compile(r"/e/([A-Za-z0-9_-]{20,})")


def links_of_village_a(app: Flask, world) -> list[str]:
    client = app.test_client()
    csrf = csrf_from(client)
    client.post("/login", data={"username": "sup_t1", "password": PASSWORD,
                                "csrf_token": csrf})
    quarter = pe.quarter_of(clock.today())
    csrf = csrf_from(client, f"/evaluation/villages/{world['va']}")
    body = client.post(f"/evaluation/villages/{world['va']}/sheet",
                       data={"csrf_token": csrf, "quarter": quarter}).get_data(as_text=True)
    return list(dict.fromkeys(LINK.findall(body)))


def some_calls(app: Flask, world) -> None:
    with app.app_context():
        s = db.session()
        actor = s.get(User, world["sup_t1"])
        for n, rating in enumerate(["satisfied", "satisfied", "basic", "satisfied",
                                    "unsatisfied", "satisfied"]):
            household = Household(code=f"HS{n}", head_name=f"村民{n}", village_id=world["va"],
                                  status="poor", helper_id=world["cadre_a"])
            s.add(household)
            s.flush()
            answers.answer_by_call(s, Scope.for_user(actor), actor, household,
                                   pe.quarter_of(clock.today()), rating,
                                   {world["cadre_a"]: pe.CadreAnswer(True, rating),
                                    world["cadre_a2"]: pe.CadreAnswer(n % 2 == 0, "basic"
                                                                      if n % 2 == 0 else None)},
                                   "希望多来村里" if n == 4 else "")
        s.commit()


def test_a_household_answers_on_a_phone_and_the_county_reads_it(
        app: Flask, world, live_server: str, new_context: Callable[..., BrowserContext]
) -> None:
    token = links_of_village_a(app, world)[0]
    some_calls(app, world)
    phone = new_context().new_page()
    phone.goto(f"{live_server}/e/{token}")
    assert phone.locator("h1").inner_text().startswith("VillageAlpha村")
    assert horizontal_overflow(phone) == []
    shot(phone, "evaluation-household-form-390")
    phone.locator('input[name="team"][value="satisfied"]').check()
    phone.locator(f'input[name="knows_{world["cadre_a"]}"][value="yes"]').check()
    phone.locator(f'input[name="rating_{world["cadre_a"]}"][value="basic"]').check()
    phone.locator(f'input[name="knows_{world["cadre_a2"]}"][value="no"]').check()
    phone.locator('textarea[name="remark"]').fill("路修好了")
    phone.locator('button[type="submit"]').click()
    phone.wait_for_selector("p.notice")
    assert "您的评议已记录" in phone.content()
    shot(phone, "evaluation-household-done-390")
    with app.app_context():
        assert db.session().query(EvaluationAnswer).count() == 7

    desk = new_context(viewport={"width": 1366, "height": 768}, is_mobile=False,
                       has_touch=False).new_page()
    sign_in(desk, live_server, "sup_county", PASSWORD)
    desk.goto(f"{live_server}/evaluation")
    assert "CadreALeader" in desk.content()
    assert horizontal_overflow(desk, 1366) == []
    shot(desk, "evaluation-results-1366")
    desk.goto(f"{live_server}/evaluation/villages/{world['va']}")
    assert "路修好了" in desk.content()
    shot(desk, "evaluation-village-1366")
    # the sheet for the team to hand out: a QR code for each household yet to answer
    with desk.expect_navigation():
        desk.locator("form[action$='/sheet'] button[type='submit']").click()
    assert desk.locator(".qr-grid svg").count() == 2  # HeadA0 has answered
    shot(desk, "evaluation-sheet-1366")
