"""Less burden (减负, issue 20 part 4): the monthly ranking (score, rank, red flag, yellow
card) and the photo requirement for visits are settings, both off unless a deployment says
its county's rules require them. With the ranking off the bulletin still reports each
team's parts, its serious findings and the satisfaction warnings; with photos not required
a visit in person is saved without one."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select

from checkin import db
from checkin.domain.policy import Policy
from checkin.models import Area, SpotcheckBatch, SpotcheckItem, SpotcheckResult, Visit
from checkin.settings import build_policy
from tests.api.test_visits_api import canvas_jpeg, household_of, send
from tests.spotcheck_helpers import NOW

OCTOBER = "2026-10"


def with_policy(app: Flask, **changes: object) -> None:
    app.extensions["checkin_policy"] = dataclasses.replace(
        app.extensions["checkin_policy"], **changes)


def test_a_deployment_ranks_nothing_and_asks_no_photo_unless_it_says_so() -> None:
    assert build_policy({}).bulletin_ranking is False
    assert build_policy({}).visit_photo_required is False
    assert build_policy({"bulletin_ranking": "on", "visit_photo_required": "1"}) == \
        dataclasses.replace(Policy(), bulletin_ranking=True, visit_photo_required=True)


@pytest.fixture
def october(app: Flask, world, make_checkin) -> Flask:
    """A finished October: team B on post ten days, team A three days and a serious
    finding on cadre A (not on post when called)."""
    app.config["FIXED_NOW"] = NOW  # 18 November 2026
    for cadre, days in (("cadre_b", 10), ("cadre_b2", 10), ("cadre_a", 3)):
        for day in range(1, days + 1):
            make_checkin(cadre, day=date(2026, 10, day))
    with app.app_context():
        s = db.session()
        area = s.get(Area, world["t1"])
        batch = SpotcheckBatch(area_id=area.id, area_path=area.path, week="2026-W43",
                               seed="0" * 64, candidates={}, drawn_at=NOW)
        s.add(batch)
        s.flush()
        item = SpotcheckItem(batch_id=batch.id, position=0, kind="presence",
                             user_id=world["cadre_a"], village_id=world["va"],
                             day=date(2026, 10, 21), window_start=time(9),
                             window_end=time(11), risk=1.0, reasons=[])
        s.add(item)
        s.flush()
        s.add(SpotcheckResult(item_id=item.id, checked_by_id=world["sup_t1"], method="phone",
                              outcome="not_confirmed", verdict="fail", note="",
                              recorded_at=datetime(2026, 10, 21, 2, tzinfo=UTC),
                              local_day=date(2026, 10, 21)))
        s.commit()
    return app


def publish(client, headers, area_id: int):
    return client.post(f"/api/v1/bulletins/{OCTOBER}/publish", json={"area_id": area_id},
                       headers=headers)


def test_with_the_ranking_on_the_same_month_has_ranks_and_cards(october, client, world,
                                                                token_for) -> None:
    """The contrast: the suite's county ranks, so the setting is what takes ranks away."""
    body = publish(client, token_for("sup_county"), world["county"]).get_json()
    rows = {r["team_id"]: r for r in body["rows"]}
    assert body["ranked"] is True and body["groups"]
    assert rows[world["team_a"]]["award"] == "yellow_card"
    assert rows[world["team_b"]]["award"] == "red_flag" and rows[world["team_b"]]["rank"] == 1


def test_without_the_ranking_the_bulletin_reports_findings_but_no_points(
        october, client, world, token_for) -> None:
    with_policy(october, bulletin_ranking=False)
    county = token_for("sup_county")
    made = publish(client, county, world["county"])
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["ranked"] is False and body["groups"] == {}
    assert {(r["score"], r["rank"], r["award"]) for r in body["rows"]} == {(None, None, None)}
    rows = {r["team_id"]: r for r in body["rows"]}
    team_a = rows[world["team_a"]]
    assert team_a["spotcheck_failures"] == 1
    assert [f["outcome"] for f in team_a["findings"]] == ["not_confirmed"]
    assert team_a["parts"]["attendance"] < rows[world["team_b"]]["parts"]["attendance"]
    again = client.get(f"/api/v1/bulletins/{OCTOBER}?area_id={world['county']}",
                       headers=county)
    assert again.status_code == 200 and again.data == made.data


