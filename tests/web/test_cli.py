"""The flask commands: init-db, seed-demo, import-roster, create-user, set-password."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import func, select

from checkin import db
from checkin.models import (
    AttendanceDay,
    Checkin,
    EvaluationAnswer,
    EvaluationRating,
    Household,
    HouseholdMove,
    OpeningBalance,
    RoundCheckin,
    RoundDuty,
    SpotcheckBatch,
    SpotcheckItem,
    User,
    Village,
    Visit,
)
from tests.conftest import csrf_from


def test_init_db_is_idempotent(app: Flask) -> None:
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0 and "newest schema" in result.output


def test_seed_demo_makes_the_county_with_history(app: Flask, tmp_path) -> None:
    target = tmp_path / "accounts.json"
    result = app.test_cli_runner().invoke(args=[
        "seed-demo", "--password", "training-room-1", "--accounts-json", str(target)])
    assert result.exit_code == 0, result.output
    accounts = json.loads(target.read_text())
    roles = {a["role"] for a in accounts}
    assert roles == {"admin", "supervisor", "cadre"}
    assert all(set(a) == {"username", "role", "area_id", "village_id"} for a in accounts)
    with app.app_context():
        s = db.session()
        count = lambda model: s.scalar(select(func.count()).select_from(model))  # noqa: E731
        # 36 cadres, 4 supervisors, the admin, and an envoy and a district secretary
        assert count(Village) == 12 and count(User) == 36 + 4 + 1 + 2
        assert count(RoundDuty) == 2 and count(RoundCheckin) > 10
        assert count(HouseholdMove) == 1  # a household resettled in another township
        # a county that went live six weeks ago: its register's days before, a boundary,
        # this week's draw
        assert count(OpeningBalance) >= 30
        assert s.scalar(select(func.count()).where(Village.boundary.is_not(None))) == 1
        assert count(SpotcheckBatch) == 1 and count(SpotcheckItem) > 0
        assert 550 <= count(Household) <= 650
        assert count(Checkin) > 500 and count(AttendanceDay) > 400 and count(Visit) > 200
        # a quarter of the public evaluation: about half the households, some by call
        assert count(EvaluationAnswer) > 150 and count(EvaluationRating) > 300
        assert s.scalar(select(func.count()).where(EvaluationAnswer.channel == "call")) > 0
    client = app.test_client()
    response = client.post("/login", data={"username": "cadre01a",
                                           "password": "training-room-1",
                                           "csrf_token": csrf_from(client)})
    assert response.status_code == 302
    again = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert "already loaded" in again.output


def test_create_user_and_set_password(app: Flask, world) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-user", "newsup", "--name", "新督查", "--role",
                               "supervisor", "--area-code", "340801", "--password",
                               "A-long-password"])
    assert made.exit_code == 0, made.output
    weak = runner.invoke(args=["set-password", "newsup", "--password", "12345678"])
    assert weak.exit_code != 0 and "password_common" in weak.output
    ok = runner.invoke(args=["set-password", "newsup", "--password", "Another-long-one"])
    assert ok.exit_code == 0
    missing = runner.invoke(args=["create-user", "x1", "--name", "x", "--role", "cadre"])
    assert missing.exit_code != 0 and "--village-code" in missing.output


def test_import_roster_command_reports_problems_and_exits_nonzero(app: Flask, tmp_path) -> None:
    bad = tmp_path / "村.csv"
    bad.write_text("村代码,村名,所属乡镇代码,纬度,经度\nV1,某村,NOPE,200,116\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-roster", str(bad)])
    assert result.exit_code == 1
    assert "未导入任何数据：文件中有 2 处问题" in result.output  # the summary in Chinese too
    assert "工作表「村」第 2 行 D 列（纬度）" in result.output
    english = app.test_cli_runner().invoke(args=["import-roster", "--lang", "en", str(bad)])
    assert english.exit_code == 1
    assert "Nothing was imported: 2 problem(s)" in english.output
    assert "sheet 村, row 2, column D (纬度): latitude 200.0 is outside -90..90" in english.output
