"""The OpenAPI 3 document of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from checkin.api import bp

ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "error", "content": {"application/json": {"schema": ERROR}}}
            for c in codes}


def _json(schema: dict[str, Any], description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _page_of(ref: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "next_cursor"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
        "next_cursor": {"type": ["string", "null"]}}}


PAGE_PARAMS = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    {"name": "cursor", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"}},
]

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message", "fields"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
    "Me": {"type": "object", "required": ["id", "username", "name", "role", "area_id",
                                          "village_id"], "properties": {
        "id": {"type": "integer"}, "username": {"type": "string"}, "name": {"type": "string"},
        "role": {"type": "string", "enum": ["cadre", "supervisor", "admin"]},
        "area_id": {"type": ["integer", "null"]}, "village_id": {"type": ["integer", "null"]},
        "is_leader": {"type": "boolean"}, "team_id": {"type": ["integer", "null"]}}},
    "Village": {"type": "object", "required": ["id", "name", "area_id", "lat", "lon", "radius_m"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                               "area_id": {"type": "integer"}, "lat": {"type": "number"},
                               "lon": {"type": "number"}, "radius_m": {"type": "number"}}},
    "Token": {"type": "object", "required": ["token", "expires_at"], "properties": {
        "token": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}}},
    "Credentials": {"type": "object", "required": ["username", "password"], "properties": {
        "username": {"type": "string", "maxLength": 64},
        "password": {"type": "string", "maxLength": 256}}},
}

PATHS: dict[str, Any] = {
    "/tokens": {"post": {
        "summary": "Sign in and get a Bearer token", "security": [],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Credentials"}}}},
        "responses": {"201": _json({"$ref": "#/components/schemas/Token"}, "created"),
                      **_errors(400, 401, 429)}}},
    "/tokens/current": {"delete": {
        "summary": "Revoke the Bearer token of this request",
        "responses": {"204": {"description": "revoked"}, **_errors(400, 401)}}},
    "/me": {"get": {"summary": "The caller", "responses": {
        "200": _json({"$ref": "#/components/schemas/Me"}), **_errors(401)}}},
    "/villages": {"get": {"summary": "Village fences in the caller's scope",
                          "parameters": PAGE_PARAMS, "responses": {
                              "200": _json(_page_of("Village")), **_errors(400, 401)}}},
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "checkin API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": PATHS,
    }


@bp.get("/openapi.json")
def openapi_json() -> Any:
    return jsonify(document())
