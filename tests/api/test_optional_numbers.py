"""Optional numbers in a body (a position, its accuracy): left out or null is absent, a number
is taken, anything else is refused naming the field - the same in visits and spot checks."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from checkin import db
from checkin.models import Household
from tests.conftest import in_the_window


def visit(client, bearer, household_id: int, **fields: Any) -> Any:
    body = {"id": str(uuid.uuid4()), "household_id": household_id, "kind": "contact",
            "purposes": ["care"], "recorded_at": (datetime.now(UTC) - timedelta(minutes=1))
            .isoformat(), **fields}
    return client.post("/api/v1/visits", data={"visit": json.dumps(body)}, headers=bearer,
                       content_type="multipart/form-data")


@pytest.mark.parametrize("value", ["30.85", True, [30.85], {"lat": 30.85}])
def test_anything_but_a_number_is_refused(app, client, world, token_for, value) -> None:
    with app.app_context():
        household = db.session().scalars(select(Household).where(Household.code == "Ha0")).one()
    for field in ("lat", "lon", "accuracy_m"):
        sent = visit(client, token_for("cadre_a"), household.id, **{field: value})
        assert sent.status_code == 400, sent.get_json()
        assert sent.get_json()["error"]["code"] == "not_a_number"
        assert list(sent.get_json()["error"]["fields"]) == [field]
        checked = client.post(f"/api/v1/spotchecks/{world['presence_a']}/result",
                              json={"method": "phone", "outcome": "confirmed", field: value},
                              headers=token_for("sup_t1"))
        assert checked.status_code == 400, checked.get_json()
        assert checked.get_json()["error"]["code"] == "not_a_number"
        assert list(checked.get_json()["error"]["fields"]) == [field]


def test_null_is_absent_and_a_number_is_taken(app, client, world, token_for) -> None:
    with app.app_context():
        household = db.session().scalars(select(Household).where(Household.code == "Ha0")).one()
    bearer = token_for("cadre_a")
    absent = visit(client, bearer, household.id, lat=None, lon=None, accuracy_m=None)
    assert absent.status_code == 201, absent.get_json()
    assert (absent.get_json()["lat"], absent.get_json()["accuracy_m"]) == (None, None)
    taken = visit(client, bearer, household.id, lat=30.851, lon=116, accuracy_m=15)
    assert taken.status_code == 201, taken.get_json()
    assert (taken.get_json()["lon"], taken.get_json()["accuracy_m"]) == (116.0, 15.0)
    app.config["FIXED_NOW"] = in_the_window()  # the visits above are sent at the real time
    checked = client.post(f"/api/v1/spotchecks/{world['presence_a']}/result",
                          json={"method": "phone", "outcome": "confirmed", "lat": None},
                          headers=token_for("sup_t1"))
    assert checked.status_code == 200, checked.get_json()
    assert checked.get_json()["result"]["lat"] is None
