"""Reading trainings and quarterly meetings over the API (issue 19): a cadre lists the
sessions they were asked to with their own attendance; a supervisor lists the sessions of
their jurisdiction (and those organised above it for its cadres), page by page with a
keyset cursor, and reads one with its attendance list; another township's session is not
there (404); bad paging arguments are a 400, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from checkin import db
from checkin.models import Training, User
from checkin.platform import keyset
from checkin.services.trainings import attendance
from tests.api.openapi_check import check_all
from tests.api.test_trainings_api import NOW, TODAY, make_session, signin, token
from tests.web.test_jurisdiction_matrix import SPOTCHECK_WORDS


@pytest.fixture
def fixed(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def _mark(app: Flask, training_id: int, organiser: str, usernames: list[str]) -> None:
    with app.app_context():
        s = db.session()
        actor = s.scalars(sa.select(User).where(User.username == organiser)).one()
        ids = list(s.scalars(sa.select(User.id).where(User.username.in_(usernames))))
        attendance.mark_present(s, actor, s.get(Training, training_id), ids, TODAY, "签到表")
        s.commit()


def _all_pages(client, headers, query: str = "", limit: int = 3) -> list[dict]:
    """Every item of GET /trainings, following next_cursor; asserts each page's size."""
    items: list[dict] = []
    cursor = ""
    for _ in range(50):
        answer = client.get(f"/api/v1/trainings?limit={limit}&cursor={cursor}{query}",
                            headers=headers)
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert len(body["items"]) <= limit
        items += body["items"]
        if body["next_cursor"] is None:
            return items
        assert len(body["items"]) == limit
        cursor = body["next_cursor"]
    raise AssertionError("the pages never end")


def test_a_cadre_lists_the_sessions_they_must_attend(fixed, client, world, token_for
                                                     ) -> None:
    county = make_session(fixed)  # every cadre of the county, today and tomorrow
    past = make_session(fixed, organiser="sup_t1", first=TODAY - timedelta(days=40), days=1)
    coming = make_session(fixed, organiser="sup_t1", kind="meeting",
                          first=TODAY + timedelta(days=10), days=1)
    leaders = make_session(fixed, organiser="sup_t1", audience="first_secretaries")
    make_session(fixed, organiser="sup_t2")  # township B: not for village A
    assert signin(client, token_for, county, token(fixed, county)).status_code == 201
    home = signin(client, token_for, county, token(fixed, county), at=(30.85, 116.36))
    assert home.status_code == 200  # the day counts already: answered with the first
    headers = token_for("cadre_a2")
    answer = client.get("/api/v1/trainings", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["next_cursor"] is None
    items = {item["id"]: item for item in body["items"]}
    assert list(items) == [coming, county, past]  # newest first; not the leaders' meeting
    assert leaders not in items
    assert items[coming]["state"] == "upcoming" and items[coming]["kind"] == "meeting"
    assert items[county]["state"] == "ongoing" and items[past]["state"] == "past"
    mine = items[county]["mine"]
    assert mine["counted_days"] == 1 and mine["marked_days"] == 0
    [record] = mine["attendance"]
    assert (record["method"], record["counts"], record["day"]) == ("qr", True, "2026-11-20")
    assert items[past]["mine"] == {"counted_days": 0, "marked_days": 0, "attendance": []}
    assert "counts" not in items[county]  # the session's tally is the organiser's
    assert items[county]["starts_at"] == "08:30" and items[county]["days"] == 2
    text = answer.get_data(as_text=True)
    assert not [w for w in SPOTCHECK_WORDS if w in text]
    # the leader also sees the leaders' meeting; a cadre of another county sees none of them
    lead = client.get("/api/v1/trainings", headers=token_for("cadre_a")).get_json()
    assert leaders in {item["id"] for item in lead["items"]}
    assert client.get("/api/v1/trainings", headers=token_for("cadre_c")).get_json() == {
        "items": [], "next_cursor": None}
    # filters
    meetings = client.get("/api/v1/trainings?kind=meeting", headers=headers).get_json()
    assert [item["id"] for item in meetings["items"]] == [coming]
    assert client.get("/api/v1/trainings?year=2025", headers=headers).get_json()["items"] == []


def test_paging_returns_every_session_exactly_once(fixed, client, world, token_for) -> None:
    own = [make_session(fixed, organiser="sup_t1", first=TODAY - timedelta(days=n % 4),
                        days=1) for n in range(8)]  # several on the same day
    above = [make_session(fixed, organiser="sup_county")]
    other = [make_session(fixed, organiser="sup_t2") for _ in range(3)]
    for limit in (1, 3, 4, 50):
        items = _all_pages(client, token_for("sup_t1"), limit=limit)
        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)), limit
        assert set(ids) == set(own + above), limit
        keys = [(item["first_day"], item["id"]) for item in items]
        assert keys == sorted(keys, reverse=True)
    township_b = {item["id"] for item in _all_pages(client, token_for("sup_t2"))}
    assert township_b == set(other + above)
    county = {item["id"] for item in _all_pages(client, token_for("sup_county"), limit=5)}
    assert county == set(own + above + other)
    # a session made between two pages does not shift the next page
    first = client.get("/api/v1/trainings?limit=4", headers=token_for("sup_t1")).get_json()
    make_session(fixed, organiser="sup_t1", first=TODAY + timedelta(days=30), days=1)
    rest = client.get(f"/api/v1/trainings?limit=50&cursor={first['next_cursor']}",
                      headers=token_for("sup_t1")).get_json()
    assert {i["id"] for i in first["items"]} | {i["id"] for i in rest["items"]} == set(
        own + above)


