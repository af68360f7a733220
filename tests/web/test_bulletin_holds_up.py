"""A bulletin that holds up (issue 15): satisfaction judged on enough answers, every part
with what it is made of and its weight, missing parts said, a yellow card with its
finding, units and townships ranked, warning talks raised and recorded, cadres seeing
their own team's row of published bulletins, old snapshots still readable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.domain import publication as rules
from checkin.models import (
    AuditEntry,
    BulletinPublication,
    Notification,
    SpotcheckItem,
    SpotcheckResult,
    WarningTalk,
)
from checkin.platform import clock
from tests.conftest import csrf_from
from tests.spotcheck_helpers import MONTH, NOW, TODAY

DECEMBER = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # November is over


@pytest.fixture
def wednesday(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def en(login, client, who: str):
    login(client, who)
    client.set_cookie("lang", "en")
    return client


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def answers(app: Flask, world, key: str, *said: str, outcome: str = "confirmed") -> None:
    """More answered back-checks of team `key`'s leader this month, one per answer."""
    with app.app_context():
        s = db.session()
        first = s.get(SpotcheckItem, world[f"backcheck_{key}"])
        for n, satisfaction in enumerate(said, start=10):
            item = SpotcheckItem(batch_id=first.batch_id, position=n + len(said) * 10,
                                 kind="visit", user_id=first.user_id,
                                 village_id=first.village_id, visit_id=first.visit_id,
                                 household_id=first.household_id, day=first.day, risk=1.0,
                                 reasons=[])
            s.add(item)
            s.flush()
            s.add(SpotcheckResult(item_id=item.id, checked_by_id=world["sup_county"],
                                  method="phone", outcome=outcome, satisfaction=satisfaction,
                                  verdict="pass" if outcome == "confirmed" else "fail",
                                  recorded_at=clock.now(), local_day=TODAY))
        s.commit()


def absent(app: Flask, world, key: str) -> None:
    """Team `key`'s leader not on post at this week's presence check: a serious finding."""
    with app.app_context():
        s = db.session()
        s.add(SpotcheckResult(item_id=world[f"presence_{key}"], checked_by_id=world["sup_county"],
                              method="phone", outcome="not_confirmed", verdict="fail",
                              recorded_at=clock.now(), local_day=TODAY))
        s.commit()


def county_page(client, world, month: str = MONTH) -> str:
    return page(client, f"/bulletin?area={world['county']}&month={month}")


def publish(client, world, month: str = MONTH) -> None:
    url = f"/bulletin?area={world['county']}&month={month}"
    done = client.post("/bulletin/publish", data={
        "csrf_token": csrf_from(client, url), "area": world["county"], "month": month,
        "confirm": "1"})
    assert done.status_code == 302


def test_one_unsatisfied_answer_is_too_few_to_judge(wednesday, world, login) -> None:
    answers(wednesday, world, "b", "unsatisfied")
    html = county_page(en(login, wednesday.test_client(), "sup_county"), world)
    assert "2 answers, 50% satisfied" in html and "too few answers to judge" in html
    assert "satisfied: a warning talk is due" not in html
    assert "Satisfaction warning<" not in html and "tag-warn\">Satisfaction below" not in html
    assert "Too few answers (fewer than 5)" in html


def test_enough_low_answers_raise_the_warning_with_n_shown(wednesday, world, login) -> None:
    answers(wednesday, world, "b", "unsatisfied", "unsatisfied", "basic", "unsatisfied")
    html = county_page(en(login, wednesday.test_client(), "sup_county"), world)
    assert "5 answers, 40% satisfied: a warning talk is due" in html


def test_every_part_shows_what_it_is_made_of_and_its_weight(wednesday, world, login,
                                                            make_checkin) -> None:
    make_checkin("cadre_a", day=TODAY)
    html = county_page(en(login, wednesday.test_client(), "sup_county"), world)
    for text in ("Weights:", "weight 35%", "weight 30%", "weight 20%", "weight 15%",
                 "of 3 households visited", "of 3 contacted", "1 of 1 checks passed",
                 "Satisfaction is judged on at least 5 answers"):
        assert text in html, text
    assert " days" in html and "in this score" in html  # weights re-shared
    # one answer each: ranked without satisfaction, and the row says so
    assert html.count("Ranked without: Villagers&#39; satisfaction") == 2
    zh = wednesday.test_client()
    login(zh, "sup_county")
    zh.set_cookie("lang", "zh")
    chinese = county_page(zh, world)
    assert "权重 35%" in chinese and "样本过少" in chinese


def test_a_yellow_card_states_its_finding(wednesday, world, login) -> None:
    absent(wednesday, world, "a")
    wednesday.config["FIXED_NOW"] = DECEMBER
    html = county_page(en(login, wednesday.test_client(), "sup_county"), world)
    why = html[html.index("Yellow card for:"):][:400]
    assert "Presence check" in why and "By phone" in why and "2026-11-18" in why
    assert "CadreALeader" in why and "Not on post" in why


