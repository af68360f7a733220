"""The annual assessment (年考核) on its pages: who may give the grade (the county in scope;
never the township, the cadre or an admin), a grade above the rules' ceiling needs its own
reason and stays marked, a decision is never changed (a new one replaces it), and the
cadre's own sheet says nothing of checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select, text

from checkin import db
from checkin.models import AssessmentDecision, AuditEntry
from tests.conftest import csrf_from
from tests.web.test_jurisdiction_matrix import SPOTCHECK_WORDS

DECEMBER = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in China


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


def _absent(app: Flask, world, token_for) -> None:
    """The township's presence check finds cadre A away without leave."""
    answer = app.test_client().post(
        f"/api/v1/spotchecks/{world['presence_a']}/result",
        json={"method": "phone", "outcome": "not_confirmed"}, headers=token_for("sup_t1"))
    assert answer.status_code in (200, 201), answer.get_json()


def _decide(client, user_id: int, **form: str):
    url = f"/assessments/{user_id}?year=2026"
    token = csrf_from(client, url) if client.get(url).status_code == 200 else csrf_from(
        client, "/")
    return client.post(url, data={"csrf_token": token, **form})


def _decisions(app: Flask, user_id: int) -> list[AssessmentDecision]:
    with app.app_context():
        found = list(db.session().scalars(select(AssessmentDecision).where(
            AssessmentDecision.user_id == user_id).order_by(AssessmentDecision.sequence)))
        db.session().expunge_all()
        return found


def test_one_absence_caps_the_grade_and_an_excuse_is_written_and_marked(
        december, world, as_, token_for) -> None:
    _absent(december, world, token_for)
    county = as_(december, "sup_county")
    html = county.get(f"/assessments/{world['cadre_a']}?year=2026").get_data(as_text=True)
    assert "Absent from post without leave, found by checks: 1 time(s)" in html
    assert "at most Competent" in html

    refused = _decide(county, world["cadre_a"], grade="excellent", reason="表现突出",
                      override_reason="同意")
    assert refused.status_code == 302
    assert _decisions(december, world["cadre_a"]) == []  # "同意" is no reason
    assert "write why" in county.get(refused.location).get_data(as_text=True)

    done = _decide(county, world["cadre_a"], grade="excellent", reason="表现突出",
                   override_reason="当日经县领导同意赴县城开会，有会议记录为证")
    assert done.status_code == 302
    [made] = _decisions(december, world["cadre_a"])
    assert (made.grade, made.ceiling, made.above_ceiling) == ("excellent", "competent", True)
    listing = county.get("/assessments?year=2026").get_data(as_text=True)
    assert "Above the ceiling" in listing
    sheet = county.get(f"/assessments/{world['cadre_a']}?year=2026").get_data(as_text=True)
    assert "会议记录为证" in sheet and "Above the ceiling (Competent)" in sheet
    printed = county.get(f"/assessments/{world['cadre_a']}/print?year=2026")
    assert printed.status_code == 200
    assert "会议记录为证" in printed.get_data(as_text=True)
    with december.app_context():
        entry = db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == "assessment.decided")).one()
        assert entry.detail["above_ceiling"] is True


def test_within_the_ceiling_a_reason_is_enough(december, world, as_) -> None:
    county = as_(december, "sup_county")
    assert _decide(county, world["cadre_b"], grade="competent",
                   reason="全年在岗").status_code == 302
    [made] = _decisions(december, world["cadre_b"])
    assert (made.grade, made.above_ceiling, made.override_reason) == ("competent", False, "")
    assert _decide(county, world["cadre_b2"], grade="competent",
                   reason="  ").status_code == 302
    assert _decisions(december, world["cadre_b2"]) == []


@pytest.mark.parametrize("who", ["sup_t1", "cadre_a", "admin"])
def test_only_the_county_grades(december, world, as_, who: str) -> None:
    client = as_(december, who)
    answer = _decide(client, world["cadre_a"], grade="competent", reason="x")
    if who == "cadre_a":
        assert answer.status_code == 404  # a supervisor's page
    else:
        assert answer.status_code == 302
        assert "given by the county" in client.get(answer.location).get_data(as_text=True)
    assert _decisions(december, world["cadre_a"]) == []


def test_a_county_outside_gets_404(december, world, as_, app: Flask) -> None:
    from checkin.models import Area, User
    from tests.conftest import _user

    with app.app_context():
        s = db.session()
        other = s.scalars(select(Area).where(Area.code == "3409")).one()
        _user(s, "sup_county2", "SupCountyTwo", "supervisor", area_id=other.id)
        s.commit()
        assert s.scalars(select(User).where(User.username == "sup_county2")).one()
    client = as_(december, "sup_county2")
    assert client.get(f"/assessments/{world['cadre_a']}?year=2026").status_code == 404
    assert client.get(f"/assessments/{world['cadre_a']}/print?year=2026").status_code == 404
    token = csrf_from(client, "/assessments")
    assert client.post(f"/assessments/{world['cadre_a']}?year=2026", data={
        "csrf_token": token, "grade": "competent", "reason": "x"}).status_code == 404
    assert "CadreALeader" not in client.get("/assessments?year=2026").get_data(as_text=True)


