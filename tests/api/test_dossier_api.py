"""The cadre's file (一人一档) over the API: GET /api/v1/cadres/<id>/dossier?year=. A
supervisor reads the cadres of its jurisdiction, a cadre its own file without any spot
check; anyone else gets 404."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask

from checkin import db
from checkin.models import BulletinPublication

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def fixed(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def dossier(client, headers, user_id: int, year: int = 2026):
    return client.get(f"/api/v1/cadres/{user_id}/dossier?year={year}", headers=headers)


def test_a_supervisor_reads_a_cadres_year(fixed, client, world, token_for, make_checkin,
                                          make_leave) -> None:
    make_checkin("cadre_a", day=date(2026, 11, 2))
    make_checkin("cadre_a", day=date(2026, 11, 3), counts_for_day=False, in_fence=False,
                 flags="outside_fence", distance_m=2400)
    make_leave("cadre_a", kind="sick", start_date=date(2026, 11, 9),
               end_date=date(2026, 11, 10), status="approved")
    answer = dossier(client, token_for("sup_t1"), world["cadre_a"])
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["user"]["id"] == world["cadre_a"] and body["year"] == 2026
    assert body["user"]["name"] == "CadreALeader"
    assert body["attendance"]["user_id"] == world["cadre_a"]
    assert body["attendance"]["target_days"] > 0 and "on_pace" in body["attendance"]
    assert body["checkins"]["total"] == 3  # the world's own, and the two above
    assert body["checkins"]["counted"] == 2 and body["checkins"]["flagged"] == 1
    assert body["visits"]["total"] == 1 and body["visits"]["flagged"] == 0
    assert [leave["kind"] for leave in body["leaves"]] == ["sick"]  # the world's is in 2027
    assert body["corrections"] == []
    [check] = body["spotchecks"]  # the world's answered back-check
    assert check["kind"] == "visit" and check["outcome"] == "confirmed"
    assert check["verdict"] == "pass" and check["satisfaction"] == "satisfied"
    assert check["week"].startswith("2026-W")
    assert body["satisfaction"] == {"answers": 1, "satisfied_share": 1.0}
    assert body["bulletins"] == []


def test_the_cadres_own_file_has_no_spot_checks(fixed, client, world, token_for) -> None:
    answer = dossier(client, token_for("cadre_a"), world["cadre_a"])
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["spotchecks"] == [] and body["satisfaction"] is None
    assert "SpotNote" not in answer.get_data(as_text=True)


@pytest.mark.parametrize(("who", "whose"), [
    ("cadre_a", "cadre_a2"), ("cadre_a", "cadre_b"), ("sup_t1", "cadre_b"),
    ("sup_t2", "cadre_a"), ("sup_county", "cadre_c"), ("sup_t1", "sup_t1"),
    ("sup_t1", "sup_county")])
def test_outside_the_scope_is_not_found(fixed, client, world, token_for, who, whose) -> None:
    assert dossier(client, token_for(who), world[whose]).status_code == 404


def test_anonymous_and_bad_years(fixed, client, world, token_for) -> None:
    assert dossier(client, {}, world["cadre_a"]).status_code == 401
    headers = token_for("sup_county")
    assert dossier(client, headers, world["cadre_a"], 1800).status_code == 400
    assert client.get(f"/api/v1/cadres/{world['cadre_a']}/dossier?year=abc",
                      headers=headers).status_code == 400
    assert client.get("/api/v1/cadres/999999/dossier", headers=headers).status_code == 404


def test_the_published_bulletin_rows_of_the_team(fixed, app, client, world,
                                                 token_for) -> None:
    with app.app_context():
        s = db.session()
        s.add(BulletinPublication(
            area_id=world["county"], month="2026-10", digest="d" * 64,
            content={"month": "2026-10", "rows": [
                {"team_id": world["team_b"], "rank": 1, "score": 90.0, "award": "red_flag"},
                {"team_id": world["team_a"], "rank": 2, "score": 70.5,
                 "award": "yellow_card"}]},
            published_at=NOW, published_by_id=world["sup_county"]))
        s.commit()
    body = dossier(client, token_for("sup_t1"), world["cadre_a2"]).get_json()
    assert body["bulletins"] == [{"month": "2026-10", "rank": 2, "award": "yellow_card",
                                  "score": 70.5, "teams": 2, "area": "CountyOne县"}]
    own = dossier(client, token_for("cadre_a"), world["cadre_a"]).get_json()
    assert own["bulletins"][0]["rank"] == 2


def test_the_file_is_read_in_a_bounded_number_of_queries(fixed, app, client, world,
                                                         token_for, make_checkin) -> None:
    from sqlalchemy import event

    headers = token_for("sup_county")

    def count() -> int:
        seen = []
        engine = app.extensions["checkin_engine"]

        def note(*_args) -> None:
            seen.append(1)
        event.listen(engine, "before_cursor_execute", note)
        try:
            assert dossier(client, headers, world["cadre_a"]).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", note)
        return len(seen)

    few = count()
    for day in range(1, 20):
        make_checkin("cadre_a", day=date(2026, 10, day))
    assert count() == few
