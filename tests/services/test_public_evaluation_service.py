"""季众评 on the services and the database: links made once and kept hashed, one answer per
household and quarter (held by the database), links that die with the quarter or a new
sheet, calls entered only in scope, answers insert-only, flagged answers left out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from checkin import db
from checkin.domain import public_evaluation as pe
from checkin.domain.refusal import Refusal
from checkin.models import (
    AuditEntry,
    EvaluationAnswer,
    EvaluationLink,
    Household,
    User,
    Village,
)
from checkin.scope import Scope
from checkin.services.evaluation import answers, links, results
from checkin.settings import policy

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Yuexi, 2026-Q4
Q = "2026-Q4"


@pytest.fixture
def q4(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def _user(world, key: str) -> User:
    return db.session().get(User, world[key])


def sheet(world, village: str = "va", who: str = "sup_t1") -> links.Sheet:
    s = db.session()
    actor = _user(world, who)
    found = links.issue_sheet(s, Scope.for_user(actor), actor, s.get(Village, world[village]),
                              Q, 0)
    s.commit()
    return found


def good(world, village: str = "a") -> dict[int, pe.CadreAnswer]:
    return {world[f"cadre_{village}"]: pe.CadreAnswer(True, "satisfied"),
            world[f"cadre_{village}2"]: pe.CadreAnswer(False)}


def answer(world, token: str, rating: str = "satisfied", device: str = "",
           signed_in: User | None = None, village: str = "a") -> EvaluationAnswer:
    s = db.session()
    link = links.open_link(s, token)
    assert link is not None
    found = answers.answer_by_link(s, link, rating, good(world, village), "好", device,
                                   signed_in)
    s.commit()
    return found


def test_a_sheet_has_a_link_per_household_kept_only_as_its_hash(q4: Flask, world) -> None:
    with q4.app_context():
        made = sheet(world)
        assert len(made.lines) == 3 and all(line.token for line in made.lines)
        stored = list(db.session().scalars(select(EvaluationLink.token_hash)))
        assert len(stored) == 3
        for line in made.lines:
            assert line.token is not None and len(line.token) >= 20
            assert line.token not in stored
            assert links.token_hash(line.token) in stored
        entry = db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == "evaluation.sheet")).one()
        assert entry.detail["links"] == 3


def test_one_answer_per_household_and_quarter(q4: Flask, world) -> None:
    with q4.app_context():
        token = sheet(world).lines[0].token
        assert token is not None
        first = answer(world, token)
        assert (first.channel, first.quarter, first.team_id) == ("qr", Q, world["team_a"])
        with pytest.raises(Refusal) as caught:
            answer(world, token)
        assert caught.value.code == "evaluation_answered"
        db.session().rollback()
        # a new sheet does not give an answered household a second chance
        again = sheet(world)
        assert [line.token for line in again.lines].count(None) == 1


def test_the_database_holds_one_answer_per_household(q4: Flask, world) -> None:
    with q4.app_context():
        token = sheet(world).lines[0].token
        assert token is not None
        first = answer(world, token)
        s = db.session()
        s.add(EvaluationAnswer(household_id=first.household_id, village_id=first.village_id,
                               quarter=Q, channel="call", entered_by_id=world["sup_t1"],
                               team_rating="unsatisfied", remark=""))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()


def test_answers_are_insert_only(q4: Flask, world) -> None:
    with q4.app_context():
        token = sheet(world).lines[0].token
        assert token is not None
        first = answer(world, token, rating="unsatisfied")
        s = db.session()
        for statement in (update(EvaluationAnswer).values(team_rating="satisfied"),
                          text("DELETE FROM evaluation_ratings"),
                          text("DELETE FROM evaluation_answers")):
            with pytest.raises(DBAPIError):
                s.execute(statement)
            s.rollback()
        assert s.get(EvaluationAnswer, first.id).team_rating == "unsatisfied"


def test_a_link_dies_with_its_quarter(q4: Flask, world) -> None:
    with q4.app_context():
        token = sheet(world).lines[0].token
        assert links.open_link(db.session(), token or "") is not None
        q4.config["FIXED_NOW"] = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 local
        assert links.open_link(db.session(), token or "") is not None
        q4.config["FIXED_NOW"] = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 2027-01-01
        assert links.open_link(db.session(), token or "") is None


def test_a_new_sheet_kills_the_old_links(q4: Flask, world) -> None:
    with q4.app_context():
        old = sheet(world).lines[0].token
        new = sheet(world).lines[0].token
        assert old != new
        assert links.open_link(db.session(), old or "") is None
        assert links.open_link(db.session(), new or "") is not None


@pytest.mark.parametrize("token", ["", "x", "A" * 22, "A" * 500])
def test_an_unknown_link_opens_nothing(q4: Flask, world, token: str) -> None:
    with q4.app_context():
        sheet(world)
        assert links.open_link(db.session(), token) is None


def test_a_household_that_moved_keeps_no_link(q4: Flask, world) -> None:
    with q4.app_context():
        made = sheet(world)
        s = db.session()
        household = made.lines[0].household
        s.execute(update(Household).where(Household.id == household.id)
                  .values(village_id=world["vb"]))
        s.commit()
        s.expire_all()
        assert links.open_link(s, made.lines[0].token or "") is None


@pytest.mark.parametrize(("who", "village", "allowed"), [
    ("sup_t1", "va", True), ("sup_county", "va", True), ("admin", "vc", True),
    ("sup_t2", "va", False), ("cadre_a", "va", False), ("cadre_a2", "va", False),
])
def test_only_a_supervisor_in_scope_prints_the_sheet(q4: Flask, world, who: str, village: str,
                                                     allowed: bool) -> None:
    with q4.app_context():
        user = _user(world, who)
        found = links.village_in_scope(db.session(), Scope.for_user(user), world[village])
        assert (found is not None) is allowed


def test_no_sheet_for_a_quarter_that_is_over(q4: Flask, world) -> None:
    with q4.app_context():
        s = db.session()
        actor = _user(world, "sup_t1")
        with pytest.raises(Refusal) as caught:
            links.issue_sheet(s, Scope.for_user(actor), actor, s.get(Village, world["va"]),
                              "2026-Q3", 0)
        assert caught.value.code == "evaluation_quarter_over"


def _household(world, key: str) -> Household:
    return db.session().scalars(select(Household).where(Household.code == key)).one()


@pytest.mark.parametrize(("who", "allowed"), [
    ("sup_t1", True), ("sup_county", True), ("admin", True),
    ("sup_t2", False), ("cadre_a", False), ("cadre_b", False),
])
def test_a_call_is_entered_by_a_supervisor_in_scope(q4: Flask, world, who: str,
                                                    allowed: bool) -> None:
    with q4.app_context():
        s = db.session()
        actor = _user(world, who)
        household = _household(world, "Ha0")
        if not allowed:
            with pytest.raises(Refusal) as caught:
                answers.answer_by_call(s, Scope.for_user(actor), actor, household, Q,
                                       "basic", good(world), "")
            assert caught.value.code == "not_found"
            return
        made = answers.answer_by_call(s, Scope.for_user(actor), actor, household, Q,
                                      "basic", good(world), "电话回访")
        s.commit()
        assert (made.channel, made.entered_by_id, made.link_id) == ("call", actor.id, None)
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation.call")
                         ).one().entity_id == str(made.id)


def test_a_call_for_a_quarter_that_is_over_is_refused(q4: Flask, world) -> None:
    with q4.app_context():
        s = db.session()
        actor = _user(world, "sup_t1")
        with pytest.raises(Refusal) as caught:
            answers.answer_by_call(s, Scope.for_user(actor), actor, _household(world, "Ha0"),
                                   "2026-Q3", "basic", good(world), "")
        assert caught.value.code == "evaluation_quarter_over"


def test_results_leave_flagged_answers_out(q4: Flask, world) -> None:
    """The leader fills in the three links on their own phone, signed in: all flagged."""
    with q4.app_context():
        made = sheet(world)
        leader = _user(world, "cadre_a")
        for n, line in enumerate(made.lines):
            q4.config["FIXED_NOW"] = NOW + timedelta(minutes=n)
            answer(world, line.token or "", device="phone-1",
                   signed_in=leader if n == 0 else None)
        s = db.session()
        area = s.get(Village, world["va"])
        found, _pages, count = results.village_answers(s, area, Q, policy())
        assert count == 3
        assert {line.answer.id: line.flags for line in found} == {
            line.answer.id: (("burst", "signed_in") if line.answer.signed_in_user_id
                             else ("burst",)) for line in found}
        sup = _user(world, "sup_county")
        r = results.quarter_results(s, Scope.for_user(sup), sup.area, Q, policy())
        assert (r.total.n, r.total.tally.flagged, r.flagged) == (0, 3, 3)
        assert all(line.result.n == 0 for line in r.cadres)


def _answers_in_a(q4: Flask, world, ratings: list[str]) -> None:
    s = db.session()
    actor = _user(world, "sup_t1")
    extra = [Household(code=f"HX{n}", head_name=f"HeadX{n}", village_id=world["va"],
                       status="poor", helper_id=world["cadre_a"]) for n in range(len(ratings))]
    s.add_all(extra)
    s.flush()
    for n, (household, rating) in enumerate(zip(extra, ratings, strict=True)):
        q4.config["FIXED_NOW"] = NOW + timedelta(minutes=n)
        answers.answer_by_call(s, Scope.for_user(actor), actor, household, Q, rating,
                               {world["cadre_a"]: pe.CadreAnswer(True, rating),
                                world["cadre_a2"]: pe.CadreAnswer(False)}, "")
    s.commit()


def test_results_per_cadre_team_unit_and_township_with_n(q4: Flask, world) -> None:
    with q4.app_context():
        _answers_in_a(q4, world, ["satisfied"] * 3 + ["basic", "unsatisfied", "unsatisfied"])
        s = db.session()
        sup = _user(world, "sup_county")
        r = results.quarter_results(s, Scope.for_user(sup), sup.area, Q, policy())
        assert r.total.n == 6 and r.total.share == pytest.approx(4 / 6)
        assert [(line.key, line.result.n) for line in r.teams] == [(world["team_a"], 6)]
        assert [line.label for line in r.units] == ["UnitOne局"]
        assert [line.label for line in r.townships] == ["TownOne镇"]
        by_cadre = {line.key: line.result for line in r.cadres}
        assert by_cadre[world["cadre_a"]].n == 6 and by_cadre[world["cadre_a"]].judged
        # the member was known by nobody: no rating, a known share of 0
        assert by_cadre[world["cadre_a2"]].n == 0
        assert by_cadre[world["cadre_a2"]].known_share == 0.0
        assert by_cadre[world["cadre_a2"]].too_few


def test_results_stay_in_the_readers_jurisdiction(q4: Flask, world) -> None:
    with q4.app_context():
        _answers_in_a(q4, world, ["satisfied"] * 5)
        s = db.session()
        other = _user(world, "sup_t2")
        r = results.quarter_results(s, Scope.for_user(other), _user(world, "sup_county").area,
                                    Q, policy())
        assert r.total.n == 0 and r.teams == [] and r.cadres == []


def test_a_cadre_file_shows_quarters_and_the_bulletin_gets_the_month(q4: Flask, world
                                                                     ) -> None:
    with q4.app_context():
        _answers_in_a(q4, world, ["satisfied"] * 4 + ["unsatisfied"])
        s = db.session()
        quarters = results.cadre_quarters(s, _user(world, "cadre_a"), 2026, policy())
        assert [(q, r.n, r.share) for q, r in quarters] == [(Q, 5, 0.8)]
        month = results.team_month(s, [world["team_a"], world["team_b"]], date(2026, 11, 1),
                                   date(2026, 11, 30), policy())
        assert {k: (t.answers, t.satisfied) for k, t in month.items()} == {
            world["team_a"]: (5, 4)}
        assert results.team_month(s, [world["team_a"]], date(2026, 10, 1),
                                  date(2026, 10, 31), policy()) == {}


def test_the_evaluation_joins_the_bulletins_satisfaction_and_its_warning(q4: Flask, world
                                                                         ) -> None:
    from checkin.services.reporting import bulletin

    with q4.app_context():
        _answers_in_a(q4, world, ["satisfied", "basic"] + ["unsatisfied"] * 4)
        s = db.session()
        sup = _user(world, "sup_county")
        b = bulletin.monthly_bulletin(s, Scope.for_user(sup), sup.area, "2026-11",
                                      date(2026, 12, 2), policy())
        row = next(line.row for line in b.lines if line.row.team_id == world["team_a"])
        # the world's one back-check of team A (satisfied) and the six evaluation answers
        assert row.satisfaction_answers == 7 and row.satisfaction_judged
        assert row.satisfaction_share == pytest.approx(3 / 7)
        assert row.satisfaction_warning  # below 70 %
        other = next(line.row for line in b.lines if line.row.team_id == world["team_b"])
        assert not other.satisfaction_warning
        # answers of another month do not count in November's
        october = bulletin.monthly_bulletin(s, Scope.for_user(sup), sup.area, "2026-10",
                                             date(2026, 12, 2), policy())
        row_oct = next(line.row for line in october.lines
                       if line.row.team_id == world["team_a"])
        assert not row_oct.satisfaction_warning
