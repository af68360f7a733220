"""Walk the refusal table: every code, raised with sample params behind a real route, answers
through the edge (the API's JSON and a page) in Chinese for a Chinese client and in English for
an English one, with every placeholder filled and the table's HTTP status."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from checkin import refusals
from checkin.domain.refusal import Problem, Refusal
from tests.lang import UNFILLED, has_chinese, speaking

# A sample for each enum-like param (translated through refusals.WORDS); "7" for the rest.
ENUM_SAMPLES = {"status": "pending", "target": "approved", "kind": "sick", "what": "township"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def sample_params(code: str) -> dict[str, object]:
    with speaking("en"):
        names = PLACEHOLDER.findall(refusals.sentence(code))
    return {name: ENUM_SAMPLES.get(name, "7") for name in names}


def check_language(text: str, chinese: bool) -> None:
    assert text, "an empty sentence"
    assert not UNFILLED.search(text), f"a placeholder is left: {text!r}"
    assert has_chinese(text) == chinese, text


@pytest.fixture
def refusing(app: Flask) -> Flask:
    """The app with two routes that raise whatever refusal the test asks for."""

    def refuse(code: str) -> None:
        from flask import request

        problems = [Problem("required", sheet="村", row=2, column="村名")] \
            if request.args.get("problems") else []
        raise Refusal(code, field="f", problems=problems, **sample_params(code))

    app.add_url_rule("/api/v1/_refuse/<code>", "api_refuse", refuse)
    app.add_url_rule("/_refuse/<code>", "page_refuse", refuse)
    return app


def test_every_code_has_a_sentence_with_named_placeholders_only() -> None:
    for code, entry in refusals.TABLE.items():
        assert 400 <= entry.status < 600, code
        with speaking("en"):
            text = str(entry.sentence)
        assert "{" not in text and "%s" not in text and "%d" not in text, code


@pytest.mark.parametrize(("lang", "chinese"), [("zh-CN", True), ("en", False),
                                               ("en-US,en;q=0.9", False)])
def test_every_refusal_answers_in_the_clients_language(refusing: Flask, lang: str,
                                                       chinese: bool) -> None:
    client = refusing.test_client()
    for code, entry in refusals.TABLE.items():
        answer = client.get(f"/api/v1/_refuse/{code}", headers={"Accept-Language": lang})
        assert answer.status_code == entry.status, code
        error = answer.get_json()["error"]
        assert error["code"] == code
        check_language(error["message"], chinese)
        assert error["fields"] == {"f": error["message"]}
        page = client.get(f"/_refuse/{code}", headers={"Accept-Language": lang})
        assert page.status_code == entry.status, code
        assert error["message"] in page.get_data(as_text=True).replace("&#39;", "'") \
            .replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<") \
            .replace("&gt;", ">"), code


@pytest.mark.parametrize(("lang", "chinese"), [("zh-CN", True), ("en", False)])
def test_a_file_refusal_lists_its_problems_in_the_clients_language(
        refusing: Flask, lang: str, chinese: bool) -> None:
    answer = refusing.test_client().get("/api/v1/_refuse/roster_rejected?problems=1",
                                        headers={"Accept-Language": lang})
    error = answer.get_json()["error"]
    check_language(error["message"], chinese)
    [problem] = error["problems"]
    assert (problem["sheet"], problem["row"], problem["column"], problem["code"]) == (
        "村", 2, "村名", "required")
    expected = "工作表「村」第 2 行「村名」列：必填项为空" if chinese \
        else "sheet 村, row 2, column 村名: required, but empty"
    assert problem["message"] == expected


@pytest.mark.parametrize(("lang", "chinese"), [("zh", True), ("en", False)])
def test_every_enum_word_is_translated(lang: str, chinese: bool) -> None:
    with speaking(lang):
        for value in refusals.WORDS:
            check_language(str(refusals.word(value)), chinese)
