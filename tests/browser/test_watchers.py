"""The checks themselves: a page that overflows, fails and phones home is caught."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.helpers import PageLog, horizontal_overflow


def test_watchers_catch_overflow_errors_and_foreign_requests(
        page: Page, page_log: PageLog, live_server: str, world) -> None:
    page.goto(f"{live_server}/login")
    assert horizontal_overflow(page) == [] and page_log.problems() == {}
    page.evaluate("""() => {
        const wide = document.createElement('div');
        wide.id = 'too-wide';
        wide.style.width = '600px';
        wide.textContent = 'x';
        document.body.appendChild(wide);
        console.error('boom');
        const img = document.createElement('img');
        img.src = 'https://tile.example.invalid/1/2/3.png';
        document.body.appendChild(img);
        fetch('/no-such-page');
    }""")
    page.wait_for_load_state("networkidle")
    overflow = horizontal_overflow(page)
    assert overflow and any("div#too-wide" in line for line in overflow)
    problems = page_log.problems()
    assert any("boom" in line for line in problems["console errors"])
    assert problems["requests to other hosts"] == ["GET https://tile.example.invalid/1/2/3.png"]
    assert any("tile.example.invalid" in line for line in problems["failed requests"])
    assert any(line.startswith("404 GET") for line in problems["HTTP error responses"])
