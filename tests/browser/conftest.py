"""Browser fixtures: the app served on 127.0.0.1, Debian's Chromium driven by Playwright.

Browser tests run once, on SQLite: `database_url` is overridden here without the
PostgreSQL parameter. Without /usr/bin/chromium they are skipped, unless
REQUIRE_BROWSER=1 (CI), which makes that a failure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from checkin.db import make_engine
from checkin.migrate import upgrade
from tests.browser.helpers import LOCAL_HOST, VIEWPORT_WIDTH, PageLog

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite only: the browser tests check pages, not databases."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'test.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 (a secure context, so geolocation works)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"Chromium not installed at {CHROMIUM}; apt-get install chromium"
        if REQUIRE_BROWSER:
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield launched
    launched.close()
    playwright.stop()


PHONE: dict[str, Any] = {
    "viewport": {"width": VIEWPORT_WIDTH, "height": 844},
    "device_scale_factor": 1,  # 1 keeps the PNGs small
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Make a phone-sized context; keyword arguments override PHONE (e.g. geolocation)."""
    contexts: list[BrowserContext] = []

    def make(**overrides: Any) -> BrowserContext:
        context = browser.new_context(**{**PHONE, **overrides})
        context.set_default_timeout(10_000)
        # Nothing leaves this machine: other hosts are refused (PageLog still records them).
        context.route(lambda url: urlsplit(url).hostname != LOCAL_HOST,
                      lambda route: route.abort("blockedbyclient"))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext], page_log: PageLog) -> Page:
    """A page in a fresh phone context; page_log collects its errors and stray requests."""
    tab = new_context().new_page()
    page_log.watch(tab)
    return tab
