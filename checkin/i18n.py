"""Chinese by default, English on request: the locale comes from a cookie set by a switch."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import Babel

babel = Babel()
LANG_COOKIE = "lang"


def select_locale() -> str:
    wanted = request.args.get("lang") or request.cookies.get(LANG_COOKIE, "")
    if wanted in current_app.config["LANGUAGES"]:
        return wanted
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_lang() -> str:
    """'zh' or 'en', for templates and for sentences built by the domain.

    The same choice as Flask-Babel's get_locale(), without building a babel Locale (over a
    tenth of a check-in's time, when its answer has reasons to explain).
    """
    return "en" if select_locale().startswith("en") else "zh"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(lambda: {"lang": current_lang()})
