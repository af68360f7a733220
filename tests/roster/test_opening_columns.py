"""The roster's optional go-live columns (issue 14): per cadre the opening balance
(开账日期 and the days before it), per household the last visit and contact before go-live.
A missing column keeps what is stored; an empty cell clears; a balance the calendar cannot
hold is a problem of its row; every change to a balance is audited, as on the admin page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.domain.policy import Policy
from checkin.models import AuditEntry, Household, OpeningBalance, User
from checkin.scope import Scope
from checkin.services.attendance import ledger
from checkin.services.visits import households
from tests.roster.test_absent_columns import emptied, without
from tests.roster.test_roster_import import ROWS, problems_of, run_import, xlsx

NOW = datetime(2026, 12, 20, 4, 0, tzinfo=UTC)
OPENING = ["开账日期", "开账前在岗天数", "开账前公差天数", "开账前培训天数", "开账前请假天数"]


def with_opening(**cells: list[Any]) -> dict[str, list[list[Any]]]:
    """The sample roster; the cadres' sheet with the opening columns (zhangsan, lisi)."""
    rows = {k: [list(line) for line in v] for k, v in ROWS.items()}
    rows["驻村干部"][0] += OPENING
    rows["驻村干部"][1] += cells.get("zhangsan", ["2026-12-01", 180, 5, 4, 10])
    rows["驻村干部"][2] += cells.get("lisi", [None, None, None, None, None])
    rows["农户"][0] += ["上次走访日期", "上次联系日期"]
    rows["农户"][1] += cells.get("H0001", ["2026-10-15", "2026-11-20"])
    rows["农户"][2] += cells.get("H0002", [None, None])
    return rows


def balances(app: Flask) -> dict[str, OpeningBalance]:
    with app.app_context():
        s = db.session()
        found = {}
        for row in s.scalars(select(OpeningBalance)):
            s.expunge(row)
            found[s.get(User, row.user_id).username] = row
        return found


def audits(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEntry).where(
            AuditEntry.entity == "opening_balance").order_by(AuditEntry.id)))


@pytest.fixture(autouse=True)
def december(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW


def test_the_columns_set_the_balance_and_it_counts(app: Flask) -> None:
    run_import(app, xlsx(with_opening()))
    found = balances(app)
    assert set(found) == {"zhangsan"}  # lisi's empty cells: no balance
    row = found["zhangsan"]
    assert (row.year, row.go_live, row.on_post_days, row.official_days, row.training_days,
            row.leave_days) == (2026, date(2026, 12, 1), 180, 5, 4, 10)
    [entry] = audits(app)
    assert entry.detail["via"] == "roster" and entry.detail["after"]["on_post_days"] == 180
    with app.app_context():
        s = db.session()
        cadres = list(s.scalars(select(User).where(User.role == "cadre").order_by(User.id)))
        led = {r.user.username: r.ledger for r in ledger.ledgers(s, cadres, 2026, Policy())}
    assert led["zhangsan"].opening_days == 189 and led["zhangsan"].absent_days == 19
    assert led["lisi"].absent_days == 353  # no balance: every day without a record


def test_a_file_without_the_columns_keeps_the_balance(app: Flask) -> None:
    run_import(app, xlsx(with_opening()))
    rows = with_opening()
    rows["驻村干部"] = without(rows["驻村干部"], *OPENING)
    run_import(app, xlsx(rows))
    assert balances(app)["zhangsan"].on_post_days == 180 and len(audits(app)) == 1


def test_a_file_without_some_day_columns_keeps_those_days(app: Flask) -> None:
    run_import(app, xlsx(with_opening()))
    rows = with_opening(zhangsan=["2026-12-01", 200, 5, 4, 10])
    rows["驻村干部"] = without(rows["驻村干部"], "开账前请假天数", "开账前培训天数")
    run_import(app, xlsx(rows))
    row = balances(app)["zhangsan"]
    assert (row.on_post_days, row.training_days, row.leave_days) == (200, 4, 10)
    last = audits(app)[-1]
    assert last.detail["before"]["on_post_days"] == 180
    assert last.detail["after"]["on_post_days"] == 200


def test_an_empty_go_live_cell_clears_the_balance(app: Flask) -> None:
    run_import(app, xlsx(with_opening()))
    rows = with_opening()
    rows["驻村干部"] = emptied(rows["驻村干部"], *OPENING)
    run_import(app, xlsx(rows))
    assert not balances(app)
    assert audits(app)[-1].action == "opening_balance.clear"


def test_the_same_file_twice_changes_nothing(app: Flask) -> None:
    run_import(app, xlsx(with_opening()))
    result = run_import(app, xlsx(with_opening()))
    assert len(audits(app)) == 1
    assert not [c for c in result.changes if c["entity"] == "opening_balance"]


@pytest.mark.parametrize(("cells", "words"), [
    (["2026-12-01", 335, 0, 0, 0], "more than the term had"),  # Jan–Nov has 334 days
    (["2026-12-01", 300, 20, 0, 20], "more than the term had"),
    (["2026-12-01", 12.5, 0, 0, 0], "is not a number of days"),
    (["2026-12-01", -1, 0, 0, 0], "is not a number of days"),
    ([None, 20, 0, 0, 0], "需要"),
    (["2026年12月1日", 400, 0, 0, 0], "is not a number of days"),
])
def test_an_impossible_balance_is_a_problem_and_nothing_imports(
        app: Flask, cells: list[Any], words: str) -> None:
    texts = problems_of(app, xlsx(with_opening(zhangsan=cells)))
    assert any(words in text for text in texts), texts
    assert not balances(app)


def test_day_columns_without_the_go_live_column_are_a_problem(app: Flask) -> None:
    rows = with_opening()
    rows["驻村干部"] = without(rows["驻村干部"], "开账日期")
    texts = problems_of(app, xlsx(rows))
    assert any("开账日期" in text for text in texts), texts


def test_household_dates_set_the_cadence_and_absent_keeps_empty_clears(app: Flask) -> None:
    run_import(app, xlsx(with_opening()))

    def dates() -> dict[str, tuple[date | None, date | None]]:
        with app.app_context():
            return {h.code: (h.visited_before, h.contacted_before)
                    for h in db.session().scalars(select(Household))}

    assert dates()["H0001"] == (date(2026, 10, 15), date(2026, 11, 20))
    with app.app_context():
        s = db.session()
        rows = {r.household.code: r for r in households.household_rows(
            s, Scope(role="admin", user_id=None), NOW.date(), Policy())}
    assert rows["H0001"].last_visit == date(2026, 10, 15)
    assert rows["H0001"].last_contact == date(2026, 11, 20)
    assert rows["H0001"].due.visit_deadline == date(2026, 10, 15) + timedelta(
        days=Policy().visit_every_days)
    assert rows["H0002"].last_visit is None  # never visited: from the term's start
    kept = with_opening()
    kept["农户"] = without(kept["农户"], "上次走访日期", "上次联系日期")
    run_import(app, xlsx(kept))
    assert dates()["H0001"] == (date(2026, 10, 15), date(2026, 11, 20))
    cleared = with_opening()
    cleared["农户"] = emptied(cleared["农户"], "上次走访日期")
    run_import(app, xlsx(cleared))
    assert dates()["H0001"] == (None, date(2026, 11, 20))


def test_a_last_visit_in_the_future_is_a_problem(app: Flask) -> None:
    texts = problems_of(app, xlsx(with_opening(H0001=["2027-01-05", None])))
    assert any("2027-01-05" in text for text in texts), texts
