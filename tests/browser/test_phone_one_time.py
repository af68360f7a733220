"""One-time messages are never saved into the pages the phone keeps (issue 17, item 4): the
copy shown without signal does not replay "welcome back, the leave is closed"."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from checkin.platform import clock
from tests.browser.helpers import PageLog, sign_in
from tests.browser.test_phone_home import phone_page
from tests.conftest import PASSWORD

WELCOME = "欢迎回岗"


def test_a_saved_page_does_not_replay_a_one_time_message(new_context, page_log: PageLog,
                                                         live_server: str, world, app: Flask,
                                                         make_leave) -> None:
    today = clock.today()
    make_leave("cadre_a2", status="approved", start_date=today - timedelta(days=3),
               end_date=today - timedelta(days=1))
    page = phone_page(new_context, live_server, page_log, "zh")
    sign_in(page, live_server, "cadre_a2", PASSWORD)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.goto(f"{live_server}/my/leaves")
    with page.expect_navigation():
        page.locator("form.inline button[type=submit]").click()
    assert WELCOME in page.locator("main").inner_text()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    saved = page.evaluate("""async () => {
        const copy = await caches.match(location.href, {ignoreVary: true});
        return copy ? await copy.text() : '';
    }""")
    assert saved  # the address is kept for use without signal, without the message
    assert WELCOME not in saved
    page.context.set_offline(True)
    page.reload()
    assert WELCOME not in page.locator("main").inner_text()
    page.context.set_offline(False)
    page_log.clear()
