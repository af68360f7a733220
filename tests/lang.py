"""Render translated sentences outside a full app: a bare Flask app with the project's Babel
set-up, and a request in the wanted language (as the Accept-Language of a phone)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from checkin import i18n

CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")
UNFILLED = re.compile(r"%\(\w+\)s|\{\w+\}")

_app = Flask("lang-tests")
_app.config.update(
    LANGUAGES=("zh", "en"), BABEL_DEFAULT_LOCALE="zh",
    BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).resolve().parents[1] / "checkin"
                                      / "translations"))
i18n.init_app(_app)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """A request whose client asks for `lang` ("zh-CN", "en", ...)."""
    with _app.test_request_context("/", headers={"Accept-Language": lang}):
        yield


def has_chinese(text: str) -> bool:
    return CJK.search(text) is not None
