"""The make-up pages: the cadre asks from 我的考勤, the township decides beside the leave
inbox, and the day then shows as 补卡 in the cadre's month."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask

from tests.conftest import csrf_from

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_a_cadre_asks_and_the_township_decides_from_the_pages(app: Flask, world,
                                                             login) -> None:
    app.config["FIXED_NOW"] = NOW
    cadre = login(app.test_client(), "cadre_a2")
    page = cadre.get("/my/attendance?month=2026-11")
    assert page.status_code == 200 and "申请补卡" in page.get_data(as_text=True)
    token = csrf_from(cadre, "/my/attendance")
    refused = cadre.post("/my/attendance/corrections", data={
        "csrf_token": token, "day": "2026-11-20", "reason": "今天"})
    assert refused.status_code == 422 and "尚未结束" in refused.get_data(as_text=True)
    asked = cadre.post("/my/attendance/corrections", data={
        "csrf_token": token, "day": "2026-11-03", "reason": "手机没电"})
    assert asked.status_code == 302
    township = login(app.test_client(), "sup_t1")
    inbox = township.get("/attendance/leaves").get_data(as_text=True)
    assert "待审批的补卡申请" in inbox and "手机没电" in inbox
    action = re.search(r'action="(/attendance/corrections/[^"]+/decision)"', inbox).group(1)
    decided = township.post(action, data={"csrf_token": csrf_from(township,
                                                                  "/attendance/leaves"),
                                          "decision": "approve", "comment": ""})
    assert decided.status_code == 302
    month = cadre.get("/my/attendance?month=2026-11").get_data(as_text=True)
    assert 'class="cat-makeup"' in month and "补卡" in month
    township.set_cookie("lang", "en")
    assert "Make-ups waiting for a decision" in township.get("/attendance/leaves").get_data(
        as_text=True)
