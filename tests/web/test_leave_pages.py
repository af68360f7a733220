"""The leave inbox and register (issue 15): the inbox shows the village, the days, when it
was asked, who of the team is away then and the cadre's standing; decided leave has a
register with filters and export; a rejection needs a reason; the flash names whose
leave was decided."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime

import openpyxl
import pytest
from flask import Flask

from tests.conftest import csrf_from

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def fixed(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def test_the_inbox_shows_what_a_decision_needs(fixed, client, world, login,
                                               make_leave) -> None:
    make_leave("cadre_a2", start_date=date(2026, 11, 24), end_date=date(2026, 11, 26),
               reason="InboxReason", created_at=datetime(2026, 11, 18, 1, 30, tzinfo=UTC))
    make_leave("cadre_a", start_date=date(2026, 11, 25), end_date=date(2026, 11, 25),
               status="approved", kind="official")
    html = login(client, "sup_t1").get("/attendance/leaves").get_data(as_text=True)
    row = html[html.index("InboxReason") - 3000:html.index("InboxReason") + 3000]
    assert "VillageAlpha村" in row
    assert "3 天" in row  # 24 to 26 November
    assert "2026-11-18 09:30" in row  # asked, in local time
    assert "同期不在岗" in row and "CadreALeader" in row  # the leader is away on the 25th
    assert re.search(r"已计入 \d+ 天 / 应达 \d+ 天", row)  # the standing


def test_a_rejection_needs_a_reason(fixed, client, world, login, make_leave,
                                    token_for) -> None:
    leave = make_leave("cadre_a2", start_date=date(2026, 11, 24),
                       end_date=date(2026, 11, 24))
    api = client.post(f"/api/v1/leaves/{leave.id}/decision", json={"approve": False},
                      headers=token_for("sup_t1"))
    assert api.status_code == 422
    assert api.get_json()["error"]["code"] == "leave_rejection_needs_reason"
    login(client, "sup_t1")
    token = csrf_from(client, "/attendance/leaves")
    page = client.post(f"/attendance/leaves/{leave.id}/decision", follow_redirects=True,
                       data={"csrf_token": token, "decision": "reject", "comment": " "})
    assert "驳回请假须写明理由" in page.get_data(as_text=True)
    client.set_cookie("lang", "en")
    page = client.post(f"/attendance/leaves/{leave.id}/decision", follow_redirects=True,
                       data={"csrf_token": token, "decision": "reject", "comment": ""})
    assert "A rejection needs a reason" in page.get_data(as_text=True)


def test_the_flash_names_whose_leave(fixed, client, world, login, make_leave) -> None:
    leave = make_leave("cadre_a2", start_date=date(2026, 11, 24),
                       end_date=date(2026, 11, 24))
    login(client, "sup_t1")
    token = csrf_from(client, "/attendance/leaves")
    page = client.post(f"/attendance/leaves/{leave.id}/decision", follow_redirects=True,
                       data={"csrf_token": token, "decision": "approve", "comment": ""})
    assert "已批准 CadreAMember 的请假" in page.get_data(as_text=True)
    other = make_leave("cadre_a2", start_date=date(2026, 11, 27),
                       end_date=date(2026, 11, 27))
    page = client.post(f"/attendance/leaves/{other.id}/decision", follow_redirects=True,
                       data={"csrf_token": token, "decision": "reject", "comment": "人手不足"})
    assert "已驳回 CadreAMember 的请假" in page.get_data(as_text=True)


def test_the_register_of_decided_leave(fixed, client, world, login, make_leave) -> None:
    make_leave("cadre_a2", start_date=date(2026, 10, 5), end_date=date(2026, 10, 6),
               status="approved", kind="sick", reason="RegSick",
               decided_by_id=world["sup_t1"], decided_at=NOW)
    make_leave("cadre_a", start_date=date(2026, 11, 2), end_date=date(2026, 11, 2),
               status="rejected", reason="RegRejected", decision_comment="人手不足",
               decided_by_id=world["sup_t1"], decided_at=NOW)
    make_leave("cadre_b", start_date=date(2026, 11, 3), end_date=date(2026, 11, 3),
               status="approved", reason="RegOtherTownship")
    login(client, "sup_t1")
    html = client.get("/attendance/leaves/register").get_data(as_text=True)
    assert "RegSick" in html and "RegRejected" in html and "人手不足" in html
    assert "RegOtherTownship" not in html and "ReasonA" not in html  # pending is not decided
    assert "SupTownOne" in html  # who decided
    only = client.get("/attendance/leaves/register?status=rejected").get_data(as_text=True)
    assert "RegRejected" in only and "RegSick" not in only
    sick = client.get("/attendance/leaves/register?kind=sick").get_data(as_text=True)
    assert "RegSick" in sick and "RegRejected" not in sick
    october = client.get("/attendance/leaves/register?month=2026-10").get_data(as_text=True)
    assert "RegSick" in october and "RegRejected" not in october
    assert client.get("/attendance/leaves/register?month=2026-13").status_code == 200
    book = client.get("/attendance/leaves/register.xlsx?status=approved")
    assert "spreadsheetml" in book.content_type
    rows = list(openpyxl.load_workbook(io.BytesIO(book.data), read_only=True)
                .worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and len(rows) == 2 and "RegSick" in rows[1]
    client.set_cookie("lang", "en")
    assert "Register of decided leave" in client.get(
        "/attendance/leaves/register").get_data(as_text=True)


def test_cadres_have_no_register(fixed, client, world, login) -> None:
    login(client, "cadre_a")
    assert client.get("/attendance/leaves/register").status_code == 404
    assert client.get(f"/attendance/leaves/register.xlsx?x={uuid.uuid4()}").status_code == 404


def _leaves_of(app: Flask, count: int, **values) -> None:
    """`count` leaves of the cadres of village A and B, written in one transaction."""
    from datetime import timedelta

    from sqlalchemy import select

    from checkin import db
    from checkin.models import User
    from tests.conftest import new_leave

    with app.app_context():
        s = db.session()
        cadres = list(s.scalars(select(User).where(User.role == "cadre",
                                                   User.username.in_(("cadre_a", "cadre_b")))))
        for n in range(count):
            start = date(2026, 6, 1) + timedelta(days=n % 150)
            new_leave(s, cadres[n % 2], start_date=start, end_date=start, **values)
        s.commit()


def _statements(app: Flask):
    from sqlalchemy import event

    from checkin import db

    seen = [0]
    with app.app_context():
        event.listen(db.engine(), "before_cursor_execute",
                     lambda *_a: seen.__setitem__(0, seen[0] + 1))
    return seen


@pytest.mark.parametrize("status", ["pending", "approved"])
def test_a_long_inbox_is_paged_in_a_fixed_number_of_statements(
        fixed, client, world, login, status) -> None:
    """A county's inbox held every waiting leave and every return overdue on one page, and
    loaded each one's cadre in a statement of its own (a province: 18 MB, 4,806 statements,
    21 s). Now each list is paged, with how many there are, and no statement per row."""
    login(client, "sup_county")
    seen = _statements(fixed)
    _leaves_of(fixed, 10, status=status)
    seen[0] = 0
    client.get("/attendance/leaves")
    few = seen[0]
    _leaves_of(fixed, 150, status=status)
    seen[0] = 0
    html = client.get("/attendance/leaves").get_data(as_text=True)
    assert seen[0] <= few + 2, (few, seen[0])
    shown = re.search(r"第 1–50 条，共 (\d+) 条", html)
    assert shown and int(shown.group(1)) >= 160  # the world's own pending leave besides
    cursor = re.search(r'href="[^"]*[?&](after|oa)=([^"&]+)[^"]*" rel="next"', html)
    assert cursor, "no next page"
    second = client.get(f"/attendance/leaves?{cursor.group(1)}={cursor.group(2)}"
                        ).get_data(as_text=True)
    assert f"第 51–100 条，共 {shown.group(1)} 条" in second
