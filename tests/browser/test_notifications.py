"""A cadre asks for leave in the browser; the township's bell shows it; the township
approves; the decision reaches the cadre's inbox. Screenshots of both inboxes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask import Flask, url_for
from playwright.sync_api import BrowserContext

from tests.browser.helpers import horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD


def _paths(app: Flask) -> dict[str, str]:
    with app.test_request_context():
        return {"ask": url_for("cadre.leaves_page"), "decide": url_for("supervise.leave_inbox"),
                "inbox": url_for("inbox.index")}


def test_leave_asked_and_decided_reach_the_inboxes(app: Flask, live_server: str, world,
                                                   new_context: Callable[..., BrowserContext]
                                                   ) -> None:
    paths = _paths(app)
    cadre = new_context().new_page()
    township = new_context().new_page()
    sign_in(cadre, live_server, "cadre_a2", PASSWORD)
    sign_in(township, live_server, "sup_t1", PASSWORD)
    assert township.locator("#unread-count").count() == 0

    start = date.today() + timedelta(days=3)
    cadre.goto(live_server + paths["ask"])
    cadre.locator('select[name="kind"]').select_option("personal")
    cadre.locator('input[name="start"]').fill(start.isoformat())
    cadre.locator('input[name="end"]').fill((start + timedelta(days=1)).isoformat())
    cadre.locator('textarea[name="reason"]').fill("家中有事")
    with cadre.expect_navigation():
        cadre.locator("form button.primary").click()

    township.goto(live_server + "/")
    assert township.locator("#unread-count").inner_text() == "1"
    township.locator("a.inbox-badge").click()
    township.wait_for_url(f"**{paths['inbox']}")
    first = township.locator("li.notification.unread").first
    assert "CadreAMember" in first.inner_text() and "请假2天" in first.inner_text()
    shot(township, "inbox-township-zh")
    with township.expect_navigation():
        first.locator('button[name="open"]').click()  # marks it read, opens the leave inbox
    assert township.url.endswith(paths["decide"])
    assert township.locator("#unread-count").count() == 0
    with township.expect_navigation():
        township.locator('button[value="approve"]').first.click()

    cadre.goto(live_server + "/")
    assert cadre.locator("#unread-count").inner_text() == "1"
    cadre.goto(live_server + paths["inbox"] + "?lang=en")
    item = cadre.locator("li.notification.unread").first
    assert "was approved" in item.inner_text()
    shot(cadre, "inbox-cadre-en")


def test_the_admin_sees_deliveries_that_wait(app: Flask, live_server: str, world,
                                             new_context: Callable[..., BrowserContext]
                                             ) -> None:
    from checkin import db
    from checkin.models import Delivery, Notification

    with app.app_context():
        session = db.session()
        note = Notification(user_id=world["sup_t1"], kind="leave.asked", event_key="e",
                            params={})
        session.add(note)
        session.flush()
        session.add(Delivery(notification_id=note.id, channel="email", dedupe_key="email:1",
                             target="town@county.test", status="failed", attempts=12,
                             last_error="smtp: SMTPRecipientsRefused: 550 no such user"))
        session.commit()
    admin = new_context().new_page()
    sign_in(admin, live_server, "admin", PASSWORD)
    admin.goto(live_server + "/admin/deliveries")
    assert "550 no such user" in admin.locator("tr.delivery-failed").inner_text()
    assert horizontal_overflow(admin) == []
    shot(admin, "deliveries-admin-zh")


def test_a_supervisor_reads_the_daily_digest_and_turns_email_off(
        app: Flask, live_server: str, world, make_leave,
        new_context: Callable[..., BrowserContext]) -> None:
    from checkin import db
    from checkin.models import User
    from checkin.platform import clock
    from checkin.services.notify import digests

    app.config.update(SMTP_HOST="127.0.0.1", WEBHOOK_URL="http://127.0.0.1:9/hook")
    start = date.today() + timedelta(days=10)
    make_leave("cadre_b2", start_date=start, end_date=start + timedelta(days=5))  # county's
    with app.app_context():
        session = db.session()
        digests.supervisor_daily(session, clock.today())
        session.commit()
    for name, size in (("phone", None), ("desk", {"width": 1366, "height": 768})):
        page = new_context(**({"viewport": size} if size else {})).new_page()
        sign_in(page, live_server, "sup_county", PASSWORD)
        page.goto(live_server + "/inbox")
        digest = page.locator('li.notification[data-kind="digest.supervisor_daily"]')
        assert "今日未在岗：2 人" in digest.inner_text()
        assert "待您审批：请假 1 条" in digest.inner_text()
        if size is None:
            assert horizontal_overflow(page) == []
        shot(page, f"inbox-digest-{name}")
        page.locator('a[href="/inbox/settings"]').click()
        page.wait_for_url("**/inbox/settings")
        if size is None:
            page.locator('input[name="email"]').fill("county@county.test")
            page.locator('input[name="email_on"]').uncheck()
            with page.expect_navigation():
                page.locator("form button.primary").click()
            assert "已保存" in page.locator(".flash").inner_text()
            assert horizontal_overflow(page) == []
        shot(page, f"notify-settings-{name}")
    with app.app_context():
        user = db.session().get(User, world["sup_county"])
        assert (user.email, user.muted_channels) == ("county@county.test", "email")
