"""Helpers for the browser tests: signing in, screenshots, and what a page did wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Page, Request, Response

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
LOCAL_HOST = "127.0.0.1"
VIEWPORT_WIDTH = 390
# Requests the browser makes on its own, not the page; none are exempt now that the app
# serves /favicon.ico.
BROWSER_OWN_PATHS: frozenset[str] = frozenset()


def _browser_own(url: str) -> bool:
    return urlsplit(url).path in BROWSER_OWN_PATHS


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    """Fill the sign-in form and wait until the browser has left /login."""
    page.goto(f"{base}/login")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(password)
    with page.expect_navigation():
        page.locator('form button[type="submit"]').click()
    path = urlsplit(page.url).path
    assert path != "/login", f"sign-in as {username!r} stayed on /login"


def shot(page: Page, name: str) -> Path:
    """Save a full-page PNG as test-artifacts/screenshots/<name>.png (git-ignored)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def horizontal_overflow(page: Page, width: int = VIEWPORT_WIDTH) -> list[str]:
    """Empty when the page fits `width`; else the page width and the elements that stick out."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= width + 1:
        return []
    # The outermost elements that stick out, skipping those inside a scroll container.
    culprits = page.evaluate(
        """(width) => {
            const sticksOut = (el) => el.getBoundingClientRect().right > width + 1;
            const clipped = (el) => {
                for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
                    if (getComputedStyle(a).overflowX !== 'visible') return true;
                }
                return false;
            };
            const out = [];
            for (const el of document.querySelectorAll('body *')) {
                const parent = el.parentElement;
                if (!sticksOut(el) || el.getBoundingClientRect().width === 0) continue;
                if (parent !== document.body && sticksOut(parent)) continue;
                if (clipped(el)) continue;
                const id = el.id ? '#' + el.id : '';
                const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
                const r = el.getBoundingClientRect();
                const text = (el.innerText || '').trim().slice(0, 40).replace(/\\s+/g, ' ');
                out.push(`${el.tagName.toLowerCase()}${id}${cls} `
                         + `left=${Math.round(r.left)} right=${Math.round(r.right)} "${text}"`);
            }
            return out.slice(0, 15);
        }""",
        width,
    )
    return [f"scrollWidth={scroll_width} > {width}", *culprits]


@dataclass
class PageLog:
    """What went wrong while a page was open: console errors, script errors, bad requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    error_responses: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("requestfailed", self._failed)
        page.on("request", self._request)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not _browser_own(message.location.get("url", "")):
            self.console_errors.append(f"{message.text} @ {message.location.get('url', '')}")

    def _failed(self, request: Request) -> None:
        # A subresource cancelled because the page navigated on is not a failure.
        if request.failure == "net::ERR_ABORTED" and request.resource_type != "document":
            return
        self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def _request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname != LOCAL_HOST:
            self.foreign_requests.append(f"{request.method} {request.url}")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and not _browser_own(response.url):
            self.error_responses.append(
                f"{response.status} {response.request.method} {response.url}")

    def problems(self) -> dict[str, list[str]]:
        """Only the non-empty lists, so `assert log.problems() == {}` reads well on failure."""
        found = {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "failed requests": self.failed_requests,
            "HTTP error responses": self.error_responses,
            "requests to other hosts": self.foreign_requests,
        }
        return {key: value for key, value in found.items() if value}

    def clear(self) -> None:
        for entries in (self.console_errors, self.page_errors, self.failed_requests,
                        self.error_responses, self.foreign_requests):
            entries.clear()
