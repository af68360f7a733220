"""The phone's outbox shows the server's refusal in the page's language: a record the server
refuses (here a check-in whose `lat` is not a number, a refusal of the API's parsing, which
used to be English on a Chinese phone) is listed with the sentence of the refusal table."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.browser.helpers import PageLog
from tests.browser.test_offline import go_offline, phone, signed_in_page, waiting
from tests.lang import has_chinese


@pytest.mark.parametrize(("lang", "sentence"), [("zh", "lat 必须是数字。"),
                                                ("en", "lat must be a number.")])
def test_the_outbox_shows_a_refusal_in_the_pages_language(
        new_context, page_log: PageLog, live_server: str, world, app: Flask, lang: str,
        sentence: str) -> None:
    context = phone(new_context, live_server, background_sync=False)
    page = signed_in_page(context, page_log, live_server)
    page.goto(f"{live_server}/lang/{lang}?next=/my/checkin")
    page.wait_for_function("() => window.checkinSend !== undefined")
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
    go_offline(context, page)
    page.evaluate("""() => window.checkinSend({id: crypto.randomUUID(), lat: "x", lon: 116.361,
                                              accuracy_m: 10,
                                              recorded_at: new Date().toISOString()})""")
    assert waiting(page) == 1
    context.set_offline(False)
    page.wait_for_function("() => document.getElementById('outbox').dataset.refused === '1'",
                           timeout=30_000)
    reason = page.locator("#outbox-list .outbox-why").inner_text()
    assert sentence in reason, reason
    assert has_chinese(reason) == (lang == "zh"), reason
