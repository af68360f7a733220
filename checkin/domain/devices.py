"""What a person reads in a list of their sessions: the browser and system of a session,
told from its User-Agent in a few words (the rest of the string is kept, not shown)."""

from __future__ import annotations

# First match wins: WeChat and DingTalk run inside a system browser; Edge and Opera say
# Chrome; Chrome says Safari.
BROWSERS: tuple[tuple[str, str], ...] = (
    ("MicroMessenger", "WeChat"), ("DingTalk", "DingTalk"), ("Edg/", "Edge"),
    ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"), ("Safari/", "Safari"),
)
SYSTEMS: tuple[tuple[str, str], ...] = (
    ("HarmonyOS", "HarmonyOS"), ("Android", "Android"), ("iPhone", "iPhone"),
    ("iPad", "iPad"), ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def describe(agent: str | None) -> tuple[str, str] | None:
    """(browser, system) as far as they are known ("" when not), or None with no agent."""
    if not agent:
        return None
    browser = next((name for mark, name in BROWSERS if mark in agent), "")
    system = next((name for mark, name in SYSTEMS if mark in agent), "")
    return browser, system