def test_units_and_townships_are_ranked(wednesday, world, login, client, token_for) -> None:
    html = county_page(en(login, wednesday.test_client(), "sup_county"), world)
    assert "Sending units ranked" in html and "Townships ranked" in html
    body = client.get(f"/api/v1/bulletins/{MONTH}?area_id={world['county']}",
                      headers=token_for("sup_county")).get_json()
    assert body["format"] == rules.FORMAT
    assert [g["name"] for g in body["groups"]["units"]] == ["UnitOne局"]
    assert body["groups"]["units"][0]["teams"] == 2
    townships = {g["name"]: g for g in body["groups"]["townships"]}
    assert set(townships) == {"TownOne镇", "TownTwo镇"}
    rows = {r["township"]: r["score"] for r in body["rows"]}
    assert {name: g["score"] for name, g in townships.items()} == rows
    assert [g["name"] for g in body["groups"]["counties"]] == ["CountyOne县"]


def test_a_published_warning_raises_a_talk_told_to_supervisors_only(
        wednesday, world, login) -> None:
    answers(wednesday, world, "b", "unsatisfied", "unsatisfied", "unsatisfied", "basic")
    wednesday.config["FIXED_NOW"] = DECEMBER
    county = en(login, wednesday.test_client(), "sup_county")
    publish(county, world)
    publish(county, world)  # the same snapshot again: no second talk
    with wednesday.app_context():
        s = db.session()
        (talk,) = s.scalars(select(WarningTalk)).all()
        assert (talk.team_id, talk.month, talk.unit_name) == (world["team_b"], MONTH,
                                                              "UnitOne局")
        assert talk.responsible_id == world["cadre_b"] and talk.answers == 5
        assert talk.satisfaction == 0.4 and talk.held_on is None
        told = set(s.scalars(select(Notification.user_id).where(
            Notification.kind == "bulletin.warning_talk")))
        assert told == {world["sup_t2"], world["sup_county"]}
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "warning_talk.raise"))
        talk_id = talk.id
    listed = page(county, "/warning-talks")
    assert "VillageBeta村" in listed and "Not yet held" in listed and "40% (5)" in listed
    assert "CadreBLeader" in listed
    bulletin = county_page(county, world)
    assert f"/warning-talks/{talk_id}" in bulletin and "Talk not yet held" in bulletin
    township_one = en(login, wednesday.test_client(), "sup_t1")
    assert "VillageBeta" not in page(township_one, "/warning-talks")
    page(township_one, f"/warning-talks/{talk_id}", 404)
    cadre = en(login, wednesday.test_client(), "cadre_b")
    page(cadre, "/warning-talks", 404)


def test_a_supervisor_records_that_the_talk_was_held(wednesday, world, login) -> None:
    answers(wednesday, world, "b", "unsatisfied", "unsatisfied", "unsatisfied", "basic")
    wednesday.config["FIXED_NOW"] = DECEMBER
    publish(en(login, wednesday.test_client(), "sup_county"), world)
    township = en(login, wednesday.test_client(), "sup_t2")
    with wednesday.app_context():
        talk_id = db.session().scalars(select(WarningTalk.id)).one()
    url = f"/warning-talks/{talk_id}"
    form = {"csrf_token": csrf_from(township, url), "held_with": "UnitOne局局长、CadreBLeader",
            "note": "已约谈，整改群众反映的问题"}
    for bad in ({"held_on": "2026-12-09"}, {"held_on": "2026-10-30"}, {"held_on": "junk"},
                {"held_on": "2026-12-01", "note": " "}):
        refused = township.post(url, data={**form, **bad}, follow_redirects=True)
        assert refused.status_code == 200 and 'class="flash' in refused.get_data(as_text=True)
    with wednesday.app_context():
        assert db.session().get(WarningTalk, talk_id).held_on is None
    done = township.post(url, data={**form, "held_on": "2026-12-01"})
    assert done.status_code == 302
    html = page(township, url)
    assert "Held on" in html and "2026-12-01" in html and "SupTownTwo" in html
    assert "已约谈" in html and 'name="held_on"' not in html
    assert "VillageBeta" not in page(township, "/warning-talks")  # no longer open
    assert "Held on 2026-12-01" in page(township, "/warning-talks?all=1")
    with wednesday.app_context():
        s = db.session()
        entry = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "warning_talk.record")).one()
        assert entry.actor_id == world["sup_t2"] and entry.detail["held_on"] == "2026-12-01"
    again = township.post(url, data={**form, "held_on": "2026-12-02"}, follow_redirects=True)
    assert "already been recorded" in again.get_data(as_text=True)


SPOT_WORDS = ("Spot check", "抽查", "Yellow card", "Red flag", "黄牌", "红旗")


