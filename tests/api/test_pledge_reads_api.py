"""Reading the yearly pledge and its quarterly reports over the API (年承诺、季报告, issue 19):
a cadre reads their own team's, a supervisor any team of their jurisdiction; another team
is not there at all (404, as for every out-of-jurisdiction id); bad query arguments are
a 400 the phone can show, never a 500."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.domain import pledges as rules
from checkin.models import Team, User
from checkin.services.reporting import pledges
from tests.api.openapi_check import check_all
from tests.web.test_jurisdiction_matrix import SPOTCHECK_WORDS

DECEMBER = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: Q4 is reported


@pytest.fixture
def december(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = DECEMBER
    return app


def _user(s, username: str) -> User:
    return s.scalars(select(User).where(User.username == username)).one()


@pytest.fixture
def reported(december: Flask, world) -> Flask:
    """Team A pledged two commitments for 2026; its Q4 report was returned by the township
    with a remark and handed in again (version 2, pending)."""
    with december.app_context():
        s = db.session()
        leader = _user(s, "cadre_a")
        team = s.get(Team, world["team_a"])
        pledges.write_pledge(s, leader, team, 2026, ["PledgeOne 修路", "PledgeTwo 走访"])
        q4 = rules.Quarter(2026, 4)
        first = pledges.submit_report(s, leader, team, pledges.ReportInput(
            q4, [("done", ""), ("in_progress", "完成60%")], "FirstSummary"))
        pledges.review(s, _user(s, "sup_t1"), first, "return", "ReturnRemark 请补充")
        pledges.submit_report(s, leader, team, pledges.ReportInput(
            q4, [("done", ""), ("done", "全部走访")], "SecondSummary"))
        s.commit()
    return december


def _get(client, token_for, who: str, query: str = "year=2026"):
    return client.get(f"/api/v1/pledges?{query}", headers=token_for(who))


def test_a_cadre_reads_their_own_teams_pledge_and_reports(reported, client, world,
                                                          token_for) -> None:
    for who in ("cadre_a", "cadre_a2"):  # the leader and a member
        answer = _get(client, token_for, who)
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert body["team_id"] == world["team_a"] and body["year"] == 2026
        assert body["pledge"]["items"] == ["PledgeOne 修路", "PledgeTwo 走访"]
        assert body["pledge"]["version"] == 1
        quarters = {q["quarter"]: q for q in body["quarters"]}
        assert list(quarters) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
        assert quarters["2026-Q1"] == {"quarter": "2026-Q1", "state": "none", "reports": []}
        q4 = quarters["2026-Q4"]
        assert q4["state"] == "pending"
        first, second = q4["reports"]
        assert (first["version"], first["status"]) == (1, "returned")
        assert first["review"]["decision"] == "return"
        assert first["review"]["remark"] == "ReturnRemark 请补充"
        assert (second["version"], second["status"], second["review"]) == (2, "pending", None)
        assert second["entries"][1] == {"item": "PledgeTwo 走访", "status": "done",
                                        "text": "全部走访"}
        text = answer.get_data(as_text=True)
        assert not [w for w in SPOTCHECK_WORDS if w in text]
    named = _get(client, token_for, "cadre_a2", f"year=2026&team_id={world['team_a']}")
    assert named.get_json() == _get(client, token_for, "cadre_a2").get_json()


def test_a_cadre_cannot_read_another_teams_pledge(reported, client, world, token_for) -> None:
    for who, team in (("cadre_a", "team_b"), ("cadre_b", "team_a"), ("cadre_c", "team_a")):
        answer = _get(client, token_for, who, f"year=2026&team_id={world[team]}")
        assert answer.status_code == 404, (who, team)
        assert answer.get_json()["error"]["code"] == "not_found"
        assert "PledgeOne" not in answer.get_data(as_text=True)
    missing = _get(client, token_for, "cadre_a", "year=2026&team_id=999999")
    assert missing.status_code == 404


def test_a_supervisor_reads_teams_of_their_jurisdiction_only(reported, client, world,
                                                             token_for) -> None:
    query = f"year=2026&team_id={world['team_a']}"
    for who in ("sup_t1", "sup_county", "admin"):
        answer = _get(client, token_for, who, query)
        assert answer.status_code == 200, who
        assert answer.get_json()["pledge"]["items"][0] == "PledgeOne 修路"
    # township B's supervisor does not learn that team A exists
    other = _get(client, token_for, "sup_t2", query)
    assert other.status_code == 404
    assert other.get_json() == _get(client, token_for, "sup_t2",
                                    "year=2026&team_id=999999").get_json()
    assert _get(client, token_for, "sup_t1", f"year=2026&team_id={world['team_b']}"
                ).status_code == 404
    # its own team without a pledge: an empty year
    own = _get(client, token_for, "sup_t2", f"year=2026&team_id={world['team_b']}").get_json()
    assert own["pledge"] is None and {q["state"] for q in own["quarters"]} == {"none"}
    # another year of team A: nothing pledged yet
    later = _get(client, token_for, "sup_t1", f"year=2027&team_id={world['team_a']}")
    assert later.get_json()["pledge"] is None


@pytest.mark.parametrize(("query", "code"), [
    ("year=abc", "invalid_year"),
    ("year=", "invalid_year"),
    ("year=99999", "invalid_year"),
    ("year=2026&team_id=abc", "not_an_integer"),
    ("year=2026&team_id=-1", "not_an_integer"),
])
def test_bad_arguments_are_a_400(reported, client, world, token_for, query, code) -> None:
    answer = _get(client, token_for, "sup_t1", query)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["error"]["code"] == code


def test_a_supervisor_names_the_team(reported, client, world, token_for) -> None:
    answer = _get(client, token_for, "sup_t1")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "field_required"
    assert answer.get_json()["error"]["fields"] == {"team_id": answer.get_json()["error"][
        "message"]}


def test_a_huge_team_id_is_not_a_500(reported, client, world, token_for) -> None:
    answer = _get(client, token_for, "sup_t1", "year=2026&team_id=" + "9" * 30)
    assert answer.status_code in (400, 404)


def test_the_answers_match_the_document(reported, client, world, token_for) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    with reported.app_context():  # team B pledges; its leader hands in from the phone
        s = db.session()
        pledges.write_pledge(s, _user(s, "cadre_b"), s.get(Team, world["team_b"]), 2026,
                             ["一"])
        s.commit()
    handed_in = client.post("/api/v1/quarter-reports", headers=token_for("cadre_b"), json={
        "id": str(uuid.uuid4()), "quarter": "2026-Q4", "entries": [{"status": "done"}]})
    assert handed_in.status_code == 201, handed_in.get_json()
    assert handed_in.get_json()["review"] is None
    checks = [("/quarter-reports", "post", handed_in)]
    checks += [("/pledges", "get", _get(client, token_for, who, query)) for who, query in (
        ("cadre_a2", "year=2026"), ("sup_t2", f"year=2026&team_id={world['team_b']}"),
        ("sup_t2", f"year=2026&team_id={world['team_a']}"), ("sup_t1", "year=abc"))]
    check_all(doc, checks)
    assert {r.status_code for _p, _m, r in checks} == {201, 200, 404, 400}


def test_no_query_per_report(reported, client, world, token_for) -> None:
    from sqlalchemy import event

    headers = token_for("sup_county")

    def statements(team: str) -> int:
        seen: list[str] = []

        def note(_conn, _cursor, statement, *_args) -> None:
            seen.append(statement)

        engine = reported.extensions["checkin_engine"]
        event.listen(engine, "before_cursor_execute", note)
        try:
            answer = client.get(f"/api/v1/pledges?year=2026&team_id={world[team]}",
                                headers=headers)
            assert answer.status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", note)
        return len(seen)

    # team B has nothing; team A's two versions add one statement each for the pledge's
    # writer and the reports' reviews, reviewers and submitters, not one per report
    assert statements("team_a") == statements("team_b") + 4
