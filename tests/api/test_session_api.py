"""POST /tokens, DELETE /tokens/current, GET /me, errors in the contract's shape."""

from __future__ import annotations

from flask import Flask

from tests.conftest import csrf_from


def assert_error(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"])
    if code:
        assert body["error"]["code"] == code


def test_token_me_and_revoke(client, world, token_for) -> None:
    bearer = token_for("cadre_a")
    me = client.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200
    body = me.get_json()
    assert body["username"] == "cadre_a" and body["role"] == "cadre"
    assert body["village_id"] == world["va"]
    assert client.delete("/api/v1/tokens/current", headers=bearer).status_code == 204
    assert_error(client.get("/api/v1/me", headers=bearer), 401, "not_signed_in")


def test_token_has_expiry_in_utc(client, world) -> None:
    body = client.post("/api/v1/tokens", json={"username": "sup_t1",
                                               "password": "correct-horse-42"}).get_json()
    assert body["expires_at"].endswith("Z")


def test_supervisor_me_has_area(client, world, token_for) -> None:
    body = client.get("/api/v1/me", headers=token_for("sup_t1")).get_json()
    assert body["role"] == "supervisor" and body["area_id"] == world["t1"]
    assert body["village_id"] is None


def test_bad_credentials_and_malformed_bodies(client, world) -> None:
    assert_error(client.post("/api/v1/tokens", json={"username": "cadre_a", "password": "x"}),
                 401, "invalid_credentials")
    assert_error(client.post("/api/v1/tokens", data="not json",
                             content_type="application/json"), 400, "malformed_json")
    assert_error(client.post("/api/v1/tokens", json=[1, 2]), 400, "malformed_json")
    assert_error(client.post("/api/v1/tokens", json={"username": 5, "password": "x"}), 400)


def test_unknown_api_path_is_json_404(client, world) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_error(client.put("/api/v1/me"), 405)


def test_garbage_bearer_is_401(client, world) -> None:
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer xyz"}), 401)


def test_cookie_authenticated_unsafe_api_call_needs_csrf(app: Flask, world, login) -> None:
    browser = login(app.test_client(), "cadre_a")
    assert browser.get("/api/v1/me").status_code == 200
    refused = browser.delete("/api/v1/tokens/current")
    assert_error(refused, 400, "csrf_failed")
    token = csrf_from(browser, "/")
    allowed = browser.delete("/api/v1/tokens/current", headers={"X-CSRFToken": token})
    assert allowed.status_code == 400  # past CSRF: it is told there is no Bearer token
    assert allowed.get_json()["error"]["code"] == "no_token"


def test_token_endpoint_rate_limited(app: Flask, world) -> None:
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per 15 minutes"
    client = app.test_client()
    for _ in range(2):
        client.post("/api/v1/tokens", json={"username": "nobody", "password": "wrong-one"})
    response = client.post("/api/v1/tokens", json={"username": "cadre_a",
                                                   "password": "correct-horse-42"})
    assert_error(response, 429, "too_many_requests")
    assert int(response.headers["Retry-After"]) > 0


def test_openapi_document_lists_the_paths(client, world) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    for path in ("/tokens", "/tokens/current", "/me", "/villages"):
        assert path in doc["paths"]


def test_villages_in_scope(client, world, token_for) -> None:
    items = client.get("/api/v1/villages", headers=token_for("sup_t1")).get_json()["items"]
    assert [v["id"] for v in items] == [world["va"]]
    assert set(items[0]) >= {"id", "name", "area_id", "lat", "lon", "radius_m"}
    county = client.get("/api/v1/villages?limit=1", headers=token_for("sup_county")).get_json()
    assert len(county["items"]) == 1 and county["next_cursor"]
    rest = client.get(f"/api/v1/villages?limit=1&cursor={county['next_cursor']}",
                      headers=token_for("sup_county")).get_json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert rest["items"][0]["id"] != county["items"][0]["id"]
    # An offset, as the list took before its keyset cursor, is no cursor of it.
    assert_error(client.get("/api/v1/villages?limit=1&cursor=1",
                            headers=token_for("sup_county")), 400)
    assert_error(client.get("/api/v1/villages?limit=0", headers=token_for("sup_county")), 400)


def test_numbers_too_large_for_the_database_are_400(client, world, token_for) -> None:
    bearer = token_for("sup_county")
    huge = 2**70
    for url in (f"/api/v1/photos/{huge}", f"/api/v1/visits?user_id={huge}",
                f"/api/v1/attendance/summary?area_id={huge}"):
        response = client.get(url, headers=bearer)
        assert response.status_code in (400, 404), (url, response.status_code)
        assert response.get_json()["error"]["code"] in ("out_of_range", "not_found")


def test_hostile_form_field_names_with_a_cookie_are_refused_cleanly(app, world, login) -> None:
    browser = login(app.test_client(), "cadre_a")
    body = (b"--b\r\nContent-Disposition: form-data; name=\"\xff\xfe\"\r\n\r\nx\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"visit\"\r\n\r\n{}\r\n--b--\r\n")
    response = browser.post("/api/v1/visits", data=body,
                            content_type="multipart/form-data; boundary=b")
    assert response.status_code == 400
