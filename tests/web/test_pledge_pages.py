"""The yearly pledge and the quarterly report (年承诺、季报告): the team leader pledges and
reports, the township approves or returns, a returned report comes back as a new version;
the pledge is fixed once a quarter is reported; the phone hands in through the API exactly
once; nothing is ever changed in place."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select, text

from checkin import db
from checkin.models import QuarterReport, QuarterReportReview, TeamPledge
from tests.conftest import csrf_from
from tests.web.test_jurisdiction_matrix import SPOTCHECK_WORDS

DECEMBER = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)


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


def _page(world) -> str:
    return f"/teams/{world['team_a']}/pledge?quarter=2026-Q4"


def _pledge(client, world, items: str):
    token = csrf_from(client, _page(world))
    return client.post(f"/teams/{world['team_a']}/pledge",
                       data={"csrf_token": token, "year": "2026", "items": items})


def _hand_in(client, world, **entries: str):
    token = csrf_from(client, _page(world))
    return client.post(f"/teams/{world['team_a']}/quarter-report",
                       data={"csrf_token": token, "quarter": "2026-Q4", **entries})


def _review(client, world, report_id: int, decision: str, remark: str = ""):
    token = csrf_from(client, _page(world))
    return client.post(f"/quarter-reports/{report_id}/review",
                       data={"csrf_token": token, "decision": decision, "remark": remark})


def _rows(app: Flask, model):
    with app.app_context():
        found = list(db.session().scalars(select(model).order_by(model.id)))
        db.session().expunge_all()
        return found


def test_pledge_report_return_and_resubmit(december, world, as_) -> None:
    leader = as_(december, "cadre_a")
    _pledge(leader, world, "发展集体经济\n\n走访全部贫困户")
    [pledge] = _rows(december, TeamPledge)
    assert pledge.items == ["发展集体经济", "走访全部贫困户"]

    refused = _hand_in(leader, world, status_0="done", status_1="not_done", text_1=" ")
    assert "Commitment 2 is not done" in leader.get(refused.location).get_data(as_text=True)
    assert _rows(december, QuarterReport) == []
    _hand_in(leader, world, status_0="done", status_1="in_progress", text_1="FirstText 完成60%")
    [first] = _rows(december, QuarterReport)
    assert (first.version, first.entries[1]["status"]) == (1, "in_progress")

    again = _hand_in(leader, world, status_0="done", status_1="done")
    assert "waits for the township" in leader.get(again.location).get_data(as_text=True)
    rewrite = _pledge(leader, world, "只写容易做到的一项")
    assert "is fixed" in leader.get(rewrite.location).get_data(as_text=True)
    assert len(_rows(december, TeamPledge)) == 1

    township = as_(december, "sup_t1")
    html = township.get(_page(world)).get_data(as_text=True)
    assert "FirstText" in html and "Return to the team" in html
    no_remark = _review(township, world, first.id, "return")
    assert "Say what the team should change" in township.get(
        no_remark.location).get_data(as_text=True)
    _review(township, world, first.id, "return", "ReturnRemark 请补充第二项")
    [returned] = _rows(december, QuarterReportReview)
    assert returned.decision == "return"

    html = leader.get(_page(world)).get_data(as_text=True)
    assert "ReturnRemark" in html and "Hand in again (version 2)" in html
    _hand_in(leader, world, status_0="done", status_1="done", text_1="SecondText")
    first_again, second = _rows(december, QuarterReport)
    assert first_again.entries[1]["text"] == "FirstText 完成60%"  # the first stays
    assert second.version == 2
    stale = _review(township, world, first.id, "approve")  # the old version
    assert "not waiting for a review" in township.get(stale.location).get_data(as_text=True)
    _review(township, world, second.id, "approve")
    overview = township.get("/pledges?quarter=2026-Q4").get_data(as_text=True)
    assert "Approved" in overview and "Version 2" in overview


def test_who_may_write_and_review(december, world, as_) -> None:
    member = as_(december, "cadre_a2")
    _pledge(member, world, "x")
    assert _rows(december, TeamPledge) == []  # only the leader
    leader = as_(december, "cadre_a")
    _pledge(leader, world, "x")
    _hand_in(leader, world, status_0="done")
    [report] = _rows(december, QuarterReport)
    other_township = as_(december, "sup_t2")
    assert other_township.get(_page(world)).status_code == 404
    assert _review(other_township, world, report.id, "approve").status_code == 404
    assert as_(december, "cadre_b").get(_page(world)).status_code == 404
    assert _review(leader, world, report.id, "approve").status_code == 404
    assert _rows(december, QuarterReportReview) == []
    county = as_(december, "sup_county")
    _review(county, world, report.id, "approve")
    assert [r.decision for r in _rows(december, QuarterReportReview)] == ["approve"]


def test_not_before_the_quarters_last_month(app: Flask, world, as_) -> None:
    app.config["FIXED_NOW"] = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    leader = as_(app, "cadre_a")
    _pledge(leader, world, "x")
    answer = _hand_in(leader, world, status_0="done")
    assert "from its last month on" in leader.get(answer.location).get_data(as_text=True)
    assert _rows(app, QuarterReport) == []


def test_the_phone_hands_in_once_by_its_id(december, world, as_, token_for) -> None:
    leader = as_(december, "cadre_a")
    _pledge(leader, world, "一\n二")
    headers = token_for("cadre_a")
    body = {"id": str(uuid.uuid4()), "quarter": "2026-Q4", "summary": "思想稳定",
            "entries": [{"status": "done"}, {"status": "not_done", "text": "资金未到位"}]}
    api = december.test_client()
    made = api.post("/api/v1/quarter-reports", json=body, headers=headers)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["status"] == "pending" and made.get_json()["version"] == 1
    replay = api.post("/api/v1/quarter-reports", json=body, headers=headers)
    assert replay.status_code == 200 and replay.get_json() == made.get_json()
    changed = api.post("/api/v1/quarter-reports", json={**body, "summary": "另一个"},
                       headers=headers)
    assert changed.status_code == 409
    other = api.post("/api/v1/quarter-reports", json={**body, "id": str(uuid.uuid4())},
                     headers=headers)
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "report_waiting"
    short = api.post("/api/v1/quarter-reports", json={
        **body, "id": str(uuid.uuid4()), "entries": [{"status": "done"}]},
        headers=token_for("cadre_b"))
    assert short.status_code == 409  # team B has no pledge
    assert len(_rows(december, QuarterReport)) == 1
    member = api.post("/api/v1/quarter-reports", json={**body, "id": str(uuid.uuid4())},
                      headers=token_for("cadre_a2"))
    assert member.status_code == 403


def test_pledges_and_reports_are_insert_only(december, world, as_) -> None:
    leader = as_(december, "cadre_a")
    _pledge(leader, world, "x")
    _hand_in(leader, world, status_0="done")
    _review(as_(december, "sup_t1"), world, _rows(december, QuarterReport)[0].id, "approve")
    with december.app_context():
        s = db.session()
        for table in ("team_pledges", "quarter_reports", "quarter_report_reviews"):
            with pytest.raises(Exception, match="insert-only"):
                s.execute(text(f"DELETE FROM {table}"))
            s.rollback()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_team_page_says_nothing_of_checks(december, world, as_, lang: str) -> None:
    leader = as_(december, "cadre_a", lang)
    _pledge(leader, world, "x")
    html = leader.get(_page(world)).get_data(as_text=True)
    assert 'data-outbox="quarter_report"' in html
    assert "entries.0.status" in html
    assert not [w for w in SPOTCHECK_WORDS if w in html]
    assert leader.get("/my/pledge").status_code == 302


def test_the_pledge_and_its_quarters_are_in_the_cadres_file(december, world, as_) -> None:
    leader = as_(december, "cadre_a")
    _pledge(leader, world, "PledgeItemMarker 修路")
    _hand_in(leader, world, status_0="done")
    for who, user in (("cadre_a", "cadre_a"), ("cadre_a2", "cadre_a2"), ("sup_t1", "cadre_a2")):
        html = as_(december, who).get(f"/cadres/{world[user]}?year=2026").get_data(
            as_text=True)
        assert "PledgeItemMarker" in html and "Waiting for the township" in html, who