def test_the_unranked_bulletin_page_print_and_export(october, client, world, login) -> None:
    with_policy(october, bulletin_ranking=False)
    login(client, "sup_county")
    query = f"area={world['county']}&month={OCTOBER}&lang=en"
    page = client.get(f"/bulletin?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Findings and warnings" in html and "does not rank teams" in html
    for word in ("Red flag", "Yellow card", "bl-rank", "bl-score", "Ranked without",
                 "Sending units ranked"):
        assert word not in html, word
    assert "1 serious finding(s)" in html
    printed = client.get(f"/bulletin/print?{query}").get_data(as_text=True)
    assert "Serious findings" in printed and "Red flag" not in printed
    xlsx = client.get(f"/bulletin.xlsx?{query}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    header = [cell.value for cell in sheet[1]]
    assert "排名" not in header and "得分" not in header and "奖惩" not in header
    assert "考勤进度" in header and "严重问题" in header
    findings = [row[header.index("严重问题")] for row in sheet.iter_rows(min_row=2,
                                                                       values_only=True)]
    [found] = [f for f in findings if f]
    assert found.startswith("在岗抽查（电话） 2026-10-21") and found.endswith("：不在岗"), found


def test_the_team_sees_its_unranked_line_and_what_was_found(october, client, world,
                                                           login, token_for) -> None:
    with_policy(october, bulletin_ranking=False)
    assert publish(client, token_for("sup_county"), world["county"]).status_code == 201
    cadre = client.application.test_client()
    login(cadre, "cadre_a")
    html = cadre.get("/bulletin?lang=en").get_data(as_text=True)
    assert "Not ranked:" in html and "Rank " not in html
    assert "Serious findings:" in html and "Yellow card" not in html
    mine = cadre.get("/api/v1/me/bulletins", headers=token_for("cadre_a")).get_json()
    [row] = mine["items"]
    assert row["ranked"] is False and row["row"]["rank"] is None
    assert row["row"]["findings"]


def test_a_visit_without_a_photo_is_saved_unless_photos_are_required(app, client, world,
                                                                    token_for) -> None:
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha0")
    _, free = send(client, bearer, home.id)
    assert free.status_code == 201, free.get_json()
    with_policy(app, visit_photo_required=True)
    with app.app_context():
        before = db.session().scalar(select(func.count()).select_from(Visit))
    _, refused = send(client, bearer, home.id)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "photo_required"
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Visit)) == before
    _, by_phone = send(client, bearer, home.id, kind="contact", lat=None, lon=None,
                       accuracy_m=None)
    assert by_phone.status_code == 201, by_phone.get_json()
    _, with_one = send(client, bearer, home.id, [(canvas_jpeg(), "a.jpg")],
                       recorded_at=(datetime.now(UTC) - timedelta(seconds=30)).isoformat())
    assert with_one.status_code == 201, with_one.get_json()


def test_the_visit_form_says_whether_a_photo_is_needed(app, client, world, login) -> None:
    login(client, "cadre_a")
    home = household_of(app, "Ha0")
    html = client.get(f"/my/visits/new?household={home.id}&lang=en").get_data(as_text=True)
    assert "Photos (optional" in html and "data-photo-required" not in html
    with_policy(app, visit_photo_required=True)
    html = client.get(f"/my/visits/new?household={home.id}&lang=en").get_data(as_text=True)
    assert "at least one for a visit in person" in html and "data-photo-required" in html


def test_without_the_ranking_a_serious_finding_still_costs_the_year_its_excellent(
        october, client, world, token_for) -> None:
    """The annual assessment takes 优秀 away for a month with a yellow card; a bulletin
    without the ranking gives no card, so the month with the serious finding must count
    just the same, or turning the ranking off would excuse it."""
    from checkin.models import User
    from checkin.services.people import assessment

    with_policy(october, bulletin_ranking=False)
    assert publish(client, token_for("sup_county"), world["county"]).status_code == 201
    with october.app_context():
        s = db.session()
        cadre = s.get(User, world["cadre_a"])
        row = assessment.row_of(s, cadre, 2026, october.extensions["checkin_policy"])
        assert row.records.yellow_cards == 1
        other = assessment.row_of(s, s.get(User, world["cadre_b"]), 2026,
                                  october.extensions["checkin_policy"])
        assert other.records.yellow_cards == 0
