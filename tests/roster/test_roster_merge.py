"""Several files (or sheets) of one kind, imported together, add up: none replaces another."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.domain.refusal import Refusal
from checkin.models import Household
from checkin.refusals import problem_text
from checkin.roster.read import Limits, read_roster
from checkin.services.people.roster_import import import_roster
from tests.lang import speaking
from tests.roster.test_roster_import import run_import, xlsx

HEADER = "户编码,户主姓名,村代码,状态,帮扶责任人账号"


def households_csv(first: int, count: int) -> bytes:
    lines = [HEADER] + [f"H{n:05d},户主{n},340828101201,贫困户,lisi"
                        for n in range(first, first + count)]
    return "\n".join(lines).encode()


def import_files(app: Flask, files: list[tuple[str, bytes]]) -> None:
    with app.app_context():
        session = db.session()
        sheets = []
        for name, data in files:
            sheets += read_roster(name, data, Limits())
        try:
            import_roster(session, sheets, actor_id=None, initial_password="initial-pass-1")
        except Refusal:
            session.rollback()
            raise
        session.commit()


def household_codes(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session().scalars(select(Household.code)))


def test_five_household_files_imported_together_keep_every_row(app: Flask) -> None:
    run_import(app, xlsx())
    files = [(f"households-{i}.csv", households_csv(1000 + i * 100, 100)) for i in range(5)]
    import_files(app, files)
    codes = household_codes(app)
    assert len({c for c in codes if c.startswith("H0")} - {"H0001", "H0002"}) == 500


def test_two_workbooks_with_a_households_sheet_each_merge(app: Flask) -> None:
    run_import(app, xlsx())
    one = xlsx({"农户": [HEADER.split(","), ["H9001", "甲", "340828101201", "贫困户", "lisi"]]})
    two = xlsx({"households": [["code", "head_name", "village_code", "status",
                                "helper_username"],
                               ["H9002", "乙", "340828101201", "监测户", "zhangsan"]]})
    import_files(app, [("a.xlsx", one), ("b.xlsx", two)])
    assert {"H9001", "H9002"} <= household_codes(app)


def test_one_code_in_two_files_is_named_with_both_places(app: Flask) -> None:
    run_import(app, xlsx())
    with pytest.raises(Refusal) as refused:
        import_files(app, [("a.csv", households_csv(1, 3)), ("b.csv", households_csv(3, 2))])
    with speaking("en"):
        texts = [problem_text(p) for p in refused.value.problems]
    assert len(texts) == 1, texts
    assert "sheet b" in texts[0] and "H00003" in texts[0] and "sheet a" in texts[0], texts
    assert household_codes(app) == {"H0001", "H0002"}
