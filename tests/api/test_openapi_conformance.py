"""/api/v1/openapi.json is valid OpenAPI 3.1 (openapi-spec-validator), names every route of
the API with an operationId, and what the API really answers is what it says, strictly:
a field the document omits fails as a missing one does (tests/api/openapi_check.py). The
spot-check, inbox, leave-withdrawal and health answers are checked in their own tests."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import UTC, datetime, timedelta

from openapi_spec_validator import validate
from PIL import Image

from tests.api.openapi_check import check_all
from tests.api.test_bulletin_publication import get, late_changes, october, publish
from tests.conftest import PASSWORD
from tests.spotcheck_helpers import MONTH, NOW


def _api_routes(app) -> set[tuple[str, str]]:
    """(method, path) of every route under /api/v1, in the document's spelling."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method.lower(), path))
    return found


def test_every_api_route_is_in_the_document(app, client) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    documented = {(method, path) for path, item in doc["paths"].items() for method in item}
    routes = _api_routes(app)
    assert len(routes) > 30
    assert routes - documented == set(), "routes the document does not describe"
    assert documented - routes == set(), "documented operations no route serves"


def test_the_document_is_valid_and_names_every_operation(client) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    validate(doc)  # raises on an invalid OpenAPI 3.1 document
    names = [(f"{method} {path}", operation.get("operationId"))
             for path, item in doc["paths"].items() for method, operation in item.items()]
    assert [where for where, name in names if not name] == []
    assert len({name for _where, name in names}) == len(names), "operationIds repeat"
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for status, answer in operation["responses"].items():
                for media, content in answer.get("content", {}).items():
                    assert "schema" in content, f"{method} {path} {status} {media}"
                    if not media.endswith("json"):
                        assert content["schema"] == {"type": "string", "format": "binary"}
    assert "Retry-After" in doc["paths"]["/tokens"]["post"]["responses"]["429"]["headers"]
    visits = doc["paths"]["/visits"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert visits["encoding"]["visit"]["contentType"] == "application/json"
    assert "photo_exif" in doc["components"]["schemas"]["VisitIn"]["properties"]


def test_the_document_passes_the_lint_rules(client) -> None:
    """Redocly's recommended rules that a JSON check can hold: every path parameter
    declared, a summary, a success and a client error answer on every operation, no
    component schema left unused, no two paths that differ only in parameter names."""
    doc = client.get("/api/v1/openapi.json").get_json()
    text = json.dumps(doc)
    found = [f"unused schema {name}" for name in doc["components"]["schemas"]
             if f'"#/components/schemas/{name}"' not in text]
    shapes: dict[str, str] = {}
    for path, item in doc["paths"].items():
        shape = re.sub(r"{[^}]+}", "{}", path)
        if shapes.setdefault(shape, path) != path:
            found.append(f"ambiguous paths {shapes[shape]} and {path}")
        for method, operation in item.items():
            where = f"{method} {path}"
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            if declared != set(re.findall(r"{(\w+)}", path)):
                found.append(f"{where}: path parameters {sorted(declared)}")
            if not operation.get("summary"):
                found.append(f"{where}: no summary")
            if not any(status[0] in "23" for status in operation["responses"]):
                found.append(f"{where}: no success answer")
            if not any(status[0] == "4" for status in operation["responses"]):
                found.append(f"{where}: no 4xx answer")
    assert found == []


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
    checks.append(("/checkins", "post", client.post("/api/v1/checkins", json={"id": "x"},
                                                    headers=cadre)))
    check_all(doc, checks)


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
    check_all(doc, checks)


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
    check_all(doc, checks)


def test_sign_in_photos_and_the_rest_match_the_document(app, client, world, token_for
                                                        ) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    checks = [("/openapi.json", "get", client.get("/api/v1/openapi.json"))]
    cadre, supervisor = token_for("cadre_a"), token_for("sup_t1")
    checks.append(("/tokens", "post", client.post("/api/v1/tokens", json={
        "username": "cadre_b", "password": PASSWORD})))
    checks.append(("/me", "get", client.get("/api/v1/me", headers=cadre)))
    checks.append(("/villages", "get", client.get("/api/v1/villages", headers=supervisor)))
    leave = client.post("/api/v1/leaves", headers=cadre, json={
        "id": str(uuid.uuid4()), "kind": "sick", "reason": "发烧",
        "start_date": datetime.now(UTC).date().isoformat(),
        "end_date": datetime.now(UTC).date().isoformat()}).get_json()
    client.post(f"/api/v1/leaves/{leave['id']}/decision", json={"approve": True},
                headers=supervisor)
    checks.append(("/leaves/{leave_id}/return", "post", client.post(
        f"/api/v1/leaves/{leave['id']}/return", headers=cadre,
        json={"date": datetime.now(UTC).date().isoformat()})))
    household = client.get("/api/v1/households", headers=cadre).get_json()["items"][0]
    position = f"/api/v1/households/{household['id']}/position"
    checks.append(("/households/{household_id}/position", "post",
                   client.post(position, headers=supervisor)))
    with app.app_context():
        from checkin import db
        from checkin.models import Household
        from tests.conftest import new_visit

        row = db.session().get(Household, household["id"])
        # proposed by a visit whose evidence holds (no flags), as the service proposes it
        proposer = new_visit(db.session(), row, lat=30.8512, lon=116.3612)
        row.proposed_lat, row.proposed_lon = 30.8512, 116.3612
        row.proposed_by_visit_id = proposer.id
        db.session().commit()
    checks.append(("/households/{household_id}/position", "post",
                   client.post(position, headers=supervisor)))
    assert [r.status_code for _p, _m, r in checks[-2:]] == [422, 200]
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    wrong = [client.post("/api/v1/tokens", json={"username": "cadre_a2", "password": "no"})
             for _ in range(3)]
    assert [r.status_code for r in wrong] == [401, 401, 429]
    assert int(wrong[-1].headers["Retry-After"]) > 0
    checks += [("/tokens", "post", r) for r in wrong]
    check_all(doc, checks)

    photo = next(v for v in client.get("/api/v1/visits", headers=cadre).get_json()["items"]
                 if v["photos"])["photos"][0]
    for url in (photo["url"], photo["thumb_url"]):
        answer = client.get(url, headers=cadre)
        assert answer.status_code == 200 and answer.content_type == "image/jpeg"
        assert "image/jpeg" in doc["paths"]["/photos/{photo_id}"]["get"]["responses"]["200"][
            "content"]
        again = client.get(url, headers={**cadre, "If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
    for call in (lambda: client.delete("/api/v1/tokens/current", headers=cadre),
                 lambda: client.post("/api/v1/me/password", headers=supervisor, json={
                     "current": PASSWORD, "new": "another-horse-73"})):
        done = call()
        assert done.status_code == 204 and done.data == b""
        assert "Content-Type" not in done.headers
