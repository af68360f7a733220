"""What the API really answers for check-ins, leave, attendance, households and visits is
what /api/v1/openapi.json says (the spot-check paths are checked in their own tests)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta

from PIL import Image

from tests.api.test_bulletin_publication import get, late_changes, october, publish
from tests.api.test_spotchecks_api import _conforms, _response_schema
from tests.spotcheck_helpers import MONTH, NOW


def test_answers_match_the_document(client, world, token_for) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    cadre, supervisor = token_for("cadre_a"), token_for("sup_t1")
    now = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    checks = []
    body = {"id": str(uuid.uuid4()), "lat": 30.851, "lon": 116.361, "accuracy_m": 900,
            "recorded_at": now}
    checks.append(("/checkins", "post", client.post("/api/v1/checkins", json=body,
                                                    headers=cadre)))
    checks.append(("/checkins", "post", client.post("/api/v1/checkins", json=body,
                                                    headers=cadre)))
    checks.append(("/checkins", "get", client.get("/api/v1/checkins", headers=supervisor)))
    leave = client.post("/api/v1/leaves", json={
        "id": str(uuid.uuid4()), "kind": "sick", "reason": "发烧",
        "start_date": datetime.now(UTC).date().isoformat(),
        "end_date": datetime.now(UTC).date().isoformat()}, headers=cadre)
    checks.append(("/leaves", "post", leave))
    checks.append(("/leaves/{leave_id}/decision", "post", client.post(
        f"/api/v1/leaves/{leave.get_json()['id']}/decision", json={"approve": True},
        headers=supervisor)))
    checks.append(("/leaves", "get", client.get("/api/v1/leaves", headers=cadre)))
    makeup = {"id": str(uuid.uuid4()), "reason": "手机没电",
              "day": (datetime.now(UTC).date() - timedelta(days=2)).isoformat()}
    asked = client.post("/api/v1/attendance/corrections", json=makeup, headers=cadre)
    assert asked.status_code == 201, asked.get_json()
    checks.append(("/attendance/corrections", "post", asked))
    checks.append(("/attendance/corrections", "post", client.post(
        "/api/v1/attendance/corrections", json=makeup, headers=cadre)))
    decision = f"/api/v1/attendance/corrections/{makeup['id']}/decision"
    checks.append(("/attendance/corrections/{correction_id}/decision", "post", client.post(
        decision, json={"approve": True}, headers=supervisor)))
    again = client.post(decision, json={"approve": True}, headers=supervisor)
    assert again.status_code == 409
    checks.append(("/attendance/corrections/{correction_id}/decision", "post", again))
    checks.append(("/attendance/corrections", "get", client.get(
        "/api/v1/attendance/corrections", headers=supervisor)))
    checks.append(("/attendance", "get", client.get("/api/v1/attendance", headers=cadre)))
    checks.append(("/attendance/summary", "get", client.get("/api/v1/attendance/summary",
                                                           headers=supervisor)))
    households = client.get("/api/v1/households", headers=cadre)
    checks.append(("/households", "get", households))
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 30)).save(image, "JPEG")
    visit = client.post("/api/v1/visits", headers=cadre, content_type="multipart/form-data",
                        data={"visit": json.dumps({
                            "id": str(uuid.uuid4()), "kind": "visit", "lat": 30.851,
                            "lon": 116.361, "accuracy_m": 10, "recorded_at": now,
                            "household_id": households.get_json()["items"][0]["id"]}),
                            "photos": [(io.BytesIO(image.getvalue()), "p.jpg")]})
    checks.append(("/visits", "post", visit))
    checks.append(("/visits", "get", client.get("/api/v1/visits", headers=supervisor)))
    for who in (supervisor, cadre):
        checks.append(("/cadres/{user_id}/dossier", "get", client.get(
            f"/api/v1/cadres/{world['cadre_a']}/dossier", headers=who)))
    checks.append(("/cadres/{user_id}/dossier", "get", client.get(
        f"/api/v1/cadres/{world['cadre_b']}/dossier", headers=supervisor)))
    for path, method, response in checks:
        schema = _response_schema(doc, path, method, response.status_code)
        _conforms(response.get_json(), schema, doc, f"{method.upper()} {path}")
    bad = client.post("/api/v1/checkins", json={"id": "x"}, headers=cadre)
    _conforms(bad.get_json(), _response_schema(doc, "/checkins", "post", 400), doc, "error")


def test_the_publication_answers_match_the_document(app, client, world, make_checkin,
                                                    token_for) -> None:
    """Publishing a month, its snapshot, a provisional month, late changes, a correction."""
    app.config["FIXED_NOW"] = NOW
    doc = client.get("/api/v1/openapi.json").get_json()
    county = token_for("sup_county")
    checks = [("/bulletins/{month}/publish", "post",
               publish(client, county, area_id=world["county"])),
              ("/bulletins/{month}/publish", "post",
               publish(client, county, area_id=world["county"])),
              ("/bulletins/{month}", "get", get(client, county, world["county"])),
              ("/bulletins/{month}", "get", get(client, county, world["county"], MONTH)),
              ("/bulletins/{month}/publish", "post",
               publish(client, county, MONTH, area_id=world["county"]))]
    october(make_checkin, "cadre_a", range(1, 5))
    checks += [("/bulletins/{month}/late-changes", "get",
                late_changes(client, county, world["county"])),
               ("/bulletins/{month}/publish", "post",
                publish(client, county, area_id=world["county"])),
               ("/bulletins/{month}/publish", "post",
                publish(client, county, area_id=world["county"], correction_reason="补录"))]
    assert [r.status_code for _p, _m, r in checks] == [201, 200, 200, 200, 422, 200, 409, 201]
    for path, method, response in checks:
        schema = _response_schema(doc, path, method, response.status_code)
        _conforms(response.get_json(), schema, doc, f"{method.upper()} {path}")


def test_the_roster_import_answers_match_the_document(client, world, token_for) -> None:
    from tests.roster.test_import_job import post, wait
    from tests.roster.test_roster_import import changed, xlsx

    doc = client.get("/api/v1/openapi.json").get_json()
    admin = token_for("admin")
    checks = []
    for data, form in ((xlsx(), {"dry_run": "true"}), (xlsx(changed("村", 1, 3, 300)), {}),
                       (xlsx(), {})):
        started = post(client, admin, data, **form)
        checks.append(("/imports", "post", started))
        wait(client, started.get_json()["id"], admin)
        checks.append(("/imports/{import_id}", "get", client.get(
            f"/api/v1/imports/{started.get_json()['id']}", headers=admin)))
    checks.append(("/imports/{import_id}", "get", client.get("/api/v1/imports/999999",
                                                             headers=admin)))
    checks.append(("/imports", "post", client.post(
        "/api/v1/imports", headers=admin, content_type="multipart/form-data", data={})))
    assert [r.status_code for _p, _m, r in checks] == [202, 200, 202, 200, 202, 200, 404, 422]
    assert [r.get_json()["status"] for _p, _m, r in checks[1:6:2]] == ["done", "failed",
                                                                      "done"]
    for path, method, response in checks:
        schema = _response_schema(doc, path, method, response.status_code)
        _conforms(response.get_json(), schema, doc, f"{method.upper()} {path}")
