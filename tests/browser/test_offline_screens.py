"""The cadre's pages as the phone shows them, in Chinese and English: screenshots, an axe-core
accessibility check (no serious or critical violation), and the weight of the check-in page's
first load over the wire."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Request
from sqlalchemy import select

from checkin import db
from checkin.models import Household
from tests.browser.conftest import PHONE
from tests.browser.helpers import SCREENSHOT_DIR, PageLog, horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD

LANGS = ("zh", "en")
WEIGHT_LIMIT = 150_000  # bytes over the wire for the check-in page's first load
AXE = Axe()


def cadre_pages(app: Flask) -> dict[str, str]:
    with app.app_context():
        household = db.session().scalars(select(Household).where(Household.code == "Ha0")).one()
    return {"home": "/", "checkin": "/my/checkin", "attendance": "/my/attendance",
            "leaves": "/my/leaves", "households": "/my/households", "visits": "/my/visits",
            "visit-form": f"/my/visits/new?household={household.id}", "offline": "/offline"}


def serious_violations(page: Page) -> list[str]:
    """axe-core (bundled by axe-playwright-python) run in the page: serious and critical."""
    results = AXE.run(page, options={"resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def phone(new_context: Callable[..., BrowserContext], base: str, **options: Any
          ) -> BrowserContext:
    context = new_context(**options)
    context.grant_permissions(["geolocation"], origin=base)
    context.set_geolocation({"latitude": 30.851, "longitude": 116.361, "accuracy": 12})
    return context


@pytest.mark.parametrize("lang", LANGS)
def test_cadre_pages_screenshots_and_accessibility(new_context, page_log: PageLog,
                                                   live_server: str, world, app: Flask,
                                                   lang: str) -> None:
    context = phone(new_context, live_server)
    page = context.new_page()
    page_log.watch(page)
    if lang == "en":
        page.goto(f"{live_server}/lang/en?next=/login")
    sign_in(page, live_server, "cadre_a", PASSWORD)
    found: dict[str, list[str]] = {}
    for name, path in cadre_pages(app).items():
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.locator("#outbox").is_visible(), path  # the count is always on screen
        shot(page, f"cadre-{name}-{lang}")
        overflow = horizontal_overflow(page)
        assert not overflow, path + "\n" + "\n".join(overflow)
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
    assert page_log.problems() == {}


@pytest.mark.parametrize("lang", LANGS)
def test_the_outbox_on_screen(new_context, page_log: PageLog, live_server: str, world,
                              lang: str) -> None:
    """Two records waiting and one refused, offline: what the cadre sees, checked by axe."""
    context = phone(new_context, live_server)
    page = context.new_page()
    page_log.watch(page)
    if lang == "en":
        page.goto(f"{live_server}/lang/en?next=/login")
    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.goto(f"{live_server}/my/checkin")
    page.wait_for_function("() => window.checkinSend !== undefined")
    page.evaluate("""() => {
        const at = (min) => new Date(Date.now() + min * 60e3).toISOString();
        const one = (min) => ({id: crypto.randomUUID(), lat: 30.851, lon: 116.361,
                               accuracy_m: 10, recorded_at: at(min)});
        return window.checkinSend(one(90));
    }""")
    page.wait_for_function("() => document.getElementById('outbox').dataset.refused === '1'")
    context.set_offline(True)
    page.wait_for_function("() => navigator.onLine === false")
    page.evaluate("""() => {
        const one = () => ({id: crypto.randomUUID(), lat: 30.851, lon: 116.361,
                            accuracy_m: 10, recorded_at: new Date().toISOString()});
        return window.checkinSend(one()).then(() => window.checkinSend(one()));
    }""")
    page.wait_for_function("() => document.getElementById('outbox').dataset.waiting === '2'")
    shot(page, f"cadre-outbox-{lang}")
    assert serious_violations(page) == []
    context.set_offline(False)
    page_log.clear()


def test_checkin_page_first_load_weight(browser: Browser, new_context, page_log: PageLog,
                                        live_server: str, world) -> None:
    """Everything the first visit to the check-in page costs, as DevTools counts "transferred"
    (response headers and bodies): the page, its styles, scripts and icon, the manifest, the
    service worker and all it saves for use without signal (the app's files, the cadre's pages,
    the household list and a visit form). The context has an HTTP cache, as a phone has (the
    other tests' contexts route requests, which turns it off)."""
    signer = new_context()
    sign_page = signer.new_page()
    sign_in(sign_page, live_server, "cadre_a", PASSWORD)
    state = signer.storage_state()
    signer.close()

    context = browser.new_context(**{**PHONE, "storage_state": state})
    try:
        context.grant_permissions(["geolocation"], origin=live_server)
        context.set_geolocation({"latitude": 30.851, "longitude": 116.361, "accuracy": 12})
        seen: list[Request] = []
        context.on("requestfinished", lambda request: seen.append(request))
        page = context.new_page()
        page_log.watch(page)
        page.goto(f"{live_server}/my/checkin")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_function("() => document.documentElement.dataset.warmed === 'yes'")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        lines, total = [], 0
        for request in seen:
            sizes = request.sizes()
            response = request.response()
            status = response.status if response else 0
            body = sizes["responseBodySize"]
            if not body and status == 200 and response is not None:
                body = len(response.body())  # the worker's own script reports no body size
            size = body + sizes["responseHeadersSize"]
            parts = urlsplit(request.url)
            path = parts.path + ("?" + parts.query if parts.query else "")
            by = "worker" if request.service_worker else "page"
            total += size
            lines.append(f"{size:>7} {by:<6} {status} {request.method} {path}")
        report = "\n".join([*lines, f"{total:>7} bytes in all ({len(lines)} requests)"])
        SCREENSHOT_DIR.parent.mkdir(parents=True, exist_ok=True)
        (SCREENSHOT_DIR.parent / "checkin-page-weight.txt").write_text(report + "\n")
        print(report)
        assert any(line.endswith("GET /sw.js") for line in lines), report
        assert any(" worker " in line for line in lines), report
        assert not [line for line in lines if urlsplit(line.rsplit(" ", 1)[1]).netloc], report
        assert total < WEIGHT_LIMIT, report
        assert page_log.problems() == {}
    finally:
        context.close()


def test_the_app_is_installable(new_context, page_log: PageLog, live_server: str,
                                world) -> None:
    """Chromium's own verdict on the manifest, its icons and the service worker."""
    context = new_context()
    page = context.new_page()
    page_log.watch(page)
    sign_in(page, live_server, "cadre_a", PASSWORD)
    page.goto(f"{live_server}/my/checkin")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest") and not manifest["errors"]
    parsed = json.loads(manifest["data"])
    assert parsed["display"] == "standalone" and parsed["start_url"] == "/"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in parsed["icons"]}
    errors = [e["errorId"] for e in cdp.send("Page.getInstallabilityErrors")
              ["installabilityErrors"]]
    # Playwright's contexts are incognito profiles; that is the test's doing, not the app's.
    assert [e for e in errors if e != "in-incognito"] == [], errors
    for icon in parsed["icons"]:
        response = page.request.get(f"{live_server}{icon['src']}")
        assert response.ok and response.headers["content-type"].startswith(icon["type"]), icon
    assert page_log.problems() == {}
