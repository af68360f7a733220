"""The events beyond leave: a make-up asked reaches its deciders and its decision the cadre;
a serious spot-check finding reaches the county over the village, never a cadre; a roster
import that finished tells the admin who started it; a published bulletin tells the cadres
of the area. Each notifies once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Notification
from tests.conftest import in_the_window
from tests.notify.test_inbox import _inbox
from tests.roster.test_import_job import post, wait
from tests.roster.test_roster_import import changed, xlsx

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday 18 November, 10:00 in Shanghai


def _told(app: Flask) -> list[tuple[int, str]]:
    with app.app_context():
        return sorted(db.session().execute(select(Notification.user_id, Notification.kind)))


def test_a_make_up_reaches_the_township_and_its_decision_the_cadre(
        app: Flask, client, world, token_for) -> None:
    app.config["FIXED_NOW"] = NOW
    body = {"id": str(uuid.uuid4()), "day": "2026-11-03", "reason": "山里无信号"}
    for _ in range(2):  # a replay of the same request tells nobody again
        assert client.post("/api/v1/attendance/corrections", json=body,
                           headers=token_for("cadre_a2")).status_code in (200, 201)
    assert _told(app) == [(world["sup_t1"], "correction.asked")]
    item = _inbox(client, token_for("sup_t1"))["items"][0]
    assert "CadreAMember" in item["text"] and "2026-11-03" in item["text"]
    assert item["link"] == "/attendance/leaves"
    decided = client.post(f"/api/v1/attendance/corrections/{body['id']}/decision",
                          json={"approve": False, "comment": "无依据"},
                          headers=token_for("sup_t1"))
    assert decided.status_code == 200, decided.get_json()
    mine = _inbox(client, {**token_for("cadre_a2"), "Accept-Language": "en"})["items"]
    assert [(i["kind"], i["text"]) for i in mine] == [
        ("correction.rejected", "Your make-up for 2026-11-03 was not approved.")]


def test_a_serious_finding_reaches_the_county_and_never_a_cadre(
        app: Flask, client, world, token_for) -> None:
    app.config["FIXED_NOW"] = in_the_window()
    answered = client.post(f"/api/v1/spotchecks/{world['presence_a']}/result",
                           json={"method": "phone", "outcome": "not_confirmed"},
                           headers=token_for("sup_t1"))
    assert answered.status_code == 200, answered.get_json()
    assert _told(app) == [(world["sup_county"], "spotcheck.finding")]
    text = _inbox(client, token_for("sup_county"))["items"][0]["text"]
    assert "CadreALeader" in text and "UnitOne局" in text  # the unit, for the county to tell
    for cadre in ("cadre_a", "cadre_a2"):
        assert _inbox(client, token_for(cadre))["items"] == []


def test_a_passed_check_tells_nobody(app: Flask, client, world, token_for) -> None:
    app.config["FIXED_NOW"] = in_the_window()
    assert client.post(f"/api/v1/spotchecks/{world['presence_b']}/result",
                       json={"method": "phone", "outcome": "confirmed"},
                       headers=token_for("sup_t2")).status_code == 200
    assert _told(app) == []


def test_a_finished_import_tells_the_admin_who_started_it(app: Flask, client, world,
                                                          token_for) -> None:
    admin = token_for("admin")
    preview = wait(client, post(client, admin, xlsx(), dry_run="true").get_json()["id"], admin)
    failed = wait(client, post(client, admin, xlsx(changed("村", 1, 3, 300))).get_json()["id"],
                  admin)
    done = wait(client, post(client, admin, xlsx()).get_json()["id"], admin)
    assert (preview["status"], failed["status"], done["status"]) == ("done", "failed", "done")
    texts = [i["text"] for i in _inbox(client, {**admin, "Accept-Language": "en"})["items"]]
    new, updated = sum(done["created"].values()), sum(done["updated"].values())
    assert new > 0
    assert texts == [
        f"Roster import {done['id']} is done: {new} new, {updated} changed.",
        f"Roster import {failed['id']} failed with {len(failed['problems'])} problems.",
        f"The preview of roster import {preview['id']} is ready: "
        f"{sum(preview['created'].values())} new, {sum(preview['updated'].values())} changed."]
    assert {user for user, _ in _told(app)} == {world["admin"]}


def test_a_published_bulletin_tells_the_cadres_of_the_area(app: Flask, client, world,
                                                           token_for) -> None:
    app.config["FIXED_NOW"] = NOW
    county = token_for("sup_county")
    for _ in range(2):
        assert client.post("/api/v1/bulletins/2026-10/publish", json={
            "area_id": world["county"]}, headers=county).status_code in (200, 201)
    told = _told(app)
    assert told == sorted((world[c], "bulletin.published")
                          for c in ("cadre_a", "cadre_a2", "cadre_b", "cadre_b2"))
    item = _inbox(client, token_for("cadre_b"))["items"][0]
    assert "2026-10" in item["text"] and "CountyOne县" in item["text"]
    assert date.fromisoformat("2026-10-01")  # the month is October, finished
