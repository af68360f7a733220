"""Chinese by default, English on request: the locale comes from `?lang=`, then the cookie
set by the language switch, then the client's Accept-Language (a phone's own language, an
API client's header), else Chinese. Outside a request (a command) it is Chinese unless a
command forces another with flask_babel.force_locale."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel

babel = Babel()
LANG_COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    wanted = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if wanted is not None and wanted in languages:
        return wanted
    return request.accept_languages.best_match(languages) or default


def current_lang() -> str:
    """'zh' or 'en', for templates and for sentences built by the domain.

    The same choice as Flask-Babel's get_locale(), without building a babel Locale (over a
    tenth of a check-in's time, when its answer has reasons to explain).
    """
    return "en" if select_locale().startswith("en") else "zh"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(lambda: {"lang": current_lang()})
