"""First-load weight of the cadre's home and check-in pages over the wire (issue 17, item 9):
written to test-artifacts/first-load-<page>.txt for the closing note."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Request

from tests.browser.conftest import PHONE
from tests.browser.helpers import SCREENSHOT_DIR, sign_in
from tests.conftest import PASSWORD


@pytest.mark.parametrize("path", ["/", "/my/checkin"])
def test_first_load_bytes(browser: Browser, new_context, live_server: str, world,
                          path: str) -> None:
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
        page.goto(f"{live_server}{path}")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_function("() => document.documentElement.dataset.warmed === 'yes'")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        page_only = everything = 0
        lines = []
        for request in seen:
            sizes = request.sizes()
            response = request.response()
            body = sizes["responseBodySize"]
            if not body and response is not None and response.status == 200:
                body = len(response.body())
            size = body + sizes["responseHeadersSize"]
            everything += size
            if not request.service_worker:
                page_only += size
            parts = urlsplit(request.url)
            lines.append(f"{size:>7} {'worker' if request.service_worker else 'page':<6} "
                         f"{parts.path}{'?' + parts.query if parts.query else ''}")
        name = path.strip("/").replace("/", "-") or "home"
        report = "\n".join([*lines, f"{page_only:>7} bytes the page itself",
                            f"{everything:>7} bytes in all, the worker's saving included"])
        SCREENSHOT_DIR.parent.mkdir(parents=True, exist_ok=True)
        (SCREENSHOT_DIR.parent / f"first-load-{name}.txt").write_text(report + "\n")
        print(report)
        assert everything > 0
    finally:
        context.close()
