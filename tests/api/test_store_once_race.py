"""store_once under a race: the same visit delivered six times at the same moment (the phone
retrying over a flaky link) is stored once; the losers see the unique key refuse their
insert at flush time, discard their writes and answer the winner's record as a replay."""

from __future__ import annotations

import io
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from checkin import db
from checkin.models import AuditEntry, Photo, Visit
from tests.api.test_visits_api import household_of


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def test_one_visit_sent_six_times_at_once_is_stored_once(app: Flask, world, token_for
                                                         ) -> None:
    bearer = token_for("cadre_a")
    home = household_of(app, "Ha0")
    body = json.dumps({"id": str(uuid.uuid4()), "household_id": home.id, "kind": "visit",
                       "purposes": ["care"], "note": "", "lat": 30.851, "lon": 116.361,
                       "accuracy_m": 15,
                       "recorded_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat()})
    photo = jpeg()
    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/visits", headers=bearer,
                               content_type="multipart/form-data",
                               data={"visit": body, "photos": [(io.BytesIO(photo), "a.jpg")]})
        answers.append((response.status_code, (response.get_json() or {}).get("id", "")))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in answers) == [200] * 5 + [201], answers
    assert {visit_id for _, visit_id in answers} == {json.loads(body)["id"]}
    with app.app_context():
        s = db.session()
        visit_id = json.loads(body)["id"]
        assert s.scalar(select(func.count()).select_from(Visit)
                        .where(Visit.id == visit_id)) == 1
        assert s.scalar(select(func.count()).select_from(Photo)
                        .where(Photo.visit_id == visit_id)) == 1
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "visit.create", AuditEntry.entity_id == visit_id)) == 1
