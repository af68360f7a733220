"""The API's lists page by a keyset cursor (the row a page ends at), not by an offset.

With an offset (issue 14) a page deep in a province's 4.5 million visits cost a scan of
every row before it (4.7 s at row 100,000), and a record made between two reads moved the
rows under the cursor: the phone got a row twice, or, when one went, missed one. These
tests make a record between two pages and read on: every row once, none skipped.
"""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from typing import Any

import pytest

from checkin.platform import clock
from tests.api.test_session_api import assert_error


def every_page(client: Any, path: str, headers: dict[str, str], limit: int = 1,
               between: Any = None) -> list[dict[str, Any]]:
    """All items of a list, `limit` at a time; `between()` runs after the first page."""
    seen: list[dict[str, Any]] = []
    cursor = ""
    while True:
        sep = "&" if "?" in path else "?"
        answer = client.get(f"{path}{sep}limit={limit}&cursor={cursor}", headers=headers)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.get_json()
        seen += body["items"]
        if between is not None and len(seen) == limit:
            between()
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def cursor_of(*values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def test_a_visit_made_between_two_pages_repeats_none(client, world, token_for,
                                                     make_visit) -> None:
    days = [clock.today() - timedelta(days=n) for n in (1, 2, 3, 4)]
    made = [make_visit("cadre_a", day=d).id for d in days]  # newest first
    headers = token_for("sup_county")
    seen = every_page(client, "/api/v1/visits", headers,
                      between=lambda: make_visit("cadre_a", day=clock.today()))
    ids = [v["id"] for v in seen]
    assert len(ids) == len(set(ids)), ids  # an offset gave the first page's visit again
    assert [i for i in ids if i in made] == made
    times = [v["recorded_at"] for v in seen]
    assert times == sorted(times, reverse=True)


def test_a_checkin_made_between_two_pages_repeats_none(client, world, token_for,
                                                       make_checkin) -> None:
    made = [make_checkin("cadre_a", day=clock.today() - timedelta(days=n)).id
            for n in (1, 2, 3)]
    headers = token_for("cadre_a")
    seen = every_page(client, "/api/v1/checkins", headers,
                      between=lambda: make_checkin("cadre_a", day=clock.today()))
    ids = [c["id"] for c in seen]
    assert len(ids) == len(set(ids)), ids
    assert [i for i in ids if i in made] == made


def test_leaves_and_corrections_page_to_the_end(client, world, token_for,
                                                make_leave) -> None:
    today = clock.today()
    made = [make_leave("cadre_a", start_date=today + timedelta(days=n),
                       end_date=today + timedelta(days=n)).id for n in (10, 20, 30)]
    seen = every_page(client, "/api/v1/leaves", token_for("cadre_a"))
    ids = [leave["id"] for leave in seen]
    assert len(ids) == len(set(ids)) and [i for i in ids if i in made] == made[::-1]
    every_page(client, "/api/v1/attendance/corrections", token_for("cadre_a"))


def test_a_cadre_pages_its_households_each_once(client, world, token_for,
                                                make_household) -> None:
    for n in range(3):
        make_household("cadre_a", code=f"PAGE{n}")
    whole = client.get("/api/v1/households?limit=500",
                       headers=token_for("cadre_a")).get_json()["items"]
    paged = every_page(client, "/api/v1/households", token_for("cadre_a"), limit=2)
    assert [h["id"] for h in paged] == [h["id"] for h in whole] and len(whole) >= 3
    supervisor = every_page(client, "/api/v1/households", token_for("sup_county"), limit=2)
    assert len({h["id"] for h in supervisor}) == len(supervisor) >= len(whole)


def test_a_supervisor_reaches_every_household_past_two_thousand(app, client, world,
                                                                token_for) -> None:
    """A supervisor's list stopped at 2,000 households (a county has ~30,000); now it is
    paged in SQL, and a due filter reads on until each page is full: every household once,
    in each due state once."""
    from sqlalchemy import func, insert, select

    from checkin import db
    from checkin.models import Household

    with app.app_context():
        session = db.session()
        session.execute(insert(Household), [
            {"code": f"BULK{n:05d}", "head_name": f"户{n}", "address": "", "status": "poor",
             "village_id": world["va"] if n % 2 else world["vb"], "lat": 30.85,
             "lon": 116.36, "helper_id": world["cadre_a"] if n % 2 else world["cadre_b"]}
            for n in range(2_050)])
        session.commit()
        total = session.scalar(select(func.count()).select_from(Household).where(
            Household.village_id.in_([world["va"], world["vb"]])))
    headers = token_for("sup_county")
    seen = every_page(client, "/api/v1/households", headers, limit=500)
    ids = [h["id"] for h in seen]
    assert len(ids) == len(set(ids)) == total > 2_050
    order = [(h["village_id"], h["code"]) for h in seen]
    assert order == sorted(order)
    by_state = {due: {h["id"] for h in every_page(
        client, f"/api/v1/households?due={due}", headers, limit=300)}
        for due in ("ok", "due", "overdue")}
    assert sum(len(v) for v in by_state.values()) == total
    assert set().union(*by_state.values()) == set(ids)
    for due, found in by_state.items():
        assert all(h["due"] == due for h in seen if h["id"] in found)


@pytest.mark.parametrize("path", ["/api/v1/visits", "/api/v1/checkins", "/api/v1/leaves",
                                  "/api/v1/attendance/corrections", "/api/v1/villages",
                                  "/api/v1/spotchecks", "/api/v1/households"])
@pytest.mark.parametrize("cursor", [
    "1",  # an offset, as these lists took before
    "not-base64!", cursor_of("x"), cursor_of(1, 2, 3, 4, 5, 6),
    cursor_of("2026-01-01T10:00:00", "x"),  # a time without its offset: no row's
    cursor_of("2026-13-45T10:00:00+00:00", "x"), cursor_of(str(date.max), 1, 1, 1)])
def test_a_cursor_that_is_not_the_lists_own_is_400(client, world, token_for, path,
                                                    cursor) -> None:
    answer = client.get(f"{path}?cursor={cursor}", headers=token_for("admin"))
    assert_error(answer, 400, "invalid_cursor")


def test_the_attendance_summary_pages_its_cadres(client, world, token_for) -> None:
    """A province's 22,000 rows came in one answer; now a page at a time, by village."""
    headers = token_for("sup_county")
    whole = client.get("/api/v1/attendance/summary?limit=500", headers=headers).get_json()
    paged = every_page(client, "/api/v1/attendance/summary?month=2026-06", headers)
    assert [r["user_id"] for r in paged] == [r["user_id"] for r in whole["items"]]
    assert len(paged) >= 3 and all("on_post_days" in r for r in paged)
    villages = [r["village_id"] for r in paged]
    assert villages == sorted(villages)
