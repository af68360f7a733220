"""GET /api/v1/evaluation/<quarter>: the quarter's figures as the document says, in the
reader's jurisdiction only; cadres get 404."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from checkin import db
from checkin.domain import public_evaluation as pe
from checkin.models import Household, User
from checkin.scope import Scope
from checkin.services.evaluation import answers
from tests.api.openapi_check import check_all

Q = "2026-Q4"


@pytest.fixture
def answered(app: Flask, world) -> Flask:
    app.config["FIXED_NOW"] = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    with app.app_context():
        s = db.session()
        actor = s.get(User, world["sup_t1"])
        for n, rating in enumerate(["satisfied"] * 4 + ["unsatisfied"]):
            household = Household(code=f"HZ{n}", head_name=f"HeadZ{n}", village_id=world["va"],
                                  status="poor", helper_id=world["cadre_a"])
            s.add(household)
            s.flush()
            answers.answer_by_call(s, Scope.for_user(actor), actor, household, Q, rating,
                                   {world["cadre_a"]: pe.CadreAnswer(True, rating),
                                    world["cadre_a2"]: pe.CadreAnswer(False)}, "电话")
        s.commit()
    return app


def test_the_results_match_the_document(answered: Flask, client, world, token_for) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    county = token_for("sup_county")
    found = client.get(f"/api/v1/evaluation/{Q}", headers=county)
    assert found.status_code == 200
    body = found.get_json()
    assert (body["total"]["n"], body["total"]["satisfaction"], body["total"]["judged"]) == (
        5, 0.8, True)
    cadres = {c["user_id"]: c for c in body["cadres"]}
    assert cadres[world["cadre_a"]]["n"] == 5
    assert cadres[world["cadre_a2"]]["known_share"] == 0.0
    assert "电话" not in found.get_data(as_text=True)  # no household's answer
    checks = [("/evaluation/{quarter}", "get", found),
              ("/evaluation/{quarter}", "get",
               client.get("/api/v1/evaluation/2026-Q9", headers=county)),
              ("/evaluation/{quarter}", "get",
               client.get("/api/v1/evaluation/2027-Q2", headers=county))]
    assert [r.status_code for _p, _m, r in checks] == [200, 400, 422]
    check_all(doc, checks)


@pytest.mark.parametrize(("who", "status", "n"), [
    ("sup_t1", 200, 5), ("sup_t2", 200, 0), ("cadre_a", 404, None), ("cadre_b", 404, None),
])
def test_the_results_stay_in_jurisdiction(answered: Flask, client, world, token_for, who: str,
                                          status: int, n: int | None) -> None:
    response = client.get(f"/api/v1/evaluation/{Q}", headers=token_for(who))
    assert response.status_code == status
    if n is not None:
        assert response.get_json()["total"]["n"] == n


def test_another_jurisdictions_area_is_404(answered: Flask, client, world, token_for) -> None:
    response = client.get(f"/api/v1/evaluation/{Q}?area_id={world['t1']}",
                          headers=token_for("sup_t2"))
    assert response.status_code == 404


def test_the_dossier_carries_the_evaluation_as_documented(answered: Flask, client, world,
                                                          token_for) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    path = f"/api/v1/cadres/{world['cadre_a']}/dossier?year=2026"
    theirs = client.get(path, headers=token_for("sup_t1"))
    own = client.get(path, headers=token_for("cadre_a"))
    assert theirs.get_json()["evaluation"] == [{"quarter": Q, "why": None, "figure": {
        "n": 5, "satisfied": 4, "basic": 0, "unsatisfied": 1, "satisfaction": 0.8,
        "known_share": 1.0, "flagged": 0, "judged": True}}]
    # the quarter runs: the cadre's own file says so and gives no figure
    assert own.get_json()["evaluation"] == [{"quarter": Q, "why": "running", "figure": None}]
    check_all(doc, [("/cadres/{user_id}/dossier", "get", theirs),
                    ("/cadres/{user_id}/dossier", "get", own)])
