"""Property (issue 12): with make-ups (补卡) and late records present, the ledgers agree on
the same day counts: the year ledger, the month summary, the supervisors' month grid and
its export, the year export and the monthly bulletin, and all of them count exactly the
days of on-time check-ins and approved make-ups."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checkin import db
from checkin.models import Area, User
from checkin.scope import Scope
from checkin.services.reporting.bulletin import monthly_bulletin
from checkin.settings import policy

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, 20 November
WINDOW = timedelta(hours=72)
INSIDE = {"lat": 30.901, "lon": 116.451, "accuracy_m": 25}  # village Beta
days = st.dates(min_value=date(2026, 10, 1), max_value=date(2026, 11, 19))
acts = st.sampled_from(["on_time", "late", "live_back_dated", "makeup_approved",
                        "makeup_rejected", "makeup_pending"])


def _moment(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def _checkin(client, bearer, app: Flask, recorded: datetime, sent: datetime,
             queued: bool) -> bool:
    app.config["FIXED_NOW"] = sent
    body = {"id": str(uuid.uuid4()), **INSIDE, "recorded_at": recorded.isoformat(),
            "queued": queued}
    response = client.post("/api/v1/checkins", json=body, headers=bearer)
    app.config["FIXED_NOW"] = NOW
    assert response.status_code == 201, response.get_json()
    return response.get_json()["counts_for_day"]


def _act(client, tokens, app: Flask, act: str, day: date, counted: set[date],
         made_up: set[date]) -> None:
    if act == "on_time":  # made offline at 09:00, sent an hour later
        recorded = _moment(day, 9)
        if _checkin(client, tokens["cadre"], app, recorded, recorded + timedelta(hours=1),
                    True):
            counted.add(day)
    elif act == "late":  # made at 09:00, sent now: counts only within the window
        recorded = _moment(day, 9)
        counts = _checkin(client, tokens["cadre"], app, recorded, NOW, True)
        assert counts == (NOW - recorded <= WINDOW)
        if counts:
            counted.add(day)
    elif act == "live_back_dated":
        assert not _checkin(client, tokens["cadre"], app, _moment(day, 9), NOW, False)
    else:
        asked = client.post("/api/v1/attendance/corrections", json={
            "id": str(uuid.uuid4()), "day": day.isoformat(), "reason": "无信号"},
            headers=tokens["cadre"])
        if asked.status_code != 201:  # the day counts, or a make-up waits or was approved
            assert asked.get_json()["error"]["code"] in (
                "correction_day_counts", "correction_pending")
            return
        if act == "makeup_pending":
            return
        approve = act == "makeup_approved"
        decided = client.post(
            f"/api/v1/attendance/corrections/{asked.get_json()['id']}/decision",
            json={"approve": approve, "comment": "核实"}, headers=tokens["township"])
        assert decided.status_code == 200
        if approve:
            counted.add(day)
            made_up.add(day)


def _csv_row(client, path: str, name: str) -> tuple[list[str], list[str]]:
    lines = list(csv.reader(io.StringIO(client.get(path).data.decode("utf-8-sig"))))
    header = next(line for line in lines if line and line[0] == "姓名")
    return header, next(line for line in lines if line and line[0] == name)


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(acts, days), min_size=1, max_size=8))
def test_every_ledger_counts_the_same_days(app, client, world, token_for, login,
                                           steps) -> None:
    app.config["FIXED_NOW"] = NOW
    tokens = {"cadre": token_for("cadre_b2"), "township": token_for("sup_t2")}
    state = app.extensions.setdefault("property_state", {"counted": set(), "made_up": set()})
    counted, made_up = state["counted"], state["made_up"]
    for act, day in steps:
        _act(client, tokens, app, act, day, counted, made_up)
    app.config["FIXED_NOW"] = NOW
    supervisor = token_for("sup_county")
    year = client.get(f"/api/v1/attendance?year=2026&user_id={world['cadre_b2']}",
                      headers=supervisor).get_json()
    assert year["on_post_days"] == len(counted)
    web = login(app.test_client(), "sup_county")
    for month in (10, 11):
        in_month = {d for d in counted if d.month == month}
        rows = client.get(f"/api/v1/attendance/summary?month=2026-{month}",
                          headers=supervisor).get_json()["items"]
        assert next(r["on_post_days"] for r in rows
                    if r["user_id"] == world["cadre_b2"]) == len(in_month)
        header, row = _csv_row(web, f"/attendance/month.csv?month=2026-{month:02d}",
                               "CadreBMember")
        cells = row[4:4 + (31 if month == 10 else 30)]
        assert cells.count("在岗") + cells.count("补卡") == len(in_month)
        assert cells.count("补卡") == len({d for d in made_up if d.month == month})
        assert int(row[header.index("在岗")]) == len(in_month)
        with app.app_context():
            session = db.session()
            area = session.get(Area, world["county"])
            county = Scope.for_user(session.get(User, world["sup_county"]))
            bulletin = monthly_bulletin(session, county, area,
                                        f"2026-{month:02d}", NOW.date(), policy())
            line = next(x for x in bulletin.lines if x.team.id == world["team_b"])
            assert line.attendance[0] == len(in_month)  # the leader has no days here
    header, row = _csv_row(web, "/attendance/year.csv?year=2026", "CadreBMember")
    assert int(row[header.index("在岗")]) == len(counted)