def test_a_supervisor_reads_one_session_with_its_attendance(fixed, client, world, token_for
                                                            ) -> None:
    training_id = make_session(fixed, organiser="sup_t1")
    assert signin(client, token_for, training_id, token(fixed, training_id)).status_code == 201
    away = signin(client, token_for, training_id, token(fixed, training_id), who="cadre_a",
                  at=(30.85, 116.36))
    assert away.get_json()["counts"] is False  # from the village: kept, not counted
    answer = client.get(f"/api/v1/trainings/{training_id}", headers=token_for("sup_t1"))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["id"] == training_id and body["runs"] is True
    assert body["counts"] == {"invited": 2, "present": 1, "by_qr": 1, "by_organiser": 0,
                              "not_counted": 1}
    people = {row["user_id"]: row for row in body["attendees"]}
    assert set(people) == {world["cadre_a"], world["cadre_a2"]}
    member, leader = people[world["cadre_a2"]], people[world["cadre_a"]]
    assert member["present"] is True and member["counted_days"] == 1
    assert [(a["method"], a["counts"]) for a in member["attendance"]] == [("qr", True)]
    assert leader["present"] is False and leader["counted_days"] == 0
    assert [(a["method"], a["counts"]) for a in leader["attendance"]] == [("qr", False)]
    assert leader["not_counted"] == 1 and leader["is_leader"] is True
    assert body["next_cursor"] is None
    _mark(fixed, training_id, "sup_t1", ["cadre_a"])
    marked = client.get(f"/api/v1/trainings/{training_id}", headers=token_for("sup_county"))
    people = {row["user_id"]: row for row in marked.get_json()["attendees"]}
    assert sorted((a["method"], a["counts"]) for a in people[world["cadre_a"]][
        "attendance"]) == [("organiser", True), ("qr", False)]
    assert people[world["cadre_a"]]["marked_days"] == 1


def test_another_townships_session_is_not_there(fixed, client, world, token_for) -> None:
    training_id = make_session(fixed, organiser="sup_t1")
    for who in ("sup_t2", "cadre_a", "cadre_a2", "cadre_b"):
        answer = client.get(f"/api/v1/trainings/{training_id}", headers=token_for(who))
        assert answer.status_code == 404, who
        assert answer.get_json()["error"]["code"] == "not_found"
    nothing = client.get("/api/v1/trainings/999999", headers=token_for("sup_t2"))
    assert nothing.get_json() == client.get(f"/api/v1/trainings/{training_id}",
                                            headers=token_for("sup_t2")).get_json()
    assert training_id not in {i["id"] for i in client.get(
        "/api/v1/trainings", headers=token_for("sup_t2")).get_json()["items"]}


def test_a_countys_session_shows_a_township_only_its_own_people(fixed, client, world,
                                                                token_for) -> None:
    training_id = make_session(fixed)  # the county's: villages A and B
    _mark(fixed, training_id, "sup_county", ["cadre_a", "cadre_b"])
    township = client.get(f"/api/v1/trainings/{training_id}", headers=token_for("sup_t1"))
    assert township.status_code == 200
    body = township.get_json()
    assert body["runs"] is False
    assert {row["user_id"] for row in body["attendees"]} == {world["cadre_a"],
                                                             world["cadre_a2"]}
    assert "CadreBLeader" not in township.get_data(as_text=True)
    county = client.get(f"/api/v1/trainings/{training_id}", headers=token_for("sup_county"))
    assert len(county.get_json()["attendees"]) == 4
    # the attendance list pages too, each person once
    seen: list[int] = []
    cursor = ""
    while True:
        page = client.get(f"/api/v1/trainings/{training_id}?limit=1&cursor={cursor}",
                          headers=token_for("sup_county")).get_json()
        assert len(page["attendees"]) == 1
        seen += [row["user_id"] for row in page["attendees"]]
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(world[k] for k in ("cadre_a", "cadre_a2", "cadre_b",
                                                     "cadre_b2"))


