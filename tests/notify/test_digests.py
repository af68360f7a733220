"""The supervisors' daily and weekly digests: one message per supervisor and period, of
their own jurisdiction (who was not on post, the leave and make-ups waiting for *their*
decision, new serious findings), nothing when all is well, the same number of queries for
any number of cadres, each job waiting for its own hour."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from checkin import db
from checkin.models import Leave, Notification, User
from checkin.ops import scheduler
from checkin.ops.jobs import JOBS
from checkin.platform import clock
from checkin.services.notify import digests
from tests.conftest import in_the_window, new_checkin
from tests.notify.test_inbox import _inbox

DIGEST_KEYS = ("absent", "names", "leave", "makeup", "findings")


def _digests(app: Flask, kind: str) -> dict[int, dict[str, Any]]:
    with app.app_context():
        rows = list(db.session().scalars(select(Notification).where(Notification.kind == kind)))
    assert len({r.user_id for r in rows}) == len(rows), "one per supervisor"
    return {r.user_id: {k: r.params[k] for k in DIGEST_KEYS} for r in rows}


def _run(app: Flask, job: Any) -> int:
    with app.app_context():
        session = db.session()
        made = job(session, clock.today())
        session.commit()
        return int(made)


def test_the_daily_digest_tells_each_supervisor_of_their_own_area(app: Flask, client, world,
                                                                   token_for) -> None:
    # A serious finding in township one today: its township and the county hear of it.
    app.config["FIXED_NOW"] = in_the_window()
    assert client.post(f"/api/v1/spotchecks/{world['presence_a']}/result",
                       json={"method": "phone", "outcome": "not_confirmed"},
                       headers=token_for("sup_t1")).status_code == 200
    assert _run(app, digests.supervisor_daily) == 3
    assert _run(app, digests.supervisor_daily) == 0, "once per day and supervisor"
    # The leaders checked in today; their members did not. Each leader has a 2-day leave
    # pending: the township decides it, so it waits for the township, not the county.
    assert _digests(app, "digest.supervisor_daily") == {
        world["sup_t1"]: {"absent": 1, "names": ["CadreAMember"], "leave": 1, "makeup": 0,
                          "findings": 1},
        world["sup_t2"]: {"absent": 1, "names": ["CadreBMember"], "leave": 1, "makeup": 0,
                          "findings": 0},
        world["sup_county"]: {"absent": 2, "names": ["CadreAMember", "CadreBMember"],
                              "leave": 0, "makeup": 0, "findings": 1}}
    text = _inbox(client, {**token_for("sup_t2"), "Accept-Language": "en"})["items"][0]
    assert text["kind"] == "digest.supervisor_daily" and text["link"] == "/attendance/today"
    assert text["text"] == (f"{clock.today().isoformat()}: Not on post today: 1 "
                            "(CadreBMember). Waiting for your decision: 1 leave, 0 make-ups.")
    for cadre in ("cadre_a", "cadre_a2", "cadre_b"):  # the findings are never a cadre's
        assert _inbox(client, token_for(cadre))["items"] == []


def test_nothing_to_tell_is_no_digest(app: Flask, world) -> None:
    with app.app_context():
        session = db.session()
        for user in session.scalars(select(User).where(User.role == "cadre")):
            new_checkin(session, user)
        session.execute(Notification.__table__.delete())
        session.execute(Leave.__table__.delete())
        session.commit()
    assert _run(app, digests.supervisor_daily) == 0


def test_the_weekly_digest_counts_the_days_not_on_post(app: Flask, world,
                                                       make_checkin) -> None:
    today = clock.today()
    for back in range(1, 8):  # cadre_a on post all seven days before today
        make_checkin("cadre_a", day=today - timedelta(days=back))
    for back in (1, 2):  # cadre_b two of them
        make_checkin("cadre_b", day=today - timedelta(days=back))
    assert _run(app, digests.supervisor_weekly) == 3
    assert _run(app, digests.supervisor_weekly) == 0
    found = _digests(app, "digest.supervisor_weekly")
    assert found[world["sup_t1"]]["names"] == ["CadreAMember"]
    assert found[world["sup_t2"]]["names"] == ["CadreBMember", "CadreBLeader"]  # 7 days, 5
    assert found[world["sup_county"]] == {
        "absent": 3, "names": ["CadreAMember", "CadreBMember", "CadreBLeader"], "leave": 0,
        "makeup": 0, "findings": 0}


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = db.engine()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_digest_reads_every_cadre_without_a_query_each(app: Flask, world) -> None:
    def queries() -> int:
        with app.app_context(), _statements(app) as seen:
            session = db.session()
            digests.supervisor_daily(session, clock.today())
            digests.supervisor_weekly(session, clock.today())
            session.rollback()
            return len(seen)

    before = queries()
    with app.app_context():
        session = db.session()
        base = session.get(User, world["cadre_a2"])
        for n in range(40):
            session.add(User(username=f"more{n}", name=f"More{n:02d}", role="cadre",
                             village_id=base.village_id if n % 2 else world["vb"],
                             team_id=base.team_id, password_hash="x", active=True))
        session.commit()
    assert queries() == before


def test_each_digest_waits_for_its_own_hour(app: Flask, world) -> None:
    daily = [j for j in JOBS if j.name in ("supervisor_daily", "supervisor_weekly")]
    monday = clock.today() - timedelta(days=clock.today().weekday())
    app.config["FIXED_NOW"] = datetime.combine(monday, time(10), clock.zone())
    app.config.update(DIGEST_DAILY_HOUR=18, DIGEST_WEEKLY_HOUR=8)
    with app.app_context():
        assert [(r.job, r.outcome) for r in scheduler.run_due(daily)] == [
            ("supervisor_weekly", "ok")]
        app.config["FIXED_NOW"] = datetime.combine(monday, time(18, 5), clock.zone())
        assert [(r.job, r.outcome) for r in scheduler.run_due(daily)] == [
            ("supervisor_daily", "ok"), ("supervisor_weekly", "skipped")]
