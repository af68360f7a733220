"""The aggregated ledger (month bitmasks kept by triggers) equals the domain function.

Random cadres, terms, days on post and leave on SQLite and PostgreSQL; the ledgers from
`ledger.ledgers` (attendance_years + leave) must equal `attendance.yearly_ledger` over the
raw attendance_days rows, for many days of "today", years and policies. The month grid
of the supervisors' page is checked the same way.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, func, insert, select, update

from checkin import db
from checkin.domain import attendance
from checkin.domain.policy import Policy
from checkin.models import (
    Area,
    AttendanceDay,
    AttendanceYear,
    Checkin,
    Leave,
    OpeningBalance,
    Team,
    User,
    Village,
)
from checkin.platform import clock
from checkin.scope import Scope
from checkin.services.attendance import boards, ledger
from checkin.services.attendance.leaves import span

POLICIES = (
    Policy(),
    Policy(official_leave_counts=False, training_leave_counts=False, forecast_window_days=60),
    Policy(forecast_window_days=1, days_on_post_per_year=180),
    Policy(forecast_window_days=7, official_leave_counts=False),
)
KINDS = ("personal", "sick", "official", "training")
STATUSES = ("pending", "approved", "rejected", "closed", "approved", "closed")


def _random_term(rng: random.Random) -> tuple[date, date | None]:
    start = date(2024, 6, 1) + timedelta(days=rng.randrange(0, 1000))
    choice = rng.random()
    if choice < 0.3:
        return start, None
    return start, start + timedelta(days=rng.randrange(-5, 700))


def _world(app: Flask, rng: random.Random, cadres: int = 40) -> list[int]:
    """Cadres with random terms (some without a team), random days and random leave."""
    with app.app_context():
        s = db.session()
        province = Area(code="P", name="省", level="province", path="")
        s.add(province)
        s.flush()
        province.path = f"/{province.id}/"
        node = Area(code="V", name="村", level="village", parent_id=province.id, path="")
        s.add(node)
        s.flush()
        node.path = f"{province.path}{node.id}/"
        village = Village(area_id=node.id, code="V", name="村", lat=30.85, lon=116.36,
                          radius_m=1500, area_path=node.path)
        s.add(village)
        s.flush()
        ids = []
        for n in range(cadres):
            team_id = None
            if rng.random() < 0.85:
                start, end = _random_term(rng)
                team = Team(code=f"T{n}", village_id=village.id, term_start=start,
                            term_end=end)
                s.add(team)
                s.flush()
                team_id = team.id
            user = User(username=f"c{n}", name=f"干部{n}", role="cadre", password_hash="!",
                        village_id=village.id, team_id=team_id, session_epoch=0, active=True)
            s.add(user)
            s.flush()
            ids.append(user.id)
        s.commit()
        engine = db.engine()
        checkins, days, leaves = [], [], []
        now = datetime(2025, 1, 1, tzinfo=UTC)
        for user_id in ids:
            anchor = str(uuid.uuid4())
            checkins.append({"id": anchor, "user_id": user_id, "village_id": village.id,
                             "recorded_at": now, "received_at": now, "local_day": now.date(),
                             "lat": 30.85, "lon": 116.36, "accuracy_m": 10.0,
                             "distance_m": 0.0, "in_fence": True, "counts_for_day": True,
                             "flags": "", "reasons": [], "note": None, "queued": False,
                             "digest": "x"})
            rate = rng.choice((0.0, 0.2, 0.6, 0.9, 1.0))
            day = date(2024, 11, 1)
            while day <= date(2027, 2, 28):
                if rng.random() < rate:
                    days.append({"user_id": user_id, "day": day, "village_id": village.id,
                                 "first_checkin_id": anchor})
                day += timedelta(days=1)
            for _ in range(rng.randrange(0, 9)):
                start = date(2024, 12, 1) + timedelta(days=rng.randrange(0, 820))
                end = start + timedelta(days=rng.randrange(0, 40))
                status = rng.choice(STATUSES)
                returned = None
                if status == "closed" and rng.random() < 0.7:
                    returned = start + timedelta(days=rng.randrange(0, 45))
                leaves.append({"id": str(uuid.uuid4()), "user_id": user_id,
                               "village_id": village.id, "kind": rng.choice(KINDS),
                               "start_date": start, "end_date": end, "reason": "",
                               "status": status, "approver_level": "township",
                               "created_at": now, "digest": "x", "returned_on": returned})
        with engine.begin() as conn:
            conn.execute(insert(Checkin), checkins)
            conn.execute(insert(AttendanceDay), days)
            if leaves:
                conn.execute(insert(Leave), leaves)
            # Deletes and moves go through the triggers too.
            gone = rng.sample(days, k=min(len(days), 60))
            for row in gone[:40]:
                conn.execute(delete(AttendanceDay).where(
                    AttendanceDay.user_id == row["user_id"], AttendanceDay.day == row["day"]))
            taken = {(d["user_id"], d["day"]) for d in days}
            for row in gone[40:]:
                target = row["day"] + timedelta(days=rng.randrange(1, 400))
                if (row["user_id"], target) in taken:
                    continue
                taken.add((row["user_id"], target))
                conn.execute(update(AttendanceDay).where(
                    AttendanceDay.user_id == row["user_id"], AttendanceDay.day == row["day"]
                ).values(day=target))
        return ids


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_aggregated_ledger_equals_the_domain_function(app: Flask, seed: int) -> None:
    rng = random.Random(seed)
    ids = _world(app, rng)
    todays = [date(2025, 1, 1), date(2025, 1, 15), date(2025, 2, 28), date(2025, 6, 30),
              date(2025, 12, 31), date(2026, 1, 3), date(2026, 3, 1), date(2026, 11, 22),
              date(2026, 12, 31), date(2027, 1, 20)]
    todays += [date(2025, 1, 1) + timedelta(days=rng.randrange(0, 800)) for _ in range(4)]
    compared = 0
    with app.app_context():
        session = db.session()
        cadres = list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))
        for today in todays:
            app.config["FIXED_NOW"] = datetime(today.year, today.month, today.day, 4,
                                               tzinfo=UTC)
            for year in (2025, 2026, 2027):
                policy = rng.choice(POLICIES)
                fast = ledger.ledgers(session, cadres, year, policy)
                slow = ledger.reference_ledgers(session, cadres, year, policy)
                assert [r.user.id for r in fast] == [c.id for c in cadres]
                for got, want in zip(fast, slow, strict=True):
                    assert got.ledger == want.ledger, (today, year, policy, got.user.id)
                    compared += 1
    assert compared == len(todays) * 3 * len(ids)


def _openings(app: Flask, rng: random.Random, ids: list[int]) -> int:
    """Opening balances (开账) for about a third of the cadres in 2025 and 2026: go-live
    anywhere in the year, a few hundred days or none before it."""
    rows = []
    for user_id in ids:
        for year in (2025, 2026):
            if rng.random() < 0.35:
                go_live = date(year, 1, 1) + timedelta(days=rng.randrange(0, 365))
                rows.append({"user_id": user_id, "year": year, "go_live": go_live,
                             "on_post_days": rng.randrange(0, 250),
                             "official_days": rng.randrange(0, 10),
                             "training_days": rng.randrange(0, 6),
                             "leave_days": rng.randrange(0, 20), "note": "",
                             "set_at": datetime(2025, 1, 1, tzinfo=UTC)})
    with app.app_context(), db.engine().begin() as conn:
        conn.execute(insert(OpeningBalance), rows)
    return len(rows)


@pytest.mark.parametrize("seed", [4, 5])
def test_aggregated_ledger_with_opening_balances_equals_the_domain_function(
        app: Flask, seed: int) -> None:
    rng = random.Random(seed)
    ids = _world(app, rng)
    assert _openings(app, rng, ids) > 10
    todays = [date(2025, 1, 1), date(2025, 6, 30), date(2025, 12, 31), date(2026, 3, 1),
              date(2026, 11, 22), date(2027, 1, 20)]
    todays += [date(2025, 1, 1) + timedelta(days=rng.randrange(0, 800)) for _ in range(4)]
    opened = 0
    with app.app_context():
        session = db.session()
        cadres = list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))
        for today in todays:
            app.config["FIXED_NOW"] = datetime(today.year, today.month, today.day, 4,
                                               tzinfo=UTC)
            for year in (2025, 2026):
                policy = rng.choice(POLICIES)
                fast = ledger.ledgers(session, cadres, year, policy)
                slow = ledger.reference_ledgers(session, cadres, year, policy)
                for got, want in zip(fast, slow, strict=True):
                    assert got.ledger == want.ledger, (today, year, policy, got.user.id)
                    opened += got.ledger.opening_days > 0
    assert opened > 20  # the balances were read, not only the records


def test_bitmasks_follow_attendance_days(app: Flask) -> None:
    ids = _world(app, random.Random(7), cadres=12)
    with app.app_context():
        session = db.session()
        first, last = date(2024, 11, 1), date(2027, 2, 28)
        masks = ledger.day_masks(session, ids, first, last)
        days = ledger.days_on_post(session, ids, first, last)
        for user_id in ids:
            assert ledger.slot_dates(first.year, masks.get(user_id, 0)) == days.get(user_id,
                                                                                    set())
        total = session.scalar(select(func.count()).select_from(AttendanceDay).where(
            AttendanceDay.day.between(first, last)))
        assert total == sum(mask.bit_count() for mask in masks.values())
        assert session.scalar(select(func.count()).select_from(AttendanceYear)) > 0
        # The triggers kept every year's months as attendance_days has them.
        expected: dict[tuple[int, int], list[int]] = {}
        for user_id, day in session.execute(select(AttendanceDay.user_id, AttendanceDay.day)):
            months = expected.setdefault((user_id, day.year), [0] * 12)
            months[day.month - 1] |= 1 << (day.day - 1)
        kept = {(row.user_id, row.year): [getattr(row, f"m{n:02d}") for n in range(1, 13)]
                for row in session.scalars(select(AttendanceYear))}
        assert kept == expected


@pytest.mark.parametrize("seed", [4, 5])
def test_month_grid_equals_the_domain_classification(app: Flask, seed: int) -> None:
    rng = random.Random(seed)
    ids = _world(app, rng, cadres=25)
    with app.app_context():
        session = db.session()
        cadres = list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id)))
        for year, month in ((2025, 1), (2025, 2), (2025, 12), (2026, 2), (2026, 6),
                            (2026, 11), (2027, 2)):
            for today in (date(year, month, 1) - timedelta(days=1), date(year, month, 1),
                          date(year, month, 14), date(year, month, 28) + timedelta(days=5)):
                dates, rows = boards.month_grid(session, cadres, year, month, today)
                first, last = dates[0], dates[-1]
                days = ledger.days_on_post(session, ids, first, last)
                leaves = ledger.leaves_of(session, ids, first, last)
                for row in rows:
                    want = attendance.classify_days(days.get(row.cadre.id, set()),
                                                    leaves.get(row.cadre.id, []), first,
                                                    last, today)
                    assert row.cells == tuple(want[d] for d in dates), (year, month, today)
                    assert row.counts == {k: row.cells.count(k) for k in (
                        "on_post", "official", "training", "leave", "absent", "pending")}


def test_today_board_finds_the_days_check_ins(app: Flask) -> None:
    """The board's index-friendly query finds exactly the check-ins of the local day."""
    rng = random.Random(11)
    ids = _world(app, rng, cadres=30)
    day = date(2026, 3, 10)
    app.config["FIXED_NOW"] = datetime(2026, 3, 10, 12, tzinfo=UTC)
    rows = []
    with app.app_context():
        village = db.session().scalar(select(Village.id))
        for user_id in ids:
            for _ in range(rng.randrange(0, 5)):
                # Around the day in Shanghai: some the evening before, some the next morning.
                moment = datetime(2026, 3, 9, 12, tzinfo=UTC) + timedelta(
                    minutes=rng.randrange(0, 36 * 60))
                local = clock.local_day(moment)
                rows.append({"id": str(uuid.uuid4()), "user_id": user_id,
                             "village_id": village, "recorded_at": moment,
                             "received_at": moment, "local_day": local, "lat": 30.85,
                             "lon": 116.36, "accuracy_m": 10.0, "distance_m": 0.0,
                             "in_fence": True, "counts_for_day": rng.random() < 0.5,
                             "flags": "", "reasons": [], "note": None, "queued": False,
                             "digest": "x"})
        with db.engine().begin() as conn:
            conn.execute(insert(Checkin), rows)
        board = boards.today_board(db.session(), Scope(role="admin", user_id=0), day,
                                   boards.Filters())
        session = db.session()
        on_leave = {leave.user_id for leave in session.scalars(select(Leave).where(
            Leave.status.in_(("approved", "closed")), Leave.start_date <= day,
            Leave.end_date >= day)) if span(leave).effective_end >= day}
        seen = 0
        for village_board in board:
            for row in village_board.rows:
                mine = sorted((r for r in rows if r["user_id"] == row.cadre.id
                               and r["local_day"] == day), key=lambda r: r["recorded_at"],
                              reverse=True)
                counting = [r for r in mine if r["counts_for_day"]]
                if counting:
                    want, last = "on_post", counting[0]
                elif row.cadre.id in on_leave:
                    want, last = "on_leave", mine[0] if mine else None
                elif mine:
                    want, last = "outside", mine[0]
                else:
                    want, last = "not_yet", None  # the day still runs
                assert row.status == want
                assert (row.last.id if row.last else None) == (last["id"] if last else None)
                seen += 1
        assert seen == len(ids)
