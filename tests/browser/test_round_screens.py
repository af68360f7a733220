"""A supervisor who holds a duty over several villages (党建特派员) on a phone: checks in at
one of the villages through the check-in page, then without signal, and the record kept
on the phone reaches the server exactly once when the signal returns."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import RoundCheckin, User
from checkin.platform import clock
from checkin.services.rounds import duties
from tests.browser.helpers import PageLog, horizontal_overflow, shot
from tests.browser.test_offline import OUTBOX_JS, check_in, go_offline, phone, signed_in_page


def _envoy_of_alpha_and_beta(app: Flask) -> int:
    with app.app_context():
        s = db.session()
        duty = duties.assign(s, None, duties.DutyInput(
            username="sup_t2", kind="envoy", village_codes=("34080101", "34080201"),
            start=clock.today() - timedelta(days=20)))
        s.commit()
        return duty.user_id


def test_an_envoy_checks_in_at_a_village_with_and_without_signal(
        new_context, page_log: PageLog, live_server: str, world, app: Flask) -> None:
    holder = _envoy_of_alpha_and_beta(app)
    context = phone(new_context, live_server)  # at village A (Alpha)
    page = signed_in_page(context, page_log, live_server, "sup_t2")
    page.goto(f"{live_server}/my/rounds")
    assert horizontal_overflow(page) == []
    shot(page, "rounds-mine-zh")
    page.locator(f"a[href='/my/rounds/{world['va']}/checkin']").click()
    page.wait_for_url(f"**/my/rounds/{world['va']}/checkin")
    assert horizontal_overflow(page) == []
    check_in(page)
    assert "这次到村走访已计入" in page.locator("#result").inner_text()
    shot(page, "rounds-checkin-sent-zh")
    with app.app_context():
        [first] = db.session().scalars(select(RoundCheckin)).all()
        assert first.user_id == holder and first.village_id == world["va"]
        assert first.counts and not first.queued

    go_offline(context, page)
    check_in(page)
    assert "保存在手机上" in page.locator("#result").inner_text()
    kept = page.evaluate(OUTBOX_JS)
    assert [(r["kind"], r["state"], r["body"]["village_id"]) for r in kept] == [
        ("round_checkin", "pending", world["va"])]
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('outbox').dataset.waiting === '0'",
                           timeout=60_000)
    assert page.evaluate(OUTBOX_JS) == []
    with app.app_context():
        s = db.session()
        stored = s.scalars(select(RoundCheckin).order_by(RoundCheckin.received_at)).all()
        assert len(stored) == 2 and stored[1].id == kept[0]["id"]
        assert stored[1].queued and stored[1].counts
        assert s.get(User, holder).role == "supervisor"