@pytest.mark.parametrize(("query", "code"), [
    ("limit=1000000000", "invalid_paging"),
    ("limit=0", "invalid_paging"),
    ("limit=abc", "invalid_paging"),
    ("limit=-5", "invalid_paging"),
    ("limit=²", "invalid_paging"),
    ("cursor=garbage", "invalid_cursor"),
    ("cursor=12", "invalid_cursor"),
    ("cursor=" + "A" * 2000, "invalid_cursor"),
    ("cursor=" + keyset.encode([7]), "invalid_cursor"),  # another list's cursor
    ("cursor=" + keyset.encode(["2026-13-45", 3]), "invalid_cursor"),
    ("year=abc", "invalid_year"),
    ("year=12", "invalid_year"),
    ("kind=party", "not_in_choices"),
])
def test_bad_arguments_are_a_400(fixed, client, world, token_for, query, code) -> None:
    training_id = make_session(fixed, organiser="sup_t1")
    headers = token_for("sup_t1")
    answer = client.get(f"/api/v1/trainings?{query}", headers=headers)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["error"]["code"] == code
    if code == "invalid_paging" or query in ("cursor=garbage", "cursor=12"):
        detail = client.get(f"/api/v1/trainings/{training_id}?{query}", headers=headers)
        assert detail.status_code == 400
        assert detail.get_json()["error"]["code"] == code


def test_a_cursor_of_the_session_list_is_not_one_of_the_attendance_list(
        fixed, client, world, token_for) -> None:
    training_id = make_session(fixed, organiser="sup_t1")
    make_session(fixed, organiser="sup_t1")
    headers = token_for("sup_t1")
    cursor = client.get("/api/v1/trainings?limit=1", headers=headers).get_json()["next_cursor"]
    assert cursor is not None
    answer = client.get(f"/api/v1/trainings/{training_id}?cursor={cursor}", headers=headers)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "invalid_cursor"


def test_the_answers_match_the_document(fixed, client, world, token_for) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    training_id = make_session(fixed, organiser="sup_t1")
    make_session(fixed, organiser="sup_t1", kind="meeting")
    signin(client, token_for, training_id, token(fixed, training_id))
    _mark(fixed, training_id, "sup_t1", ["cadre_a"])
    checks = [
        ("/trainings", "get", client.get("/api/v1/trainings", headers=token_for("cadre_a2"))),
        ("/trainings", "get", client.get("/api/v1/trainings?limit=1",
                                         headers=token_for("sup_t1"))),
        ("/trainings", "get", client.get("/api/v1/trainings?cursor=x",
                                         headers=token_for("sup_t1"))),
        ("/trainings/{training_id}", "get", client.get(
            f"/api/v1/trainings/{training_id}", headers=token_for("sup_t1"))),
        ("/trainings/{training_id}", "get", client.get(
            f"/api/v1/trainings/{training_id}", headers=token_for("sup_t2"))),
        ("/trainings/{training_id}", "get", client.get(
            f"/api/v1/trainings/{training_id}?limit=0", headers=token_for("sup_t1"))),
    ]
    assert [r.status_code for _p, _m, r in checks] == [200, 200, 400, 200, 404, 400]
    check_all(doc, checks)


def _statements(app: Flask, client, url: str, headers) -> int:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = app.extensions["checkin_engine"]
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(url, headers=headers).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_no_query_per_row(fixed, client, world, token_for) -> None:
    county = make_session(fixed)
    _mark(fixed, county, "sup_county", ["cadre_a", "cadre_a2", "cadre_b", "cadre_b2"])
    headers = {who: token_for(who) for who in ("sup_county", "cadre_a")}
    few = {who: _statements(fixed, client, "/api/v1/trainings", h)
           for who, h in headers.items()}
    for n in range(6):
        made = make_session(fixed, organiser="sup_t1", kind=("training", "meeting")[n % 2])
        _mark(fixed, made, "sup_t1", ["cadre_a", "cadre_a2"])
    assert {who: _statements(fixed, client, "/api/v1/trainings", h)
            for who, h in headers.items()} == few
    one = _statements(fixed, client, f"/api/v1/trainings/{county}?limit=1",
                      headers["sup_county"])
    assert _statements(fixed, client, f"/api/v1/trainings/{county}",
                       headers["sup_county"]) == one
