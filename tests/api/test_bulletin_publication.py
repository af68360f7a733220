"""Published months (issue 12, case 4): a county publishes a finished month's bulletin and
from then on the month answers that snapshot, whatever records arrive later. Late records
are listed as late changes; a correction is a new publication pointing at the old one; an
unfinished month is provisional and never shows a red flag or a yellow card."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from checkin import db
from checkin.models import Area, AuditEntry
from tests.api.test_spotchecks_api import verdict_of
from tests.spotcheck_helpers import MONTH, NOW

OCTOBER = "2026-10"
LATER = NOW + timedelta(hours=2)


@pytest.fixture
def wednesday(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW  # Wednesday 18 November 2026: October is over
    return app


def publish(client, headers, month: str = OCTOBER, **body: Any) -> Any:
    return client.post(f"/api/v1/bulletins/{month}/publish", json=body, headers=headers)


def get(client, headers, area_id: int, month: str = OCTOBER) -> Any:
    return client.get(f"/api/v1/bulletins/{month}?area_id={area_id}", headers=headers)


def late_changes(client, headers, area_id: int, month: str = OCTOBER) -> Any:
    return client.get(f"/api/v1/bulletins/{month}/late-changes?area_id={area_id}",
                      headers=headers)


def october(make_checkin, cadre: str, days: range, **columns: Any) -> None:
    for day in days:
        make_checkin(cadre, day=date(2026, 10, day), **columns)


def arrive_later(app: Flask, make_checkin, cadre: str, days: range) -> None:
    """October check-ins that reach the server two hours after the publication."""
    app.config["FIXED_NOW"] = LATER
    october(make_checkin, cadre, days, received_at=LATER)


def test_a_published_month_is_not_rewritten_by_late_records(wednesday, client, world,
                                                            make_checkin, token_for) -> None:
    october(make_checkin, "cadre_b", range(1, 11))
    october(make_checkin, "cadre_b2", range(1, 11))
    october(make_checkin, "cadre_a", range(1, 4))
    county = token_for("sup_county")
    published = publish(client, county, area_id=world["county"])
    assert published.status_code == 201, published.get_json()
    body = published.get_json()
    assert body["month"] == OCTOBER and body["area_id"] == world["county"]
    assert body["provisional"] is False and body["published_at"].endswith("Z")
    assert body["supersedes_id"] is None and len(body["digest"]) == 64
    rows = {r["team_id"]: r for r in body["rows"]}
    assert rows[world["team_b"]]["award"] == "red_flag"
    assert rows[world["team_a"]]["counted_days"] == 3
    before = get(client, county, world["county"])
    assert before.status_code == 200 and before.get_json() == body
    # the attack: a month of back-dated days for team A arrives after publication
    arrive_later(wednesday, make_checkin, "cadre_a", range(4, 32))
    arrive_later(wednesday, make_checkin, "cadre_a2", range(1, 32))
    after = get(client, county, world["county"])
    assert after.status_code == 200
    assert after.data == before.data  # byte for byte the circulated bulletin
    changes = late_changes(client, county, world["county"])
    assert changes.status_code == 200
    listed = changes.get_json()
    assert listed["publication_id"] == body["id"] and listed["published_at"] == \
        body["published_at"]
    by_team = {c["team_id"]: c for c in listed["items"]}
    team_a = by_team[world["team_a"]]["changes"]
    assert team_a["counted_days"] == {"published": 3, "now": 62}
    assert team_a["award"] == {"published": None, "now": "red_flag"}
    assert team_a["rank"] == {"published": 2, "now": 1}
    assert by_team[world["team_a"]]["late_records"]["checkins"] == 59
    assert by_team[world["team_b"]]["changes"]["award"] == {"published": "red_flag",
                                                           "now": None}


def test_publishing_is_audited_and_the_snapshot_insert_only(wednesday, client, world,
                                                            token_for) -> None:
    county = token_for("sup_county")
    body = publish(client, county, area_id=world["county"]).get_json()
    with wednesday.app_context():
        s = db.session()
        entry = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "bulletin.publish")).one()
        assert entry.actor_id == world["sup_county"] and entry.entity_id == str(body["id"])
        with pytest.raises(DBAPIError):
            s.execute(text("UPDATE bulletin_publications SET month = '2026-09'"))
        s.rollback()
        with pytest.raises(DBAPIError):
            s.execute(text("DELETE FROM bulletin_publications"))
        s.rollback()


def test_publishing_again_answers_the_snapshot_or_asks_for_a_correction(
        wednesday, client, world, make_checkin, token_for) -> None:
    county = token_for("sup_county")
    first = publish(client, county, area_id=world["county"])
    assert first.status_code == 201
    again = publish(client, county, area_id=world["county"])
    assert again.status_code == 200 and again.data == first.data  # nothing arrived since
    arrive_later(wednesday, make_checkin, "cadre_a", range(1, 11))
    refused = publish(client, county, area_id=world["county"])
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "bulletin_published"
    assert get(client, county, world["county"]).data == first.data
    corrected = publish(client, county, area_id=world["county"],
                        correction_reason="乡镇补录了10月考勤 / township entered October late")
    assert corrected.status_code == 201, corrected.get_json()
    body = corrected.get_json()
    assert body["supersedes_id"] == first.get_json()["id"] and body["id"] != body[
        "supersedes_id"]
    assert body["correction_reason"].startswith("乡镇补录")
    assert body["digest"] != first.get_json()["digest"]
    rows = {r["team_id"]: r for r in body["rows"]}
    assert rows[world["team_a"]]["counted_days"] == 10
    assert get(client, county, world["county"]).get_json() == body
    assert late_changes(client, county, world["county"]).get_json()["items"] == []
    with wednesday.app_context():
        assert db.session().scalar(text("SELECT count(*) FROM bulletin_publications")) == 2


def test_an_unfinished_month_is_provisional_and_cannot_be_published(
        wednesday, client, world, token_for) -> None:
    county = token_for("sup_county")
    # a failed presence check this month: a yellow card, once the month is over
    assert verdict_of(client, county, world["presence_a"], outcome="not_confirmed") == "fail"
    body = get(client, county, world["county"], MONTH).get_json()
    assert body["provisional"] is True and body["published_at"] is None
    assert body["rows"] and all(r["award"] is None for r in body["rows"])
    refused = publish(client, county, MONTH, area_id=world["county"])
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "month_not_finished"
    assert get(client, county, world["county"], MONTH).get_json()["provisional"] is True


@pytest.mark.parametrize(("moment", "status"), [
    (datetime(2026, 11, 30, 15, 59, tzinfo=UTC), 422),  # 23:59 on 30 November in Shanghai
    (datetime(2026, 11, 30, 16, 0, tzinfo=UTC), 201),   # 00:00 on 1 December in Shanghai
])
def test_a_month_is_over_in_shanghai_time(app, client, world, token_for, moment,
                                          status) -> None:
    app.config["FIXED_NOW"] = moment
    assert publish(client, token_for("sup_county"), MONTH,
                   area_id=world["county"]).status_code == status


def test_a_finished_unpublished_month_is_final_but_not_published(wednesday, client, world,
                                                                 token_for) -> None:
    body = get(client, token_for("sup_county"), world["county"]).get_json()
    assert body["provisional"] is False and body["published_at"] is None
    assert any(r["award"] == "red_flag" for r in body["rows"])


def test_only_the_county_publishes(wednesday, client, world, token_for) -> None:
    township = token_for("sup_t1")
    assert publish(client, township, area_id=world["t1"]).status_code == 403
    assert publish(client, township, area_id=world["county"]).status_code == 404
    assert publish(client, token_for("cadre_a"), area_id=world["county"]).status_code == 404
    county = token_for("sup_county")
    assert publish(client, county, area_id=world["t3"]).status_code == 404  # other county
    assert publish(client, county, area_id="x").status_code == 400
    assert publish(client, county, month="2026-13", area_id=world["county"]).status_code == 400
    assert late_changes(client, township, world["county"]).status_code == 404
    assert late_changes(client, token_for("cadre_a"), world["county"]).status_code == 404
    assert publish(client, county, area_id=world["county"]).status_code == 201
    # the township reads its own bulletin, computed for its area, not the county's snapshot
    own = get(client, township, world["t1"]).get_json()
    assert own["published_at"] is None


def test_publishing_at_the_same_moment_makes_one_publication(wednesday, world,
                                                             token_for) -> None:
    import threading

    headers = token_for("sup_county")
    answers: list[tuple[int, Any]] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        client = wednesday.test_client()
        barrier.wait()
        response = publish(client, headers, area_id=world["county"])
        answers.append((response.status_code, (response.get_json() or {}).get("id")))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(s for s, _ in answers) == [200] * 5 + [201], answers
    assert len({i for _, i in answers}) == 1
    with wednesday.app_context():
        assert db.session().scalar(text("SELECT count(*) FROM bulletin_publications")) == 1


def test_the_database_holds_one_first_publication_and_one_correction_of_each(
        wednesday, client, world, token_for) -> None:
    from sqlalchemy.exc import IntegrityError

    from checkin.models import BulletinPublication

    first = publish(client, token_for("sup_county"), area_id=world["county"]).get_json()

    def again(supersedes_id: int | None) -> None:
        with wednesday.app_context():
            s = db.session()
            s.add(BulletinPublication(area_id=world["county"], month=OCTOBER, content={},
                                      digest="0" * 64, published_at=NOW,
                                      published_by_id=world["sup_county"],
                                      supersedes_id=supersedes_id, correction_reason="x"))
            with pytest.raises(IntegrityError):
                s.flush()
            s.rollback()

    again(None)  # a second first publication of the area's month
    with wednesday.app_context():
        s = db.session()
        s.add(BulletinPublication(area_id=world["county"], month=OCTOBER, content={},
                                  digest="1" * 64, published_at=NOW,
                                  published_by_id=world["sup_county"],
                                  supersedes_id=first["id"], correction_reason="x"))
        s.commit()
    again(first["id"])  # a second correction of the same publication


def test_a_correction_after_publication_is_a_late_change(wednesday, client, world,
                                                         token_for) -> None:
    """Issue 15: an October finding corrected after October's bulletin was published is
    listed as a late change of its team, and the month's figures now follow the correction."""
    from datetime import time

    from checkin.models import SpotcheckBatch, SpotcheckItem, SpotcheckResult, User
    from checkin.services.spotchecks import results

    with wednesday.app_context():
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
        moment = datetime(2026, 10, 21, 2, 0, tzinfo=UTC)
        s.add(SpotcheckResult(item_id=item.id, checked_by_id=world["sup_t1"], method="phone",
                              outcome="not_confirmed", verdict="fail", note="",
                              recorded_at=moment, local_day=date(2026, 10, 21)))
        s.commit()
        item_id = item.id
    county = token_for("sup_county")
    body = publish(client, county, area_id=world["county"]).get_json()
    rows = {r["team_id"]: r for r in body["rows"]}
    assert rows[world["team_a"]]["award"] == "yellow_card"
    wednesday.config["FIXED_NOW"] = LATER
    with wednesday.app_context():
        s = db.session()
        result = s.get(SpotcheckItem, item_id).result
        results.correct_result(s, s.get(User, world["sup_county"]), result,
                               results.CorrectionInput("phone", "confirmed",
                                                       reason="wrong button"))
        s.commit()
    listed = late_changes(client, county, world["county"]).get_json()
    by_team = {c["team_id"]: c for c in listed["items"]}
    assert by_team[world["team_a"]]["late_records"]["spotcheck_results"] == 1
    assert by_team[world["team_a"]]["changes"]["award"]["published"] == "yellow_card"
    assert by_team[world["team_a"]]["changes"]["award"]["now"] != "yellow_card"
