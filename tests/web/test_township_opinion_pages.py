"""The township party committee's opinion (乡镇党委意见) on its pages: the township of the
cadre's village writes it on the assessment sheet, writing again supersedes and keeps the
earlier version, the county reads it (who, when, how many earlier) on the sheet and in the
printed 登记表's box; another township, the county and an admin are refused, so is anyone
after the county's grade; bad input is answered in the page and nothing is stored; every
writing is in the audit log; the cadre reads none of it."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.domain.township_opinion import MAX_OPINION
from checkin.models import AuditEntry, TownshipOpinion
from tests.conftest import csrf_from
from tests.web.test_jurisdiction_matrix import SPOTCHECK_WORDS

DECEMBER = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in China
FIRST = "OpinionOne 该同志全年驻村在岗，走访到位"
SECOND = "OpinionTwo 该同志补充：带头发展集体经济，群众认可"


@pytest.fixture
def december(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = DECEMBER
    return app


@pytest.fixture
def as_(login):
    def do(app: Flask, username: str, lang: str = "en"):
        client = login(app.test_client(), username)
        client.set_cookie("lang", lang)
        return client

    return do


def _sheet(user_id: int) -> str:
    return f"/assessments/{user_id}?year=2026"


def _write(client, user_id: int, **form: str):
    page = client.get(_sheet(user_id))
    token = csrf_from(client, _sheet(user_id) if page.status_code == 200 else "/")
    return client.post(f"/assessments/{user_id}/opinion?year=2026",
                       data={"csrf_token": token, **form})


def _opinions(app: Flask, user_id: int) -> list[TownshipOpinion]:
    with app.app_context():
        found = list(db.session().scalars(select(TownshipOpinion).where(
            TownshipOpinion.user_id == user_id).order_by(TownshipOpinion.sequence)))
        db.session().expunge_all()
        return found


def _audit(app: Flask, prefix: str = "assessment.opinion") -> list[AuditEntry]:
    with app.app_context():
        found = list(db.session().scalars(select(AuditEntry).where(
            AuditEntry.action.like(f"{prefix}%")).order_by(AuditEntry.id)))
        db.session().expunge_all()
        return found


def test_the_township_writes_and_a_second_version_supersedes_the_first(
        december, world, as_) -> None:
    township = as_(december, "sup_t1")
    listing = unescape(township.get("/assessments?year=2026").get_data(as_text=True))
    assert "write the township's opinion before the county grades" in listing
    form = township.get(_sheet(world["cadre_a"])).get_data(as_text=True)
    assert 'name="suggested_grade"' in form and "Opinion of the township party committee" in form

    done = _write(township, world["cadre_a"], text=FIRST, suggested_grade="competent")
    assert done.status_code == 302
    assert "is recorded" in township.get(done.location).get_data(as_text=True)
    [first] = _opinions(december, world["cadre_a"])
    assert (first.text, first.suggested_grade, first.sequence, first.supersedes_id) == (
        FIRST, "competent", 1, None)
    assert first.written_by_id == world["sup_t1"]

    again = _write(township, world["cadre_a"], text=SECOND, suggested_grade="",
                   replaces=str(first.id))
    assert again.status_code == 302
    kept, second = _opinions(december, world["cadre_a"])
    assert (kept.id, kept.text, kept.suggested_grade) == (first.id, FIRST, "competent")
    assert (second.text, second.suggested_grade, second.sequence, second.supersedes_id) == (
        SECOND, None, 2, first.id)

    written, rewritten = _audit(december)
    assert (written.action, written.entity, written.entity_id) == (
        "assessment.opinion_written", "township_opinion", str(first.id))
    assert written.actor_id == world["sup_t1"] and written.before_digest is None
    assert (rewritten.action, rewritten.entity_id) == (
        "assessment.opinion_rewritten", str(second.id))
    assert rewritten.before_digest and rewritten.after_digest
    assert rewritten.detail == {"user_id": world["cadre_a"], "year": 2026,
                                "suggested_grade": None, "supersedes_id": first.id}


def test_the_county_reads_the_latest_with_who_when_and_how_many_before(
        december, world, as_) -> None:
    township = as_(december, "sup_t1")
    _write(township, world["cadre_a"], text=FIRST, suggested_grade="excellent")
    [first] = _opinions(december, world["cadre_a"])
    _write(township, world["cadre_a"], text=SECOND, suggested_grade="competent",
           replaces=str(first.id))
    county = as_(december, "sup_county")
    html = county.get(_sheet(world["cadre_a"])).get_data(as_text=True)
    assert SECOND in html and "SupTownOne" in html and "2026-12-09" in html
    assert "Suggested grade: Competent" in html
    assert "1 earlier version(s)" in html
    assert FIRST in html  # the earlier version stays readable, marked as superseded
    assert 'name="suggested_grade"' not in html  # no township form for the county
    listing = county.get("/assessments?year=2026").get_data(as_text=True)
    assert "Township: Competent" in listing

    zh = as_(december, "sup_county", "zh")
    html = zh.get(_sheet(world["cadre_a"])).get_data(as_text=True)
    assert "乡镇党委意见" in html and "建议等次：称职" in html and "此前 1 个版本" in html


def test_the_print_form_carries_the_opinion_in_its_box(december, world, as_) -> None:
    township = as_(december, "sup_t1")
    _write(township, world["cadre_a"], text=FIRST, suggested_grade="competent")
    printed = as_(december, "sup_county", "zh").get(
        f"/assessments/{world['cadre_a']}/print?year=2026")
    assert printed.status_code == 200
    html = printed.get_data(as_text=True)
    box = html[html.index("乡镇党委意见"):html.index("县委组织部")]
    assert FIRST in box and "SupTownOne" in box and "建议等次：称职" in box
    from tests.web.test_jurisdiction_matrix import body_text

    exported = body_text(as_(december, "sup_county").get("/assessments.xlsx?year=2026"))
    assert "乡镇党委意见" in exported and FIRST in exported
    empty = as_(december, "sup_county").get(
        f"/assessments/{world['cadre_b']}/print?year=2026").get_data(as_text=True)
    assert FIRST not in empty


def test_another_township_gets_404_and_the_county_and_admin_are_refused(
        december, world, as_) -> None:
    other = as_(december, "sup_t2")
    assert other.get(_sheet(world["cadre_a"])).status_code == 404
    assert _write(other, world["cadre_a"], text=FIRST).status_code == 404
    for who, words in (("sup_county", "written by the township"),
                       ("admin", "written by the township")):
        client = as_(december, who)
        answer = _write(client, world["cadre_a"], text=FIRST, suggested_grade="competent")
        assert answer.status_code == 403, who
        assert words in answer.get_data(as_text=True)
    cadre = as_(december, "cadre_a")
    assert _write(cadre, world["cadre_a"], text=FIRST).status_code == 404
    assert _opinions(december, world["cadre_a"]) == []
    assert _audit(december) == []


def test_after_the_countys_grade_the_township_writes_no_more(december, world, as_) -> None:
    township = as_(december, "sup_t1")
    _write(township, world["cadre_a"], text=FIRST, suggested_grade="competent")
    [first] = _opinions(december, world["cadre_a"])
    county = as_(december, "sup_county")
    token = csrf_from(county, _sheet(world["cadre_a"]))
    assert county.post(_sheet(world["cadre_a"]), data={
        "csrf_token": token, "grade": "competent", "reason": "全年在岗"}).status_code == 302
    page = township.get(_sheet(world["cadre_a"])).get_data(as_text=True)
    assert 'name="suggested_grade"' not in page
    assert "The county has graded this year" in page
    answer = _write(township, world["cadre_a"], text=SECOND, suggested_grade="excellent",
                    replaces=str(first.id))
    assert answer.status_code == 409
    assert "the county has graded" in answer.get_data(as_text=True)
    assert [o.id for o in _opinions(december, world["cadre_a"])] == [first.id]
    zh = as_(december, "sup_t1", "zh")
    answer = _write(zh, world["cadre_a"], text=SECOND, replaces=str(first.id))
    assert "县里已评定" in answer.get_data(as_text=True)


@pytest.mark.parametrize(("form", "message"), [
    ({"text": ""}, "Write the township's opinion."),
    ({"text": "   "}, "Write the township's opinion."),
    ({"text": "同意"}, "at least 10 characters"),
    ({"text": "x" * (MAX_OPINION + 1)}, f"longer than {MAX_OPINION} characters"),
    ({"text": FIRST, "suggested_grade": "great"}, "Suggest one of the four grades, or none."),
])
def test_bad_input_is_answered_in_the_page_and_nothing_is_stored(
        december, world, as_, form: dict[str, str], message: str) -> None:
    township = as_(december, "sup_t1")
    answer = _write(township, world["cadre_a"], **form)
    assert answer.status_code == 422
    html = unescape(answer.get_data(as_text=True))
    assert message in html
    if form["text"].strip():
        assert form["text"][:50] in html  # what was typed is given back
    assert _opinions(december, world["cadre_a"]) == []
    assert _audit(december) == []


def test_bad_input_in_chinese(december, world, as_) -> None:
    township = as_(december, "sup_t1", "zh")
    answer = _write(township, world["cadre_a"], text="同意")
    assert answer.status_code == 422
    assert "至少 10 个字" in answer.get_data(as_text=True)
    done = _write(township, world["cadre_a"], text=FIRST)
    assert "乡镇党委意见已记录" in township.get(done.location).get_data(as_text=True)


def test_a_version_written_meanwhile_is_not_overwritten(december, world, as_) -> None:
    township = as_(december, "sup_t1")
    _write(township, world["cadre_a"], text=FIRST)
    stale = _write(township, world["cadre_a"], text=SECOND)  # names no version it saw
    assert stale.status_code == 409
    assert "meanwhile" in stale.get_data(as_text=True)
    assert [o.text for o in _opinions(december, world["cadre_a"])] == [FIRST]


def test_not_before_the_opening_month(app: Flask, world, as_) -> None:
    app.config["FIXED_NOW"] = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    township = as_(app, "sup_t1")
    assert 'name="suggested_grade"' not in township.get(
        _sheet(world["cadre_a"])).get_data(as_text=True)
    answer = _write(township, world["cadre_a"], text=FIRST)
    assert answer.status_code == 422
    assert "from month 12" in answer.get_data(as_text=True)
    assert _opinions(app, world["cadre_a"]) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_cadre_reads_nothing_of_the_opinion(december, world, as_, lang: str) -> None:
    _write(as_(december, "sup_t1"), world["cadre_a"], text=FIRST, suggested_grade="basic")
    cadre = as_(december, "cadre_a", lang)
    for url in ("/my/assessment?year=2026", f"/cadres/{world['cadre_a']}?year=2026",
                "/"):
        html = cadre.get(url).get_data(as_text=True)
        assert "OpinionOne" not in html, url
        assert not [w for w in SPOTCHECK_WORDS if w in html], url


def test_the_demo_county_has_opinions_before_its_grades(december) -> None:
    from checkin.models import AssessmentDecision

    result = december.test_cli_runner().invoke(args=["seed-demo", "--password",
                                                     "training-room-1"])
    assert result.exit_code == 0, result.output
    with december.app_context():
        s = db.session()
        opinions = list(s.scalars(select(TownshipOpinion)))
        decisions = list(s.scalars(select(AssessmentDecision)))
        assert len(opinions) >= 6 and any(o.supersedes_id for o in opinions)
        graded = {d.user_id: d.decided_at for d in decisions}
        assert graded and all(o.written_at <= graded[o.user_id] for o in opinions
                              if o.user_id in graded)
        assert set(graded) <= {o.user_id for o in opinions}
