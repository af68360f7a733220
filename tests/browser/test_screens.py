"""Screens on a 390 px phone, in Chinese and English: right language, role menus, no overflow,
no errors, nothing fetched from elsewhere. Screenshots land in test-artifacts/screenshots/."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import PageLog, horizontal_overflow, shot, sign_in
from tests.conftest import PASSWORD

LANGS = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}
WORDS = {
    "zh": {"Sign in": "登录", "Main": "主菜单", "My households": "我的帮扶户",
           "Villages": "村", "Roster import": "花名册导入", "Home": "首页",
           "Spot checks": "抽查", "More": "更多"},
    "en": {},
}

# What each role's main menu must show, and must not.
MENUS = {
    "cadre_a": (["Home", "My households"], ["Villages", "Roster import"]),
    "sup_t1": (["Home", "Spot checks"], ["My households", "Roster import"]),
    "sup_county": (["Home", "Spot checks"], ["My households", "Roster import"]),
    "admin": (["Home", "Spot checks", "Roster import"], ["My households"]),
}


def t(lang: str, english: str) -> str:
    return WORDS[lang].get(english, english)


def choose_language(page: Page, base: str, lang: str, next_path: str) -> None:
    """English through the switch; Chinese is what a browser without the cookie gets."""
    if lang == "en":
        page.goto(f"{base}/lang/en?next={next_path}")
        assert urlsplit(page.url).path == next_path


def menu_links(page: Page, lang: str) -> list[str]:
    menu = page.get_by_role("navigation", name=t(lang, "Main"), exact=True)
    return [text.strip() for text in menu.get_by_role("link").all_inner_texts()]


def assert_sound(page: Page, page_log: PageLog, lang: str) -> None:
    assert page.locator("html").get_attribute("lang") == HTML_LANG[lang]
    overflow = horizontal_overflow(page)
    assert not overflow, "\n".join(overflow)
    assert page_log.problems() == {}


@pytest.mark.parametrize("lang", LANGS)
def test_sign_in_page(page: Page, page_log: PageLog, live_server: str, world, lang: str) -> None:
    choose_language(page, live_server, lang, "/login")
    response = page.goto(f"{live_server}/login")
    assert response is not None and response.status == 200
    shot(page, f"login-{lang}")
    assert page.get_by_role("heading", level=1).inner_text().strip() == t(lang, "Sign in")
    assert page.get_by_role("button", name=t(lang, "Sign in"), exact=True).is_visible()
    assert page.title().startswith(t(lang, "Sign in"))
    assert page.get_by_role("navigation", name=t(lang, "Main")).count() == 0
    assert_sound(page, page_log, lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("username", list(MENUS))
def test_home_page_of_each_role(page: Page, page_log: PageLog, live_server: str, world,
                                username: str, lang: str) -> None:
    choose_language(page, live_server, lang, "/login")
    sign_in(page, live_server, username, PASSWORD)
    assert urlsplit(page.url).path == "/"
    shot(page, f"home-{username}-{lang}")
    links = menu_links(page, lang)
    shown, hidden = MENUS[username]
    for word in shown:
        assert t(lang, word) in links, f"{username} should see {t(lang, word)!r}: {links}"
    for word in hidden:
        assert t(lang, word) not in links, f"{username} should not see {t(lang, word)!r}"
    current = page.locator('[aria-current="page"]')
    assert current.inner_text().strip() == t(lang, "Home")
    assert_sound(page, page_log, lang)


def test_language_switch_keeps_the_page(page: Page, page_log: PageLog, live_server: str,
                                        world) -> None:
    sign_in(page, live_server, "cadre_a", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("link", name="English", exact=True).click()
    assert urlsplit(page.url).path == "/"
    assert "My households" in menu_links(page, "en")
    assert_sound(page, page_log, "en")
    with page.expect_navigation():
        page.get_by_role("link", name="中文", exact=True).click()
    assert urlsplit(page.url).path == "/"
    assert "我的帮扶户" in menu_links(page, "zh")
    assert_sound(page, page_log, "zh")


@pytest.mark.parametrize("username", ["cadre_a", "sup_t1", "admin"])
def test_every_menu_entry_opens_and_fits(page: Page, page_log: PageLog, live_server: str,
                                         world, username: str) -> None:
    sign_in(page, live_server, username, PASSWORD)
    targets = []
    for name in ("Main", "More"):  # the tabs, and the rest of the role's pages on its home
        menu = page.get_by_role("navigation", name=t("zh", name), exact=True)
        targets += [link.get_attribute("href") for link in menu.get_by_role("link").all()]
    assert len(targets) > 6
    for href in targets:
        assert href and href.startswith("/"), href
        response = page.goto(f"{live_server}{href}")
        assert response is not None and response.status == 200, href
        name = href.strip("/").replace("/", "-") or "home"
        shot(page, f"menu-{username}-{name}-zh")
        overflow = horizontal_overflow(page)
        assert not overflow, href + "\n" + "\n".join(overflow)
        assert page_log.problems() == {}, href


@pytest.mark.parametrize("username", ["cadre_a", "sup_t1", "admin"])
def test_chinese_menus_are_translated(page: Page, live_server: str, world,
                                      username: str) -> None:
    """Every entry of the main menu, in Chinese, has Chinese in it (no msgid left as is)."""
    sign_in(page, live_server, username, PASSWORD)
    links = menu_links(page, "zh")
    untranslated = [text for text in links if not any("\u4e00" <= ch <= "\u9fff" for ch in text)]
    assert untranslated == [], f"menu entries without a Chinese translation: {untranslated}"