def test_a_new_decision_replaces_the_old_one_which_stays(december, world, as_) -> None:
    county = as_(december, "sup_county")
    _decide(county, world["cadre_b"], grade="competent", reason="FirstReason")
    [first] = _decisions(december, world["cadre_b"])
    stale = _decide(county, world["cadre_b"], grade="basic", reason="x")  # no "replaces"
    assert "meanwhile" in county.get(stale.location).get_data(as_text=True)
    _decide(county, world["cadre_b"], grade="basic", reason="SecondReason",
            replaces=str(first.id))
    first_again, second = _decisions(december, world["cadre_b"])
    assert (first_again.grade, first_again.reason) == ("competent", "FirstReason")
    assert (second.grade, second.supersedes_id, second.sequence) == ("basic", first.id, 2)
    html = county.get(f"/assessments/{world['cadre_b']}?year=2026").get_data(as_text=True)
    assert "FirstReason" in html and "SecondReason" in html and "Replaced" in html


def test_decisions_are_insert_only(december, world, as_) -> None:
    county = as_(december, "sup_county")
    _decide(county, world["cadre_b"], grade="competent", reason="x")
    with december.app_context():
        s = db.session()
        with pytest.raises(Exception, match="insert-only"):
            s.execute(text("UPDATE assessment_decisions SET grade = 'excellent'"))
        s.rollback()
        with pytest.raises(Exception, match="insert-only"):
            s.execute(text("DELETE FROM assessment_decisions"))
        s.rollback()


def test_not_before_the_opening_month(app: Flask, world, as_) -> None:
    app.config["FIXED_NOW"] = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    county = as_(app, "sup_county")
    answer = _decide(county, world["cadre_b"], grade="competent", reason="x")
    assert "from month 12" in county.get(answer.location).get_data(as_text=True)
    assert _decisions(app, world["cadre_b"]) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_cadre_sees_the_grade_once_given_and_nothing_of_checks(
        december, world, as_, token_for, lang: str) -> None:
    _absent(december, world, token_for)
    cadre = as_(december, "cadre_a", lang)
    before = cadre.get("/my/assessment?year=2026").get_data(as_text=True)
    assert not [w for w in SPOTCHECK_WORDS if w in before]
    assert "Absent" not in before and "脱岗" not in before
    county = as_(december, "sup_county")
    _decide(county, world["cadre_a"], grade="competent", reason="GradeReasonMarker")
    after = cadre.get("/my/assessment?year=2026").get_data(as_text=True)
    assert "GradeReasonMarker" in after
    assert ("称职" if lang == "zh" else "Competent") in after
    assert not [w for w in SPOTCHECK_WORDS if w in after]
    assert cadre.get(f"/assessments/{world['cadre_a']}").status_code == 404
    assert cadre.get("/assessments").status_code == 404


def test_the_county_list_is_a_page_of_queries_not_a_query_per_cadre(
        december, world, as_, token_for) -> None:
    from sqlalchemy import event

    from checkin.models import User
    from tests.conftest import _user, new_checkin

    county = as_(december, "sup_county")
    with december.app_context():
        engine = db.session().get_bind()
    counted: list[str] = []

    def count(*_args) -> None:
        counted.append("q")

    def queries() -> int:
        counted.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert county.get("/assessments?year=2026").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(counted)

    _decide(county, world["cadre_b"], grade="competent", reason="x")
    few = queries()
    _absent(december, world, token_for)
    with december.app_context():
        s = db.session()
        leader = s.get(User, world["cadre_a"])
        for n in range(6):  # six more cadres, each with a check-in
            more = _user(s, f"extra{n}", f"Extra{n}", "cadre", village_id=leader.village_id,
                         team_id=leader.team_id, unit_id=leader.unit_id)
            new_checkin(s, more)
        s.commit()
    for n in range(3):
        _decide(county, world["cadre_a"] if n == 0 else world["cadre_a2"] if n == 1
                else world["cadre_b2"], grade="competent", reason="x",
                override_reason="因公出差，有县里的派遣通知为证据")
    assert queries() == few
    assert few < 40


@pytest.mark.parametrize(("duty", "status"), [("audit", 404), ("security", 404),
                                              ("system", 200)])
def test_with_duties_separated_only_the_system_admin_reads(december, world, as_,
                                                           duty: str, status: int) -> None:
    from checkin.models import User

    december.config["SEPARATION_OF_DUTIES"] = True
    with december.app_context():
        s = db.session()
        s.get(User, world["admin"]).duty = duty
        s.commit()
    client = as_(december, "admin")
    assert client.get("/assessments?year=2026").status_code == status
    assert client.get(f"/assessments/{world['cadre_a']}?year=2026").status_code == status
    if status == 200:  # reading is not grading
        answer = _decide(client, world["cadre_a"], grade="competent", reason="x")
        assert "given by the county" in client.get(answer.location).get_data(as_text=True)
    assert _decisions(december, world["cadre_a"]) == []


def test_the_export_has_every_cadre_of_the_scope_with_the_grade(december, world,
                                                                as_) -> None:
    from tests.web.test_jurisdiction_matrix import body_text

    county = as_(december, "sup_county")
    _decide(county, world["cadre_b"], grade="basic", reason="ExportReason")
    sheet = body_text(county.get("/assessments.xlsx?year=2026"))
    assert "CadreBLeader" in sheet and "基本称职" in sheet and "ExportReason" in sheet
    assert "CadreAMember" in sheet and "CadreCLeader" not in sheet
    township = body_text(as_(december, "sup_t1").get("/assessments.csv?year=2026"))
    assert "CadreALeader" in township and "CadreBLeader" not in township