def test_a_cadre_sees_only_the_own_teams_row_of_published_bulletins(
        wednesday, world, login) -> None:
    absent(wednesday, world, "a")
    cadre = en(login, wednesday.test_client(), "cadre_a2")
    before = page(cadre, "/bulletin")  # was 404
    assert "No monthly bulletin with your team has been published yet." in before
    assert not [w for w in SPOT_WORDS if w in before]  # nothing of this month's checks
    wednesday.config["FIXED_NOW"] = DECEMBER
    assert "has been published" in page(cadre, "/bulletin")  # finished, not published
    publish(en(login, wednesday.test_client(), "sup_county"), world)
    html = page(cadre, "/bulletin")
    assert "Rank 2 of 2 teams" in html and "Yellow card for:" in html
    assert "Not on post" in html and "weight 35%" in html
    assert "VillageBeta" not in html and "CadreB" not in html  # no other team
    assert "/spotchecks" not in html and "SpotNote" not in html  # no check opened
    other = en(login, wednesday.test_client(), "cadre_b")
    theirs = page(other, "/bulletin")
    assert "Rank 1 of 2 teams" in theirs and "Red flag" in theirs
    assert "CadreALeader" not in theirs and "Not on post" not in theirs


def test_a_format_1_snapshot_stays_readable(wednesday, world, login, client,
                                            token_for) -> None:
    content = {"month": "2026-10", "area_id": world["county"], "area_name": "CountyOne县",
               "first": "2026-10-01", "last": "2026-10-31", "asof": "2026-10-31",
               "rows": [{"team_id": world["team_a"], "team_code": "Ta",
                         "village_id": world["va"], "village_name": "VillageAlpha村",
                         "unit": "UnitOne局", "score": 80.0, "rank": 1,
                         "parts": {"attendance": 80.0, "coverage": 80.0,
                                   "satisfaction": 0.0},
                         "award": "red_flag", "satisfaction_warning": True,
                         "spotchecks": 0, "spotcheck_failures": 0,
                         "satisfaction_answers": 1, "counted_days": 30,
                         "expected_days": 37.5}],
               "units": [], "cadres": [], "findings": []}
    with wednesday.app_context():
        s = db.session()
        s.add(BulletinPublication(area_id=world["county"], month="2026-10", content=content,
                                  digest=rules.digest(content), published_at=clock.now(),
                                  published_by_id=world["sup_county"]))
        s.commit()
    supervisor = en(login, wednesday.test_client(), "sup_county")
    html = county_page(supervisor, world, "2026-10")
    assert "published in an earlier format" in html and "30 of 37.5 days" in html
    assert page(supervisor, f"/bulletin/print?area={world['county']}&month=2026-10")
    answered = client.get(f"/api/v1/bulletins/2026-10?area_id={world['county']}",
                          headers=token_for("sup_county")).get_json()
    assert "format" not in answered and answered["rows"][0]["parts"] == content["rows"][0][
        "parts"]  # answered as published
    cadre = page(en(login, wednesday.test_client(), "cadre_a"), "/bulletin")
    assert "Rank 1 of 1 teams" in cadre and "30 of 37.5 days" in cadre


def test_the_print_view_has_the_parts_groups_and_findings(wednesday, world, login) -> None:
    absent(wednesday, world, "a")
    wednesday.config["FIXED_NOW"] = DECEMBER
    client = en(login, wednesday.test_client(), "sup_county")
    html = page(client, f"/bulletin/print?area={world['county']}&month={MONTH}")
    assert "Score = weighted parts:" in html and "Not on post" in html
    assert "Sending units ranked" in html and "Townships ranked" in html
    assert "of 3 households visited" in html


def _ids(found: Any) -> list[int]:
    return [r["team_id"] for r in found]


def test_the_export_carries_what_the_page_says(wednesday, world, login) -> None:
    absent(wednesday, world, "a")
    wednesday.config["FIXED_NOW"] = DECEMBER
    client = en(login, wednesday.test_client(), "sup_county")
    csv = client.get(f"/bulletin.csv?area={world['county']}&month={MONTH}")
    assert csv.status_code == 200
    text = csv.get_data().decode("utf-8-sig")
    assert "缺项（未计入得分）" in text and "黄牌事由" in text and "群众满意度（样本过少）" in text
    assert "在岗抽查（电话） 2026-11-18 CadreALeader：不在岗" in text


def test_the_api_gives_a_cadre_the_teams_rows_only(wednesday, world, login, client,
                                                   token_for) -> None:
    absent(wednesday, world, "a")
    cadre = token_for("cadre_a2")
    assert client.get("/api/v1/me/bulletins", headers=cadre).get_json() == {"items": []}
    assert client.get(f"/api/v1/bulletins/{MONTH}?area_id={world['county']}",
                      headers=cadre).status_code == 404  # the whole bulletin stays closed
    assert client.get("/api/v1/me/bulletins",
                      headers=token_for("sup_county")).status_code == 404
    wednesday.config["FIXED_NOW"] = DECEMBER
    publish(en(login, wednesday.test_client(), "sup_county"), world)
    (item,) = client.get("/api/v1/me/bulletins", headers=cadre).get_json()["items"]
    assert (item["month"], item["teams"], item["row"]["rank"]) == (MONTH, 2, 2)
    assert item["row"]["award"] == "yellow_card"
    assert item["row"]["findings"][0]["outcome"] == "not_confirmed"
    assert "team_id" not in item["row"] and "units" not in item and "cadres" not in item
