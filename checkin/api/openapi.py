"""The OpenAPI 3 document of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from checkin.api import bp
from checkin.api.visits import MAX_CORRECTION_REASON
from checkin.models import PURPOSES
from checkin.services.visits.recording import MAX_NOTE

ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "error", "content": {"application/json": {"schema": ERROR}}}
            for c in codes}


def _json(schema: dict[str, Any], description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before asking again",
                                "required": True, "schema": {"type": "integer", "minimum": 0}}}
TOO_MANY = {"429": {"description": "error: too many attempts (too_many_requests); try again "
                                   "after Retry-After seconds",
                    "headers": _RETRY_AFTER,
                    "content": {"application/json": {"schema": ERROR}}}}
# An answer with no body: no Content-Type either.
NO_CONTENT = "no body"


def _page_of(ref: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "next_cursor"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
        "next_cursor": {"type": ["string", "null"]}}}


PAGE_PARAMS = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500},
     "description": "default 50; else 400 invalid_paging"},
    {"name": "cursor", "in": "query", "schema": {"type": "string", "maxLength": 400},
     "description": "next_cursor of the page before, as given (keyset: rows made or gone "
                    "between two pages do not shift the next); any other: 400 "
                    "invalid_cursor"}]

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
    "Village": {"type": "object", "required": ["id", "name", "area_id", "lat", "lon", "radius_m",
                                               "boundary"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                               "area_id": {"type": "integer"}, "lat": {"type": "number"},
                               "lon": {"type": "number"}, "radius_m": {"type": "number"},
                               "boundary": {"oneOf": [
                                   {"$ref": "#/components/schemas/Boundary"},
                                   {"type": "null"}]}}},
    "Boundary": {"type": "object", "required": ["type", "coordinates"],
                 "description": "a village's boundary when it is the fence (then the circle "
                                "is not): a GeoJSON Polygon or MultiPolygon in WGS-84, "
                                "longitude first; null: the circle is the fence",
                 "properties": {"type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
                                "coordinates": {"type": "array", "items": {}}}},
    "Token": {"type": "object", "required": ["token", "expires_at"], "properties": {
        "token": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}}},
    "PasswordChange": {"type": "object", "required": ["current", "new"], "properties": {
        "current": {"type": "string", "maxLength": 256},
        "new": {"type": "string", "maxLength": 256, "minLength": 8}}},
    "Credentials": {"type": "object", "required": ["username", "password"], "properties": {
        "username": {"type": "string", "maxLength": 64},
        "password": {"type": "string", "maxLength": 256},
        "otp": {"type": "string", "maxLength": 32,
                "description": "the second factor, for an account that has one: 6 digits "
                               "from the authenticator app or a recovery code; missing: "
                               "401 second_factor_needed, wrong: 401 second_factor_wrong "
                               "(counted as a failed sign-in)"}}},
}

_HEALTH_PART = {"type": "string", "enum": ["ok", "failing"]}
SCHEMAS["Health"] = {
    "type": "object", "required": ["status", "database", "photos"],
    "additionalProperties": False, "properties": {
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "database": _HEALTH_PART, "photos": _HEALTH_PART}}

PATHS: dict[str, Any] = {
    "/health": {"get": {
        "summary": "Whether this host can serve: its database answers, its photo store "
                   "takes a write (for a load balancer; no sign-in, not rate limited)",
        "operationId": "getHealth", "security": [],
        "responses": {"200": _json({"$ref": "#/components/schemas/Health"}),
                      "503": _json({"$ref": "#/components/schemas/Health"},
                                   "a part is failing (named)")}}},
    "/tokens": {"post": {
        "summary": "Sign in and get a Bearer token", "security": [],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Credentials"}}}},
        "responses": {"201": _json({"$ref": "#/components/schemas/Token"}, "created"),
                      **_errors(400, 401), **TOO_MANY}}},
    "/tokens/current": {"delete": {
        "summary": "Revoke the Bearer token of this request",
        "responses": {"204": {"description": f"revoked ({NO_CONTENT})"},
                      **_errors(400, 401)}}},
    "/me": {"get": {"summary": "The caller", "responses": {
        "200": _json({"$ref": "#/components/schemas/Me"}), **_errors(401, 403)}}},
    "/me/password": {"post": {
        "summary": "Change the caller's own password; every session and token ends",
        "description": "The one call (with DELETE /tokens/current) open to an account whose "
                       "password someone else set: every other answers 403 "
                       "password_change_required until it is changed. Wrong current "
                       "password: 422 current_password_wrong (counted as a failed sign-in); "
                       "a new one easy to guess: 422 password_common, password_weak or "
                       "password_too_short.",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/PasswordChange"}}}},
        "responses": {"204": {"description": f"changed; sign in again ({NO_CONTENT})"},
                      **_errors(400, 401, 422), **TOO_MANY}}},
    "/villages": {"get": {"summary": "Village fences in the caller's scope",
                          "parameters": PAGE_PARAMS, "responses": {
                              "200": _json(_page_of("Village")), **_errors(400, 401)}}},
}


# Spot checks and the monthly bulletin (supervisors and admins; cadres get 404) ----------
_REF = "#/components/schemas/"
_NULL_STR = {"type": ["string", "null"]}
_NULL_NUM = {"type": ["number", "null"]}
_NULL_INT = {"type": ["integer", "null"]}
SCHEMAS.update({
    "RiskReason": {"type": "object", "required": ["code", "weight", "text"], "properties": {
        "code": {"type": "string"}, "weight": {"type": "number"},
        "text": {"type": "string", "description": "the reason in the caller's language"}}},
    "SpotcheckResult": {"type": "object", "required": [
        "id", "item_id", "method", "outcome", "satisfaction", "note", "lat", "lon",
        "recorded_at", "checked_by_id", "verdict"], "properties": {
        "id": {"type": "integer"}, "item_id": {"type": "integer"},
        "method": {"type": "string", "enum": ["phone", "field"]},
        "outcome": {"type": "string", "enum": ["confirmed", "not_confirmed", "unreachable"]},
        "satisfaction": {"type": ["string", "null"],
                         "enum": ["satisfied", "basic", "unsatisfied", None]},
        "note": {"type": "string"}, "lat": _NULL_NUM, "lon": _NULL_NUM,
        "accuracy_m": _NULL_NUM, "recorded_at": {"type": "string", "format": "date-time"},
        "checked_by_id": {"type": "integer"},
        "verdict": {"type": "string", "enum": ["pass", "fail", "excused", "no_contact"],
                    "description": "fixed when the result was recorded, from what was "
                                   "known then (leave approved by then); fail is a serious "
                                   "finding; excused: not on post but on approved leave; "
                                   "no_contact: nothing established"},
        "standing_verdict": {"type": "string", "enum": [
            "pass", "fail", "excused", "no_contact", "excused_on_appeal"],
            "description": "what the bulletin counts: the verdict, or excused_on_appeal "
                           "once the county upheld an appeal"},
        "flags": {"type": "array", "items": {"type": "string", "enum": [
            "early_result", "far_from_village", "field_without_position"]}},
        "early_reason": {"type": "string",
                         "description": "why a result came before its window opened"},
        "distance_m": _NULL_NUM,
        "corrections": {"type": "array", "items": {"$ref": _REF + "SpotcheckCorrection"},
                        "description": "new records correcting the result, oldest first; "
                                       "the latest is what stands"},
        "appeal": {"oneOf": [{"$ref": _REF + "Appeal"}, {"type": "null"}]}}},
    "SpotcheckCorrection": {"type": "object", "required": [
        "id", "sequence", "corrected_by_id", "method", "outcome", "satisfaction", "note",
        "reason", "verdict", "recorded_at"], "properties": {
        "id": {"type": "integer"}, "sequence": {"type": "integer"},
        "corrected_by_id": {"type": "integer"},
        "method": {"type": "string", "enum": ["phone", "field"]},
        "outcome": {"type": "string", "enum": ["confirmed", "not_confirmed", "unreachable"]},
        "satisfaction": {"type": ["string", "null"],
                         "enum": ["satisfied", "basic", "unsatisfied", None]},
        "note": {"type": "string"}, "reason": {"type": "string"},
        "verdict": {"type": "string", "enum": ["pass", "fail", "excused", "no_contact"]},
        "recorded_at": {"type": "string", "format": "date-time"}}},
    "Appeal": {"type": "object", "required": [
        "id", "result_id", "made_by_id", "reason", "evidence", "created_at", "status",
        "decision"], "properties": {
        "id": {"type": "integer"}, "result_id": {"type": "integer"},
        "made_by_id": {"type": "integer"}, "reason": {"type": "string"},
        "evidence": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": ["pending", "upheld", "rejected"]},
        "decision": {"oneOf": [{"type": "null"}, {"type": "object", "required": [
            "upheld", "decided_by_id", "comment", "decided_at"], "properties": {
            "upheld": {"type": "boolean"}, "decided_by_id": {"type": "integer"},
            "comment": {"type": "string"},
            "decided_at": {"type": "string", "format": "date-time"}}}]}}},
    "AppealRequest": {"type": "object", "required": ["reason"], "properties": {
        "reason": {"type": "string", "maxLength": 2000, "description": "why it is excused"},
        "evidence": {"type": "string", "maxLength": 2000,
                     "description": "what shows it: a leave note, a hospital record..."}}},
    "AppealDecisionRequest": {"type": "object", "required": ["uphold"], "properties": {
        "uphold": {"type": "boolean"}, "comment": {"type": "string", "maxLength": 2000}}},
    "SpotcheckItem": {"type": "object", "required": [
        "id", "batch_id", "kind", "user_id", "visit_id", "household_id", "risk", "reasons",
        "status", "village_id", "day", "result"], "properties": {
        "id": {"type": "integer"}, "batch_id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["presence", "visit"]},
        "user_id": {"type": "integer"}, "user_name": {"type": "string"},
        "user_phone": _NULL_STR, "village_id": {"type": "integer"},
        "village_name": {"type": "string"}, "village_landline": _NULL_STR,
        "visit_id": _NULL_STR, "household_id": _NULL_INT,
        "household": {"type": ["object", "null"], "properties": {
            "name": {"type": "string"}, "address": {"type": "string"},
            "phone": {**_NULL_STR, "description": "whole for the check's checker (or any "
                      "supervisor while it has none), masked (138****0001) for anyone else"},
            "lat": _NULL_NUM, "lon": _NULL_NUM}},
        "day": {"type": "string", "format": "date",
                "description": "presence: the day to check; visit: the day of the visit"},
        "window_start": _NULL_STR, "window_end": _NULL_STR,
        "risk": {"type": "number"},
        "reasons": {"type": "array", "items": {"$ref": _REF + "RiskReason"}},
        "status": {"type": "string", "enum": ["open", "done"]},
        "result": {"oneOf": [{"$ref": _REF + "SpotcheckResult"}, {"type": "null"}]}}},
    "SpotcheckBatch": {"type": "object", "required": ["id", "seed", "area_id", "week",
                                                      "items"], "properties": {
        "id": {"type": "integer"}, "seed": {"type": "string"},
        "area_id": {"type": "integer"}, "week": {"type": "string", "example": "2026-W47"},
        "drawn_at": {"type": "string", "format": "date-time"}, "drawn_by_id": _NULL_INT,
        "items": {"type": "array", "items": {"$ref": _REF + "SpotcheckItem"}}}},
    "DrawRequest": {"type": "object", "required": ["area_id", "week"], "properties": {
        "area_id": {"type": "integer"},
        "week": {"type": "string", "pattern": "^[0-9]{4}-W[0-9]{2}$"}}},
    "ResultRequest": {"type": "object", "required": ["method", "outcome"], "properties": {
        "method": {"type": "string", "enum": ["phone", "field"]},
        "outcome": {"type": "string", "enum": ["confirmed", "not_confirmed", "unreachable"],
                    "description": "for a visit back-check: the household confirms the "
                                   "visit (confirmed) or denies it (not_confirmed)"},
        "satisfaction": {"type": "string", "enum": ["satisfied", "basic", "unsatisfied"],
                         "description": "visit back-checks where the household answered"},
        "note": {"type": "string", "maxLength": 2000},
        "lat": {"type": "number"}, "lon": {"type": "number"},
        "accuracy_m": {"type": "number"},
        "early_reason": {"type": "string", "maxLength": 2000,
                         "description": "required before the check's window opens"},
        "reason": {"type": "string", "maxLength": 2000,
                   "description": "corrections only: why the result is corrected"}}},
    "BulletinRow": {"type": "object", "required": [
        "team_id", "village_id", "unit", "score", "rank", "parts", "award"], "properties": {
        "team_id": {"type": "integer"}, "team_code": {"type": "string"},
        "village_id": {"type": "integer"}, "village_name": {"type": "string"},
        "unit": {"type": "string"},
        "score": {"type": ["number", "null"], "description": "null when not ranked"},
        "rank": {"type": ["integer", "null"], "description": "null when not ranked"},
        "parts": {"type": "object", "description": "0-100; a part without data is absent",
                  "additionalProperties": {"type": "number"}, "properties": {
                      "attendance": {"type": "number"}, "coverage": {"type": "number"},
                      "spotcheck": {"type": "number"}, "satisfaction": {"type": "number"}}},
        "award": {"type": ["string", "null"], "enum": ["red_flag", "yellow_card", None]},
        "satisfaction_warning": {"type": "boolean"},
        "spotchecks": {"type": "integer"}, "spotcheck_failures": {"type": "integer"},
        "satisfaction_answers": {"type": "integer"},
        "counted_days": {"type": "integer", "description": "the team's counted days"},
        "expected_days": {"type": "number", "description": "the days its members owed"},
        "details": {"type": "array", "description": "format 2: every part the policy knows, "
                    "with what it is made of ([what, counted, of]), its policy weight share, "
                    "the share it carried in this score and why it is missing", "items": {
                        "type": "object", "required": ["name", "value", "weight", "missing"],
                        "properties": {
                            "name": {"type": "string"}, "value": _NULL_NUM,
                            "weight": {"type": "number"}, "used_weight": {"type": "number"},
                            "missing": {"type": ["string", "null"], "enum": [
                                "not_checked", "no_answers", "too_few_answers", None]},
                            "made_of": {"type": "array", "description": "[what, n, of] each",
                                        "items": {"type": "array", "minItems": 3,
                                                  "maxItems": 3, "items": {"oneOf": [
                                                      {"type": "string"},
                                                      {"type": "number"}]}}}}}},
        "missing": {"type": "array", "items": {"type": "string"},
                    "description": "weighed parts the team was ranked without"},
        "satisfaction_share": _NULL_NUM,
        "satisfaction_judged": {"type": "boolean", "description": "at least the policy's "
                                "minimum of answers: only then scored and warned about"},
        "township": {"type": "string"}, "county": {"type": "string"},
        "findings": {"type": "array", "description": "the team's serious findings (what a "
                     "yellow card was given for, when ranked)",
                     "items": {"type": "object", "properties": {
                         "kind": {"type": "string"}, "method": {"type": "string"},
                         "outcome": {"type": "string"}, "day": {"type": "string"},
                         "user_name": {"type": "string"}}}}}},
    "GroupRank": {"type": "object", "required": ["key", "name", "score", "rank", "teams"],
                  "properties": {
                      "key": {"type": "string"}, "name": {"type": "string"},
                      "score": {"type": "number", "description": "mean of its teams' scores"},
                      "rank": {"type": "integer"}, "teams": {"type": "integer"},
                      "red_flags": {"type": "integer"}, "yellow_cards": {"type": "integer"},
                      "warnings": {"type": "integer"}, "partial": {"type": "integer"}}},
    "UnitRates": {"type": "object", "required": ["unit", "checks", "failures"], "properties": {
        "unit": {"type": "string"}, "checks": {"type": "integer"},
        "failures": {"type": "integer"}, "failure_rate": _NULL_NUM,
        "answers": {"type": "integer"}, "satisfaction": _NULL_NUM}},
    "Bulletin": {"type": "object", "required": [
        "month", "area_id", "rows", "provisional", "published_at"], "properties": {
        "month": {"type": "string", "example": "2026-11"}, "area_id": {"type": "integer"},
        "area_name": {"type": "string"},
        "first": {"type": "string", "format": "date"},
        "last": {"type": "string", "format": "date"},
        "asof": {"type": "string", "format": "date"},
        "rows": {"type": "array", "items": {"$ref": _REF + "BulletinRow"}},
        "format": {"type": "integer", "description": "snapshot format; absent: format 1"},
        "ranked": {"type": "boolean", "description": "false: the deployment does not rank "
                   "(POLICY_BULLETIN_RANKING off): no score, rank, award or group ranking"},
        "weights": {"type": "object", "additionalProperties": {"type": "number"}},
        "satisfaction_min_answers": {"type": "integer"},
        "satisfaction_warning_below": {"type": "number"},
        "groups": {"type": "object", "description": "对表排位 of sending units, townships "
                   "and counties", "properties": {
                       k: {"type": "array", "items": {"$ref": _REF + "GroupRank"}}
                       for k in ("units", "townships", "counties")}},
        "units": {"type": "array", "items": {"$ref": _REF + "UnitRates"}},
        "cadres": {"type": "array", "items": {"type": "object", "required": [
            "user_id", "name", "checks", "failures"], "properties": {
            "user_id": {"type": "integer"}, "name": {"type": "string"},
            "checks": {"type": "integer"}, "failures": {"type": "integer"},
            "failure_rate": _NULL_NUM, "answers": {"type": "integer"},
            "satisfaction": _NULL_NUM}}},
        "findings": {"type": "array", "items": {"type": "object", "properties": {
            "item_id": {"type": "integer"}, "kind": {"type": "string"},
            "user_id": {"type": "integer"}, "user_name": {"type": "string"},
            "village_name": {"type": "string"}, "outcome": {"type": "string"},
            "verdict": {"type": "string"}, "day": {"type": "string", "format": "date"}}}},
        "provisional": {"type": "boolean", "description": "the month is not over (暂定): "
                        "ranks and scores so far, no award"},
        "id": {**_NULL_INT, "description": "the publication, null before publishing"},
        "published_at": {"type": ["string", "null"], "format": "date-time",
                         "description": "once published, the snapshot of that moment"},
        "published_by_id": _NULL_INT,
        "digest": {**_NULL_STR, "description": "SHA-256 of the published content as "
                   "canonical JSON (sorted keys, no spaces)"},
        "supersedes_id": {**_NULL_INT, "description": "the publication this corrects"},
        "correction_reason": _NULL_STR}},
    "PublishRequest": {"type": "object", "required": ["area_id"], "properties": {
        "area_id": {"type": "integer"},
        "correction_reason": {"type": "string", "maxLength": 500, "description":
                              "publishing an already published month again is a "
                              "correction, made only with a reason"}}},
    "Change": {"type": "object", "required": ["published", "now"], "properties": {
        "published": {}, "now": {}}},
    "LateChanges": {"type": "object", "required": [
        "month", "area_id", "publication_id", "published_at", "items"], "properties": {
        "month": {"type": "string"}, "area_id": {"type": "integer"},
        "publication_id": {"type": "integer"},
        "published_at": {"type": "string", "format": "date-time"},
        "digest": {"type": "string"},
        "items": {"type": "array", "items": {"type": "object", "required": [
            "team_id", "changes", "late_records"], "properties": {
            "team_id": {"type": "integer"}, "team_code": {"type": "string"},
            "village_name": {"type": "string"},
            "changes": {"type": "object", "description": "only what changed: rank, score, "
                        "award, counted_days", "additionalProperties": {"$ref": _REF + "Change"}},
            "late_records": {"type": "object", "description": "records for the month that "
                             "arrived after the publication", "additionalProperties": {
                                 "type": "integer"}}}}}}},
})
_MONTH_PARAM = {"name": "month", "in": "path", "required": True,
                "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}
PATHS.update({
    "/spotchecks/draw": {"post": {
        "summary": "Draw an area's spot checks for an ISO week (this week or last)",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": _REF + "DrawRequest"}}}},
        "responses": {"201": _json({"$ref": _REF + "SpotcheckBatch"}, "drawn now"),
                      "200": _json({"$ref": _REF + "SpotcheckBatch"},
                                   "drawn before: the same batch"),
                      **_errors(400, 401, 404, 422)}}},
    "/spotchecks": {"get": {
        "summary": "The spot-check queue in the caller's jurisdiction",
        "parameters": [*PAGE_PARAMS,
                       {"name": "status", "in": "query",
                        "schema": {"type": "string", "enum": ["open", "done"]}},
                       {"name": "batch_id", "in": "query", "schema": {"type": "integer"}},
                       {"name": "week", "in": "query", "schema": {"type": "string"}},
                       {"name": "mine", "in": "query",
                        "schema": {"type": "string", "enum": ["0", "1"]},
                        "description": "1: only the checks assigned to the caller"}],
        "responses": {"200": _json(_page_of("SpotcheckItem")), **_errors(400, 401, 404)}}},
    "/spotchecks/batches/{batch_id}": {"get": {
        "summary": "One drawn batch with its items",
        "parameters": [{"name": "batch_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": {"200": _json({"$ref": _REF + "SpotcheckBatch"}),
                      **_errors(401, 404)}}},
    "/spotchecks/{item_id}/result": {"post": {
        "summary": "Record the one result of a check (supervisors; insert-only)",
        "parameters": [{"name": "item_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": _REF + "ResultRequest"}}}},
        "responses": {"200": _json({"$ref": _REF + "SpotcheckItem"}),
                      **_errors(400, 401, 404, 409, 422)}}},
    "/spotchecks/results/{result_id}/corrections": {"post": {
        "summary": "Correct a mistaken result by a new record with a reason (the result "
                   "stays); refused once the result is appealed",
        "parameters": [{"name": "result_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": _REF + "ResultRequest"}}}},
        "responses": {"201": _json({"$ref": _REF + "SpotcheckItem"}, "corrected"),
                      **_errors(400, 401, 404, 409, 422)}}},
    "/spotchecks/{item_id}/assignment": {"post": {
        "summary": "Give a check to a checker (a supervisor of its village), within the "
                   "checker's weekly cap",
        "parameters": [{"name": "item_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["checker_id"],
            "properties": {"checker_id": {"type": "integer"}}}}}},
        "responses": {"200": _json({"type": "object", "required": ["item_id", "checker_id"],
                                    "properties": {"item_id": {"type": "integer"},
                                                   "checker_id": {"type": "integer"}}}),
                      **_errors(400, 401, 404, 409, 422)}}},
    "/spotchecks/results/{result_id}/appeals": {"post": {
        "summary": "Appeal (申诉) a failed check: a supervisor of the cadre's village, once; "
                   "the result and its verdict stay as recorded",
        "parameters": [{"name": "result_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": _REF + "AppealRequest"}}}},
        "responses": {"201": _json({"$ref": _REF + "Appeal"}, "appealed"),
                      **_errors(400, 401, 404, 409, 422)}}},
    "/spotchecks/appeals/{appeal_id}/decision": {"post": {
        "summary": "The county upholds or rejects an appeal, once (not whoever made it)",
        "parameters": [{"name": "appeal_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": _REF + "AppealDecisionRequest"}}}},
        "responses": {"200": _json({"$ref": _REF + "Appeal"}),
                      **_errors(400, 401, 403, 404, 409)}}},
    "/me/bulletins": {"get": {
        "summary": "A cadre's own team's rows of published bulletins, newest month first "
                   "(issue 15): rank of how many teams, score, award, parts with what they "
                   "were made of and their weights, and a yellow card's finding; never "
                   "provisional figures or other teams. Supervisors and admins get 404.",
        "responses": {"200": _json({"type": "object", "required": ["items"], "properties": {
            "items": {"type": "array", "items": {"type": "object", "required": [
                "month", "area_name", "published_on", "teams", "row"], "properties": {
                "month": {"type": "string"}, "area_name": {"type": "string"},
                "published_on": {"type": "string", "format": "date"},
                "teams": {"type": "integer"},
                "weights": {"type": ["object", "null"]},
                "ranked": {"type": "boolean", "description": "false: no score, rank or award"},
                "row": {"type": "object", "required": ["rank", "score", "award"],
                        "description": "of BulletinRow only team_code, village_name, unit, "
                        "score, rank, award, satisfaction_*, details, missing, counted_days, "
                        "expected_days, and the serious findings (a yellow card's, "
                        "when ranked)"}}}}}}),
                      **_errors(401, 404)}}},
    "/bulletins/{month}": {"get": {
        "summary": "The monthly bulletin (月通报) of an area",
        "parameters": [{"name": "month", "in": "path", "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}},
                       {"name": "area_id", "in": "query", "schema": {"type": "integer"},
                        "description": "default: the supervisor's own area"}],
        "responses": {"200": _json({"$ref": _REF + "Bulletin"}, "the published snapshot, "
                                   "byte for byte, or the figures now (provisional while "
                                   "the month runs)"),
                      **_errors(400, 401, 404, 422)}}},
    "/bulletins/{month}/publish": {"post": {
        "summary": "Publish a finished month's bulletin of an area (county or above; audited)",
        "parameters": [_MONTH_PARAM],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": _REF + "PublishRequest"}}}},
        "responses": {"201": _json({"$ref": _REF + "Bulletin"}, "published, or a correction "
                                   "published that supersedes the last publication"),
                      "200": _json({"$ref": _REF + "Bulletin"}, "published before and "
                                   "nothing changed since: the same snapshot"),
                      **_errors(400, 401, 403, 404, 409, 422)}}},
    "/bulletins/{month}/late-changes": {"get": {
        "summary": "What records that arrived after the publication would change",
        "parameters": [_MONTH_PARAM, {"name": "area_id", "in": "query",
                                      "schema": {"type": "integer"}}],
        "responses": {"200": _json({"$ref": _REF + "LateChanges"}),
                      **_errors(400, 401, 404, 422)}}},
})


# 季众评, the quarterly public evaluation (supervisors and admins; cadres get 404) ---------
_FIGURE = {
    "n": {"type": "integer", "description": "answers counted (flagged ones left out)"},
    "satisfied": {"type": "integer"}, "basic": {"type": "integer"},
    "unsatisfied": {"type": "integer"},
    "satisfaction": {"type": ["number", "null"],
                     "description": "(satisfied + basic) / n, 0..1; null without answers"},
    "known_share": {"type": ["number", "null"], "description": "for cadres: the share of "
                    "households asked that know them; null for teams and groups"},
    "flagged": {"type": "integer", "description": "answers flagged (a burst from one device, "
                "or a device with a signed-in session), not counted"},
    "judged": {"type": "boolean", "description": "n is at least min_answers"},
}
_FIGURE_REQUIRED = list(_FIGURE)
SCHEMAS.update({
    "EvaluationFigure": {"type": "object", "required": _FIGURE_REQUIRED, "properties": _FIGURE},
    "EvaluationResults": {"type": "object", "required": [
        "quarter", "area_id", "area_name", "min_answers", "total", "townships", "units",
        "teams", "cadres"], "properties": {
        "quarter": {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"},
        "area_id": {"type": "integer"}, "area_name": {"type": "string"},
        "min_answers": {"type": "integer"},
        "total": {"$ref": _REF + "EvaluationFigure"},
        "townships": {"type": "array", "items": {"type": "object", "required": [
            "area_id", "name", *_FIGURE_REQUIRED], "properties": {
            "area_id": {"type": "integer"}, "name": {"type": "string"}, **_FIGURE}}},
        "units": {"type": "array", "items": {"type": "object", "required": [
            "name", *_FIGURE_REQUIRED], "properties": {"name": {"type": "string"}, **_FIGURE}}},
        "teams": {"type": "array", "items": {"type": "object", "required": [
            "team_id", "village_id", "name", "unit", *_FIGURE_REQUIRED], "properties": {
            "team_id": {"type": "integer"}, "village_id": {"type": ["integer", "null"]},
            "name": {"type": "string"}, "unit": {"type": "string"}, **_FIGURE}}},
        "cadres": {"type": "array", "items": {"type": "object", "required": [
            "user_id", "name", "village_name", *_FIGURE_REQUIRED], "properties": {
            "user_id": {"type": "integer"}, "name": {"type": "string"},
            "village_name": {"type": "string"}, **_FIGURE}}}}},
})
PATHS.update({
    "/evaluation/{quarter}": {"get": {
        "summary": "The quarterly public evaluation (季众评) of an area: figures per township, "
                   "sending unit, team and cadre with their n (no household's answer)",
        "parameters": [{"name": "quarter", "in": "path", "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"}},
                       {"name": "area_id", "in": "query", "schema": {"type": "integer"},
                        "description": "default: the supervisor's own area"}],
        "responses": {"200": _json({"$ref": _REF + "EvaluationResults"}),
                      **_errors(400, 401, 404, 422)}}},
})


# Roster imports (background jobs) ---------------------------------------------------------
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
_ROSTER_PROBLEM = {"type": "object", "required": ["sheet", "row", "column", "message"],
                   "properties": {"sheet": {"type": ["string", "null"]},
                                  "row": {"type": ["integer", "null"]},
                                  "column": {"type": ["string", "null"]},
                                  "letter": {"type": ["string", "null"]},
                                  "code": {"type": "string"},
                                  "message": {"type": "string"}}}
_IMPORT_STATUS = {"type": "string", "enum": ["queued", "running", "done", "failed"]}
SCHEMAS.update({
    "ImportStarted": {"type": "object", "required": ["id", "status"],
                      "additionalProperties": False, "properties": {
                          "id": {"type": "integer"}, "status": _IMPORT_STATUS}},
    "Import": {"type": "object", "required": [
        "id", "status", "dry_run", "progress", "created", "updated", "unchanged", "problems",
        "notes", "changes", "changes_total", "new_accounts", "credentials_available"],
        "properties": {
            "id": {"type": "integer"}, "status": _IMPORT_STATUS, "dry_run": {"type": "boolean"},
            "progress": {"type": "number", "minimum": 0, "maximum": 1},
            "created": _COUNTS, "updated": _COUNTS, "unchanged": _COUNTS,
            "problems": {"type": "array", "items": _ROSTER_PROBLEM},
            "notes": {"type": "array", "items": _ROSTER_PROBLEM},
            "warnings": {"type": "array", "items": _ROSTER_PROBLEM,
                         "description": "what the file leaves that the rules advise against "
                                        "(a team's make-up: no first secretary, not 3, no "
                                        "township member, several teams in a village); "
                                        "the file imports all the same"},
            "changes": {"type": "array", "description": "every change, field by field "
                        "(the first 5,000; changes_total counts them all)", "items": {
                            "type": "object", "required": ["entity", "key", "action", "fields"],
                            "properties": {
                                "entity": {"type": "string"}, "key": {"type": "string"},
                                "action": {"type": "string", "enum": ["create", "update"]},
                                "fields": {"type": "object", "additionalProperties": {
                                    "type": "array", "minItems": 2, "maxItems": 2,
                                    "description": "[old, new]; old is null on create",
                                    "items": {}}}}}},
            "changes_total": {"type": "integer"}, "new_accounts": {"type": "integer"},
            "credentials_available": {"type": "boolean"}}},
})
_JOB_PARAM = {"name": "import_id", "in": "path", "required": True,
              "schema": {"type": "integer"}}
PATHS.update({
    "/imports": {"post": {
        "summary": "Import roster files as a background job (admin): all or nothing; with "
                   "dry_run, a preview of every change that writes nothing",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["files"], "properties": {
                "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                "dry_run": {"type": "string", "enum": ["true", "false", "1", "0"]}}}}}},
        "responses": {"202": _json({"$ref": _REF + "ImportStarted"}, "queued"),
                      **_errors(401, 404, 413, 422)}}},
    "/imports/{import_id}": {"get": {
        "summary": "An import's status, progress, counts, problems and changes (admin)",
        "parameters": [_JOB_PARAM],
        "responses": {"200": _json({"$ref": _REF + "Import"}), **_errors(401, 404)}}},
    "/imports/{import_id}/credentials.xlsx": {"get": {
        "summary": "The initial passwords of a finished import's new accounts (name, phone, "
                   "username, initial password), once, to the admin who ran it",
        "parameters": [_JOB_PARAM],
        "responses": {"200": {"description": "the sheet", "content": {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}}}},
            **_errors(401, 404, 410)}}},
})


# Attendance, leave, households and visits -------------------------------------------------
_STR_N = {"type": ["string", "null"]}
_NUM_N = {"type": ["number", "null"]}
_DAY = {"type": "string", "format": "date"}
_TIME = {"type": "string", "format": "date-time"}
_REASON = {"type": "object", "required": ["code", "message"],
           "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}
_ID_PARAM = [{"name": "user_id", "in": "query", "schema": {"type": "integer"}}]
_RANGE = [{"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
          {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}}]


def _obj(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


SCHEMAS.update({
    "CheckinIn": _obj(["id", "lat", "lon", "accuracy_m", "recorded_at"], {
        "id": {"type": "string", "format": "uuid"}, "lat": {"type": "number"},
        "lon": {"type": "number"}, "accuracy_m": {"type": "number", "minimum": 0},
        "recorded_at": _TIME, "note": {"type": "string", "maxLength": 2000},
        "queued": {"type": "boolean", "description": "made offline, sent later"}}),
    "Checkin": _obj(["id", "user_id", "village_id", "recorded_at", "received_at", "lat", "lon",
                     "accuracy_m", "distance_m", "in_fence", "counts_for_day", "flags"], {
        "id": {"type": "string"}, "user_id": {"type": "integer"},
        "village_id": {"type": "integer"}, "recorded_at": _TIME, "received_at": _TIME,
        "day": _DAY, "lat": {"type": "number"}, "lon": {"type": "number"},
        "accuracy_m": {"type": "number"}, "distance_m": {"type": "number"},
        "in_fence": {"type": "boolean"}, "counts_for_day": {"type": "boolean"},
        "flags": {"type": "array", "items": {"type": "string"}}, "note": _STR_N,
        "reasons": {"type": "array", "items": _REASON},
        "offer_return": {"type": ["object", "null"],
                         "description": "made during approved leave not yet closed (flag "
                                        "during_leave): the leave the phone offers to close",
                         "properties": {"leave_id": {"type": "string"},
                                        "start_date": _DAY, "end_date": _DAY}}}),
    "LeaveIn": _obj(["id", "kind", "start_date", "end_date"], {
        "id": {"type": "string", "format": "uuid"},
        "kind": {"type": "string", "enum": ["personal", "sick", "urgent", "official",
                                            "training"],
                 "description": "asked on its first day only for the policy's same-day "
                                "kinds (default sick, urgent)"},
        "start_date": _DAY, "end_date": _DAY, "reason": {"type": "string", "maxLength": 1000}}),
    "Leave": _obj(["id", "user_id", "kind", "start_date", "end_date", "status"], {
        "id": {"type": "string"}, "user_id": {"type": "integer"},
        "village_id": {"type": "integer"}, "kind": {"type": "string"}, "start_date": _DAY,
        "end_date": _DAY, "reason": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "approved", "rejected", "closed",
                                              "withdrawn"]},
        "approver_level": {"type": "string", "enum": ["township", "county"]},
        "created_at": _TIME, "decided_at": {"type": ["string", "null"]},
        "decided_by_id": {"type": ["integer", "null"]},
        "decision_comment": _STR_N, "returned_on": _STR_N, "overdue": {"type": "boolean"},
        "same_day": {"type": "boolean", "description": "asked on or after its first day"},
        "approved_after_start": {"type": "boolean",
                                 "description": "事后补批: approved after its first day; "
                                                "excuses no finding recorded before"},
        "return_backdated": {"type": "boolean",
                             "description": "销假 dated further back than the tolerance"},
        "withdrawn_at": {"type": ["string", "null"]}}),
    "DailyLogIn": _obj(["id", "text"], {
        "id": {"type": "string", "format": "uuid"}, "date": _DAY,
        "text": {"type": "string", "minLength": 1, "maxLength": 4000},
        "supersedes": {"type": ["string", "null"], "format": "uuid"},
        "queued": {"type": "boolean"}}),
    "DailyLog": _obj(["id", "user_id", "date", "text", "supersedes", "created_at", "queued"], {
        "id": {"type": "string"}, "user_id": {"type": "integer"}, "date": _DAY,
        "text": {"type": "string"}, "supersedes": {"type": ["string", "null"]},
        "created_at": _TIME, "queued": {"type": "boolean"}}),
    "DailyLogDay": _obj(["date", "user_id", "log", "versions", "draft"], {
        "date": _DAY, "user_id": {"type": "integer"},
        "log": {"oneOf": [{"$ref": "#/components/schemas/DailyLog"}, {"type": "null"}]},
        "versions": {"type": "array", "items": {"$ref": "#/components/schemas/DailyLog"}},
        "draft": {"type": "string"}}),
    "CorrectionIn": _obj(["id", "day", "reason"], {
        "id": {"type": "string", "format": "uuid"}, "day": _DAY,
        "reason": {"type": "string", "minLength": 1, "maxLength": 1000},
        "lat": {"type": "number"}, "lon": {"type": "number"}}),
    "Correction": _obj(["id", "user_id", "day", "reason", "status", "created_at"], {
        "id": {"type": "string"}, "user_id": {"type": "integer"},
        "village_id": {"type": "integer"}, "day": _DAY, "reason": {"type": "string"},
        "lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]},
        "status": {"type": "string", "enum": ["pending", "approved", "rejected"]},
        "created_at": _TIME, "decided_by": {"type": ["integer", "null"]},
        "decided_at": {"type": ["string", "null"]}, "comment": _STR_N}),
    "Attendance": _obj(["user_id", "year", "target_days", "on_post_days", "leave_days",
                        "training_days", "official_days", "absent_days", "forecast_days",
                        "on_pace"], {
        "user_id": {"type": "integer"}, "name": {"type": "string"},
        "village_id": {"type": ["integer", "null"]}, "team_id": {"type": ["integer", "null"]},
        "year": {"type": "integer"},
        **{k: {"type": "integer"} for k in (
            "target_days", "on_post_days", "leave_days", "training_days", "official_days",
            "absent_days", "forecast_days", "counted_days", "training_target")},
        "pending_days": {"type": "integer", "description": "1 while today runs with nothing "
                         "counted yet: not absent before it ends (local midnight)"},
        "opening_days": {"type": "integer", "description": "of counted_days, those of the "
                         "opening balance set at go-live (开账前天数): days before go-live "
                         "have no records and are never absent"},
        "on_pace": {"type": "boolean"}}),
    "Household": _obj(["id", "name", "village_id", "helper_id", "lat", "lon",
                       "last_contact_at", "last_visit_at", "due"], {
        "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
        "village_id": {"type": "integer"}, "helper_id": {"type": "integer"},
        "status": {"type": "string"}, "address": {"type": "string"},
        "phone": {**_STR_N, "description": "the household's phone, for a contact by phone: "
                  "whole for its helper, masked (138****0001) for anyone else"},
        "lat": _NUM_N, "lon": _NUM_N,
        "last_contact_at": {**_STR_N, "format": "date-time"},
        "last_visit_at": {**_STR_N, "format": "date-time"},
        "due": {"type": "string", "enum": ["ok", "due", "overdue"]},
        "days_since_visit": {"type": ["integer", "null"],
                             "description": "null: never visited"},
        "next_deadline": {**_STR_N, "format": "date",
                          "description": "the last day of the cadence's window"}}),
    "Photo": _obj(["id", "width", "height", "taken_at", "flags", "exif_lat", "exif_lon",
                   "url", "thumb_url"], {
        "id": {"type": "integer"}, "width": {"type": "integer"},
        "height": {"type": "integer"},
        "taken_at": {**_STR_N, "format": "date-time",
                     "description": "from the photo's EXIF, else from the phone's photo_exif"},
        "flags": {"type": "array", "items": {"type": "string"}},
        "exif_lat": _NUM_N, "exif_lon": _NUM_N,
        "url": {"type": "string", "description": "GET it for the photo"},
        "thumb_url": {"type": "string", "description": "GET it for the thumbnail"}}),
    "Visit": _obj(["id", "user_id", "household_id", "village_id", "kind", "purposes", "note",
                   "lat", "lon", "accuracy_m", "recorded_at", "received_at", "day",
                   "distance_m", "flags", "corrects_id", "correction_reason", "photos"], {
        "id": {"type": "string"}, "user_id": {"type": "integer"},
        "household_id": {"type": "integer"}, "village_id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["visit", "contact"]},
        "purposes": {"type": "array", "items": {"type": "string", "enum": list(PURPOSES)}},
        "note": {"type": "string"}, "lat": _NUM_N, "lon": _NUM_N, "accuracy_m": _NUM_N,
        "recorded_at": _TIME, "received_at": _TIME, "day": _DAY, "distance_m": _NUM_N,
        "flags": {"type": "array", "items": {"type": "string"}},
        "corrects_id": _STR_N, "correction_reason": _STR_N,
        "photos": {"type": "array", "items": {"$ref": "#/components/schemas/Photo"}}}),
})

SCHEMAS["PhotoExif"] = _obj([], {
    "taken_at": {"type": "string", "description": "DateTimeOriginal as ISO 8601; without an "
                 "offset it is the deployment's zone (as EXIF without OffsetTimeOriginal)",
                 "example": "2026-11-22T08:05:00+08:00"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "lon": {"type": "number", "minimum": -180, "maximum": 180}})
SCHEMAS["PhotoExif"]["description"] = (
    "What the phone read from one original photo before shrinking it (its canvas drops "
    "EXIF). The server's own reading of the bytes wins, field by field; a field taken from "
    "here flags the photo exif_from_client. lat and lon come together.")
SCHEMAS["VisitIn"] = _obj(["id", "household_id", "kind", "recorded_at"], {
    "id": {"type": "string", "format": "uuid", "description": "made by the phone"},
    "household_id": {"type": "integer"},
    "kind": {"type": "string", "enum": ["visit", "contact"],
             "description": "visit: 在户走访, needs lat and lon; contact: by phone or otherwise"},
    "purposes": {"type": "array", "items": {"type": "string", "enum": list(PURPOSES)}},
    "note": {"type": "string", "maxLength": MAX_NOTE},
    "lat": {"type": "number"}, "lon": {"type": "number"},
    "accuracy_m": {"type": "number", "minimum": 0},
    "recorded_at": _TIME,
    "queued": {"type": "boolean", "description": "made offline, sent later"},
    "corrects_id": {"type": "string", "format": "uuid",
                    "description": "one of the cadre's own visits this one corrects"},
    "correction_reason": {"type": "string", "maxLength": MAX_CORRECTION_REASON,
                          "description": "required with corrects_id"},
    "photo_exif": {"type": "array", "description": "one entry (or null) per photo, in the "
                   "order of the photos parts", "items": {"anyOf": [
                       {"$ref": "#/components/schemas/PhotoExif"}, {"type": "null"}]}}})
SCHEMAS["VisitUpload"] = _obj(["visit"], {
    "visit": {"$ref": "#/components/schemas/VisitIn"},
    "photos": {"type": "array", "description": "at most PHOTOS_PER_VISIT "
               "(default 6); JPEG, PNG, WebP or HEIC", "items": {"type": "string",
                                                                "format": "binary"}}})

SCHEMAS["Dossier"] = _obj(
    ["user", "year", "attendance", "checkins", "visits", "leaves", "corrections",
     "spotchecks", "satisfaction", "bulletins"], {
        "user": _obj(["id", "name", "village_id", "team_id"], {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "username": {"type": "string"}, "village_id": {"type": ["integer", "null"]},
            "village_name": _STR_N, "team_id": {"type": ["integer", "null"]},
            "team_code": _STR_N, "unit": _STR_N, "is_leader": {"type": "boolean"},
            "phone": {**_STR_N, "description": "whole for the cadre and supervisors over "
                      "them, masked (138****0001) for anyone else"}}),
        "year": {"type": "integer"},
        "attendance": {"$ref": "#/components/schemas/Attendance"},
        "checkins": _obj(["total", "counted", "flagged"], {
            k: {"type": "integer"} for k in ("total", "counted", "flagged")}),
        "visits": _obj(["total", "flagged"], {
            k: {"type": "integer"} for k in ("total", "flagged", "visits", "contacts")}),
        "due_households": {"type": "integer",
                           "description": "households of the cadre due or overdue now"},
        "leaves": {"type": "array", "items": {"$ref": "#/components/schemas/Leave"}},
        "corrections": {"type": "array",
                        "items": {"$ref": "#/components/schemas/Correction"}},
        "spotchecks": {"type": "array", "description": "always empty for the cadre's own "
                       "file: spot checks are unannounced", "items": _obj(
                           ["week", "kind", "outcome", "verdict", "satisfaction"], {
                               "week": {"type": "string"}, "day": _DAY,
                               "kind": {"type": "string", "enum": ["presence", "visit"]},
                               "outcome": {"type": "string", "enum": [
                                   "confirmed", "not_confirmed", "unreachable"]},
                               "verdict": {"type": "string", "enum": [
                                   "pass", "fail", "excused", "no_contact"]},
                               "satisfaction": {"type": ["string", "null"], "enum": [
                                   "satisfied", "basic", "unsatisfied", None]}})},
        "satisfaction": {"type": ["object", "null"], "description": "null for the cadre's "
                         "own file", "required": ["answers", "satisfied_share"],
                         "properties": {"answers": {"type": "integer"},
                                        "satisfied_share": _NUM_N}},
        "bulletins": {"type": "array", "description": "the team's rows of published "
                      "bulletins", "items": _obj(["month", "rank", "award"], {
                          "month": {"type": "string"}, "area": {"type": "string"},
                          "rank": {"type": ["integer", "null"]},
                          "teams": {"type": "integer"}, "score": _NUM_N,
                          "award": {"type": ["string", "null"],
                                    "enum": ["red_flag", "yellow_card", None]}})},
        "evaluation": {"type": "array", "description": "the quarterly public evaluation "
                       "(季众评), each quarter of the year with answers; in the cadre's own "
                       "file a quarter still running or with too few answers has no figure",
                       "items": _obj(["quarter", "figure", "why"], {
                           "quarter": {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"},
                           "figure": {"anyOf": [{"$ref": _REF + "EvaluationFigure"},
                                                {"type": "null"}]},
                           "why": {"type": ["string", "null"],
                                   "enum": ["running", "too_few", None]}})},
    })


# A photo's ETag is its SHA-256 key: the same bytes, the same ETag on every host.
_PHOTO_HEADERS = {"ETag": {"description": "the photo's SHA-256, quoted",
                           "schema": {"type": "string"}},
                  "Cache-Control": {"schema": {"type": "string"}}}

_ATTENDANCE_SUMMARY = _page_of("Attendance")
_ATTENDANCE_SUMMARY["required"] = ["year", "month", "area_id", "items", "next_cursor"]
_ATTENDANCE_SUMMARY["properties"].update({
    "year": {"type": "integer"},
    "month": {**_STR_N, "description": "YYYY-MM when asked for a month: the days are the "
              "month's, the target pro-rated to it; forecast and pace stay the year's"},
    "area_id": {**_NULL_INT, "description": "as asked; null: the whole jurisdiction"}})

_REF = "#/components/schemas/"
# A variable with its type: inside the overloaded dict.update() mypy infers this literal wrongly.
_RECORD_PATHS: dict[str, Any] = {
    "/checkins": {
        "post": {"summary": "Check in (exactly once by id)",
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": {"$ref": _REF + "CheckinIn"}}}},
                 "responses": {"201": _json({"$ref": _REF + "Checkin"}, "created"),
                               "200": _json({"$ref": _REF + "Checkin"}, "replay"),
                               **_errors(400, 401, 404, 409, 422)}},
        "get": {"summary": "Check-ins in scope", "parameters": PAGE_PARAMS + _RANGE + _ID_PARAM,
                "responses": {"200": _json(_page_of("Checkin")), **_errors(400, 401)}}},
    "/leaves": {
        "post": {"summary": "Ask for leave (exactly once by id)",
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": {"$ref": _REF + "LeaveIn"}}}},
                 "responses": {"201": _json({"$ref": _REF + "Leave"}, "created"),
                               "200": _json({"$ref": _REF + "Leave"}, "replay"),
                               **_errors(400, 401, 404, 409, 422)}},
        "get": {"summary": "Leave in scope", "parameters": PAGE_PARAMS,
                "responses": {"200": _json(_page_of("Leave")), **_errors(400, 401)}}},
    "/leaves/{leave_id}/decision": {"post": {
        "summary": "Approve or reject (township up to 3 days, county beyond)",
        "parameters": [{"name": "leave_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _obj(
            ["approve"], {"approve": {"type": "boolean"}, "comment": {"type": "string"}})}}},
        "responses": {"200": _json({"$ref": _REF + "Leave"}),
                      "409": _json({"$ref": "#/components/schemas/Error"},
                                   "already decided (or withdrawn): the message names who "
                                   "and when"),
                      **_errors(400, 401, 403, 404, 422)}}},
    "/leaves/{leave_id}/return": {"post": {
        "summary": "Close the leave on return (销假): not after today, not before the leave "
                   "began; dated back beyond the tolerance it is marked return_backdated",
        "parameters": [{"name": "leave_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": _obj(["date"], {"date": _DAY, "id": {
                "type": "string", "format": "uuid",
                "description": "made on the phone: the same 销假 sent again answers the "
                               "closed leave; another date under it is a 409"}})}}},
        "responses": {"200": _json({"$ref": _REF + "Leave"}),
                      **_errors(400, 401, 404, 409, 422)}}},
    "/team-report/remarks": {"post": {
        "summary": "The team leader saves the remarks of the team's report for a period "
                   "(exactly once by id: an old resend never overwrites later remarks)",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _obj(
            ["id", "period", "remarks"], {"id": {"type": "string", "format": "uuid"},
                                          "period": {"type": "string"},
                                          "remarks": {"type": "string"}})}}},
        "responses": {"201": _json(_obj(["id", "period", "remarks"], {
                          "id": {"type": "string"}, "period": {"type": "string"},
                          "remarks": {"type": "string"}}), "saved"),
                      "200": _json(_obj(["id", "period", "remarks"], {
                          "id": {"type": "string"}, "period": {"type": "string"},
                          "remarks": {"type": "string"}}), "replay"),
                      **_errors(400, 401, 403, 404, 409, 422)}}},
    "/attendance/corrections": {
        "post": {"summary": "Ask for a make-up (补卡) for a past day (exactly once by id)",
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": {"$ref": _REF + "CorrectionIn"}}}},
                 "responses": {"201": _json({"$ref": _REF + "Correction"}, "created"),
                               "200": _json({"$ref": _REF + "Correction"}, "replay"),
                               **_errors(400, 401, 404, 409, 422)}},
        "get": {"summary": "Make-up requests in scope", "parameters": [
                    *PAGE_PARAMS, {"name": "status", "in": "query", "schema": {
                        "type": "string", "enum": ["pending", "approved", "rejected"]}}],
                "responses": {"200": _json(_page_of("Correction")), **_errors(400, 401)}}},
    "/daily-logs": {
        "post": {"summary": "Write the day's log (日纪实), exactly once by id: no position, "
                            "no check-in. One log a day; an edit is a new version naming "
                            "the newest (`supersedes`), every version is kept (409 "
                            "daily_log_exists / daily_log_stale otherwise)",
                 "requestBody": {"required": True, "content": {"application/json": {
                     "schema": {"$ref": _REF + "DailyLogIn"}}}},
                 "responses": {"201": _json({"$ref": _REF + "DailyLog"}, "created"),
                               "200": _json({"$ref": _REF + "DailyLog"}, "replay"),
                               **_errors(400, 401, 403, 409, 422)}},
        "get": {"summary": "A day's log: the newest version, every version along the chain, "
                           "and a draft from the day's records (a supervisor names user_id)",
                "parameters": [{"name": "date", "in": "query", "schema": _DAY}, *_ID_PARAM],
                "responses": {"200": _json({"$ref": _REF + "DailyLogDay"}),
                              **_errors(400, 401, 404)}}},
    "/attendance/corrections/{correction_id}/decision": {"post": {
        "summary": "Approve or reject a make-up (the township or above of that cadre, once; "
                   "a rejection needs a comment)",
        "parameters": [{"name": "correction_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _obj(
            ["approve"], {"approve": {"type": "boolean"}, "comment": {"type": "string"}})}}},
        "responses": {"200": _json({"$ref": _REF + "Correction"}),
                      **_errors(400, 401, 404, 409, 422)}}},
    "/leaves/{leave_id}/withdraw": {"post": {
        "summary": "The cadre withdraws a pending request (audited)",
        "parameters": [{"name": "leave_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": _json({"$ref": _REF + "Leave"}),
                      **_errors(401, 404, 409)}}},
    "/attendance": {"get": {
        "summary": "One cadre's year", "parameters": [
            {"name": "year", "in": "query", "schema": {"type": "integer"}}, *_ID_PARAM],
        "responses": {"200": _json({"$ref": _REF + "Attendance"}), **_errors(400, 401, 404)}}},
    "/attendance/summary": {"get": {
        "summary": "One row per cadre of the jurisdiction, by village", "parameters": [
            *PAGE_PARAMS, {"name": "area_id", "in": "query", "schema": {"type": "integer"}},
            {"name": "year", "in": "query", "schema": {"type": "integer"}},
            {"name": "month", "in": "query", "schema": {"type": "string",
                                                        "pattern": "^[0-9]{4}-[0-9]{2}$"}}],
        "responses": {"200": _json(_ATTENDANCE_SUMMARY), **_errors(400, 401, 404)}}},
    "/cadres/{user_id}/dossier": {"get": {
        "summary": "A cadre's file (一人一档) for a year: supervisors in scope, the cadre itself "
                   "(without spot checks)",
        "parameters": [{"name": "user_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}},
                       {"name": "year", "in": "query", "schema": {"type": "integer"}}],
        "responses": {"200": _json({"$ref": _REF + "Dossier"}), **_errors(400, 401, 404)}}},
    "/households": {"get": {
        "summary": "Households in scope with their cadence", "parameters": [
            *PAGE_PARAMS, {"name": "due", "in": "query",
                           "schema": {"type": "string", "enum": ["ok", "due", "overdue"]}}],
        "responses": {"200": _json(_page_of("Household")), **_errors(400, 401)}}},
    "/visits": {
        "post": {"summary": "Record a visit or contact with photos (exactly once by id)",
                 "requestBody": {"required": True, "content": {"multipart/form-data": {
                     "schema": {"$ref": _REF + "VisitUpload"},
                     "encoding": {"visit": {"contentType": "application/json"},
                                  "photos": {"contentType": "image/jpeg, image/heic, "
                                                            "image/png, image/webp"}}}}},
                 "responses": {"201": _json({"$ref": _REF + "Visit"}, "created"),
                               "200": _json({"$ref": _REF + "Visit"}, "replay"),
                               **_errors(400, 401, 404, 409, 413, 415, 422)}},
        "get": {"summary": "Visits in scope", "parameters": PAGE_PARAMS + _RANGE + _ID_PARAM + [
            {"name": "household_id", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": _json(_page_of("Visit")), **_errors(400, 401)}}},
    "/households/{household_id}/position": {"post": {
        "summary": "Confirm the position a cadre's visit proposed for a household (supervisors "
                   "in scope; audited)",
        "parameters": [{"name": "household_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": {"200": _json(_obj(["id", "lat", "lon"], {
            "id": {"type": "integer"}, "lat": _NUM_N, "lon": _NUM_N}), "confirmed"),
                      "422": _json(ERROR, "no position proposed (no_proposal)"),
                      **_errors(401, 403, 404)}}},
    **{path: {"get": {"summary": summary, "parameters": [
        {"name": "photo_id", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "If-None-Match", "in": "header", "required": False,
         "description": "an ETag this client holds: 304 if it is the photo's",
         "schema": {"type": "string"}}],
        "responses": {"200": {"description": "JPEG, streamed from the photo store",
                              "headers": _PHOTO_HEADERS,
                              "content": {"image/jpeg": {"schema": {"type": "string",
                                                                    "format": "binary"}}}},
                      "304": {"description": "not modified: the ETag matches",
                              "headers": _PHOTO_HEADERS},
                      **_errors(401, 404)}}}
       for path, summary in (("/photos/{photo_id}", "The stored photo"),
                             ("/photos/{photo_id}/thumb", "Its thumbnail"))},
}
PATHS.update(_RECORD_PATHS)

# The inbox (every role, one's own only) ---------------------------------------------------
SCHEMAS["Notification"] = _obj(["id", "kind", "created_at", "read_at", "text", "link"], {
    "id": {"type": "integer"},
    "kind": {"type": "string", "example": "leave.asked"},
    "created_at": _TIME, "read_at": {"type": ["string", "null"], "format": "date-time"},
    "text": {"type": "string", "description": "in the caller's language"},
    "link": {"type": "string", "description": "the page it concerns"}})
_NOTIFICATION_PAGE = _page_of("Notification")
_NOTIFICATION_PAGE["properties"]["unread"] = {"type": "integer",
                                              "description": "unread notifications in all"}
_NOTIFICATION_PATHS: dict[str, Any] = {
    "/notifications": {"get": {
        "summary": "The caller's notifications, newest first (keyset cursor)",
        "parameters": [
            {"name": "unread", "in": "query", "schema": {"type": "string",
                                                         "enum": ["1", "0", "true", "false"]},
             "description": "1: only unread; 0: only read; absent: all"},
            {"name": "limit", "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
            {"name": "cursor", "in": "query", "schema": {"type": "string",
                                                         "pattern": "^[0-9]{1,18}$"},
             "description": "next_cursor of the page before"}],
        "responses": {"200": _json(_NOTIFICATION_PAGE), **_errors(400, 401)}}},
    "/notifications/{notification_id}/read": {"post": {
        "summary": "Mark one of the caller's notifications read",
        "parameters": [{"name": "notification_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": {"200": _json({"$ref": _REF + "Notification"}), **_errors(401, 404)}}},
}
PATHS.update(_NOTIFICATION_PATHS)

# Trainings and quarterly meetings: the sign-in at the venue.
SCHEMAS["TrainingSigninIn"] = _obj(["id", "token", "lat", "lon", "accuracy_m", "recorded_at"], {
    "id": {"type": "string", "description": "the phone's UUID of this sign-in"},
    "token": {"type": "string", "maxLength": 64,
              "description": "the code scanned off the organiser's screen (changes every "
                             "minute; accepted for about two)"},
    "lat": {"type": "number"}, "lon": {"type": "number"},
    "accuracy_m": {"type": "number", "minimum": 0}, "recorded_at": _TIME})
SCHEMAS["TrainingAttendance"] = _obj(
    ["id", "training_id", "user_id", "day", "method", "counts", "flags", "reasons",
     "recorded_at", "received_at", "lat", "lon", "accuracy_m", "distance_m"], {
        "id": {"type": "string"}, "training_id": {"type": "integer"},
        "user_id": {"type": "integer"}, "day": _DAY,
        "method": {"type": "string", "enum": ["qr", "organiser"]},
        "counts": {"type": "boolean",
                   "description": "inside the venue's fence, accurate enough, in the "
                                  "session's hours, with a clock the server agrees with"},
        "flags": {"type": "array", "items": {"type": "string", "enum": [
            "outside_fence", "low_accuracy", "outside_hours", "clock_disagrees",
            "clock_skew"]}},
        "reasons": {"type": "array", "items": _REASON},
        "recorded_at": {"type": ["string", "null"], "format": "date-time"},
        "received_at": _TIME, "lat": _NUM_N, "lon": _NUM_N, "accuracy_m": _NUM_N,
        "distance_m": _NUM_N})
PATHS["/trainings/{training_id}/signins"] = {"post": {
    "summary": "Sign in at a training or quarterly meeting with the code on the organiser's "
               "screen (cadre on the session's list; exactly once by id; a second sign-in "
               "of the day answers the day's counting one with 200). Kept as evidence also "
               "when it does not count (outside the fence or the hours)",
    "parameters": [{"name": "training_id", "in": "path", "required": True,
                    "schema": {"type": "integer"}}],
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": _REF + "TrainingSigninIn"}}}},
    "responses": {"201": _json({"$ref": _REF + "TrainingAttendance"}, "created"),
                  "200": _json({"$ref": _REF + "TrainingAttendance"},
                               "replay, or the day's sign-in already counted"),
                  **_errors(400, 401, 403, 404, 409, 422)}}}

_HOUR = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$",
         "description": "local time of day"}
_TRAINING_REQUIRED = ["id", "kind", "title", "area_id", "first_day", "last_day", "days",
                      "starts_at", "ends_at", "place", "lat", "lon", "radius_m", "audience",
                      "state"]
_TRAINING = {
    "id": {"type": "integer"},
    "kind": {"type": "string", "enum": ["training", "meeting"],
             "description": "业务培训, or the quarterly meeting with first secretaries"},
    "title": {"type": "string"},
    "area_id": {"type": "integer", "description": "the organising area"},
    "first_day": _DAY, "last_day": _DAY, "days": {"type": "integer"},
    "starts_at": _HOUR, "ends_at": _HOUR, "place": {"type": "string"},
    "lat": {"type": "number"}, "lon": {"type": "number"},
    "radius_m": {"type": "number", "description": "the venue's fence"},
    "audience": {"type": "string", "enum": ["all", "first_secretaries", "list"]},
    "state": {"type": "string", "enum": ["upcoming", "ongoing", "past"],
              "description": "against today in the deployment's zone"}}
SCHEMAS["TrainingCounts"] = _obj(
    ["invited", "present", "by_qr", "by_organiser", "not_counted"], {
        "invited": {"type": "integer"},
        "present": {"type": "integer", "description": "person-days counted"},
        "by_qr": {"type": "integer"}, "by_organiser": {"type": "integer"},
        "not_counted": {"type": "integer",
                        "description": "sign-ins kept as evidence that did not count"}})
_OWN_RECORDS = {
    "counted_days": {"type": "integer"},
    "marked_days": {"type": "integer", "description": "of them, marked by the organiser"},
    "attendance": {"type": "array", "items": {"$ref": _REF + "TrainingAttendance"},
                   "description": "every record, counting or not, oldest first"}}
SCHEMAS["TrainingItem"] = _obj(_TRAINING_REQUIRED, {
    **_TRAINING,
    "mine": {**_obj(["counted_days", "marked_days", "attendance"], _OWN_RECORDS),
             "description": "only in a cadre's list: its own attendance"},
    "counts": {"$ref": _REF + "TrainingCounts",
               "description": "only in a supervisor's list: the whole session's"}})
SCHEMAS["TrainingAttendee"] = _obj(
    ["user_id", "name", "village_id", "is_leader", "present", "not_counted",
     "counted_days", "marked_days", "attendance"], {
        "user_id": {"type": "integer"}, "name": {"type": "string"},
        "village_id": _NULL_INT,
        "is_leader": {"type": "boolean",
                      "description": "a first secretary when the session was made"},
        "present": {"type": "boolean", "description": "at least one day counted"},
        "not_counted": {"type": "integer"}, **_OWN_RECORDS})
SCHEMAS["TrainingDetail"] = _obj(
    [*_TRAINING_REQUIRED, "counts", "runs", "attendees", "next_cursor"], {
        **_TRAINING,
        "counts": {"$ref": _REF + "TrainingCounts"},
        "runs": {"type": "boolean", "description": "the caller's area organises it (or is "
                                                   "above): it shows the code, marks "
                                                   "present"},
        "attendees": {"type": "array", "items": {"$ref": _REF + "TrainingAttendee"},
                      "description": "who must attend, in the caller's jurisdiction, in the "
                                     "order they were asked; a page of them"},
        "next_cursor": {"type": ["string", "null"], "description": "of the attendees"}})
PATHS["/trainings"] = {"get": {
    "summary": "The trainings and quarterly meetings the caller may see, newest first "
               "(keyset cursor): a cadre's are those it must attend, each with its own "
               "attendance; a supervisor's those organised in its jurisdiction and above "
               "it, each with its counts",
    "parameters": [
        *PAGE_PARAMS,
        {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 2000,
                                                    "maximum": 2100},
         "description": "sessions that begin in this year; absent: every year"},
        {"name": "kind", "in": "query",
         "schema": {"type": "string", "enum": ["training", "meeting"]}}],
    "responses": {"200": _json({"type": "object", "required": ["items", "next_cursor"],
                                "properties": {
                                    "items": {"type": "array",
                                              "items": {"$ref": _REF + "TrainingItem"}},
                                    "next_cursor": {"type": ["string", "null"]}}}),
                  **_errors(400, 401)}}}
PATHS["/trainings/{training_id}"] = {"get": {
    "summary": "One training or meeting for a supervisor, with its counts and its "
               "attendance list (who must attend in the caller's jurisdiction, who was "
               "present, how: keyset-paged by limit and cursor); 404 outside what it may "
               "see, and for cadres",
    "parameters": [{"name": "training_id", "in": "path", "required": True,
                    "schema": {"type": "integer"}}, *PAGE_PARAMS],
    "responses": {"200": _json({"$ref": _REF + "TrainingDetail"}),
                  **_errors(400, 401, 404)}}}

# The document itself.
PATHS["/openapi.json"] = {"get": {
    "summary": "This document (OpenAPI 3.1)", "security": [],
    "responses": {"200": _json({"type": "object", "additionalProperties": {}})}}}

_ENTRY_STATUS = {"type": "string", "enum": ["done", "in_progress", "not_done"]}
SCHEMAS["QuarterReportIn"] = _obj(["id", "quarter", "entries"], {
    "id": {"type": "string", "format": "uuid"},
    "quarter": {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$",
                "description": "e.g. 2026-Q4; reported from the quarter's last month on"},
    "entries": {"type": "array", "description": "one per commitment of the year's pledge, "
                "in its order; in progress and not done say why (or how far)",
                "items": _obj(["status"], {"status": _ENTRY_STATUS,
                                           "text": {"type": "string", "maxLength": 4000}})},
    "summary": {"type": "string", "maxLength": 4000,
                "description": "the team's thinking, work and study in the quarter"}})
SCHEMAS["QuarterReport"] = _obj(
    ["id", "report_id", "team_id", "quarter", "version", "status", "entries", "summary",
     "submitted_at"], {
        "id": {"type": ["string", "null"], "description": "the id the phone made"},
        "report_id": {"type": "integer"}, "team_id": {"type": "integer"},
        "quarter": {"type": "string"},
        "version": {"type": "integer", "description": "1, then one more per hand-in after "
                                                      "the township returned the report"},
        "status": {"type": "string", "enum": ["pending", "approved", "returned"]},
        "entries": {"type": "array", "items": _obj(["item", "status", "text"], {
            "item": {"type": "string", "description": "the commitment, as pledged"},
            "status": _ENTRY_STATUS, "text": {"type": "string"}})},
        "summary": {"type": "string"}, "submitted_at": _TIME,
        "review": {"oneOf": [{"type": "null"}, _obj(["decision", "remark", "reviewed_at"], {
            "decision": {"type": "string", "enum": ["approve", "return"]},
            "remark": {"type": "string", "description": "what the team should change "
                                                        "(a return always says)"},
            "reviewed_at": _TIME})],
            "description": "the township's review of this version; null: not reviewed"}})
SCHEMAS["QuarterReport"]["required"].append("review")
SCHEMAS["PledgeYear"] = _obj(["team_id", "year", "pledge", "quarters"], {
    "team_id": {"type": "integer"}, "year": {"type": "integer"},
    "pledge": {"oneOf": [{"type": "null"}, _obj(["id", "version", "items", "written_at"], {
        "id": {"type": "integer"},
        "version": {"type": "integer", "description": "1, then one more per rewrite (only "
                                                      "before a quarter is reported)"},
        "items": {"type": "array", "items": {"type": "string"},
                  "description": "the commitments, in order"},
        "written_at": _TIME})], "description": "the year's pledge as it stands; null: none"},
    "quarters": {"type": "array", "minItems": 4, "maxItems": 4, "items": _obj(
        ["quarter", "state", "reports"], {
            "quarter": {"type": "string", "pattern": "^[0-9]{4}-Q[1-4]$"},
            "state": {"type": "string", "enum": ["none", "pending", "returned", "approved"],
                      "description": "where the quarter stands: its newest version's"},
            "reports": {"type": "array", "items": {"$ref": _REF + "QuarterReport"},
                        "description": "every version handed in, oldest first"}})}})
PATHS["/pledges"] = {"get": {
    "summary": "The year's pledge (年承诺) of a team and each quarter's reports (季报告) "
               "with their reviews: a cadre reads their own team's, a supervisor any team "
               "of their jurisdiction (404 for any other, as for one that does not exist)",
    "parameters": [
        {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 2000,
                                                    "maximum": 2100},
         "description": "absent: this year"},
        {"name": "team_id", "in": "query", "schema": {"type": "integer", "minimum": 0},
         "description": "required for a supervisor; a cadre's own team when absent"}],
    "responses": {"200": _json({"$ref": _REF + "PledgeYear"}),
                  **_errors(400, 401, 404)}}}
PATHS["/quarter-reports"] = {"post": {
    "summary": "The team leader hands in the team's quarterly report (季报告) against the "
               "year's pledge (exactly once by id); the township approves or returns it, "
               "and a returned report is handed in again as a new version",
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": _REF + "QuarterReportIn"}}}},
    "responses": {"201": _json({"$ref": _REF + "QuarterReport"}, "handed in"),
                  "200": _json({"$ref": _REF + "QuarterReport"}, "replay"),
                  **_errors(400, 401, 403, 404, 409, 422)}}}

# Duties over several villages (巡村: envoys, district secretaries).
SCHEMAS["RoundCheckinIn"] = _obj(["id", "village_id", "lat", "lon", "accuracy_m", "recorded_at"], {
    "id": {"type": "string", "format": "uuid"},
    "village_id": {"type": "integer", "description": "one of the holder's duty villages on "
                   "the day it was made"},
    "lat": {"type": "number"}, "lon": {"type": "number"},
    "accuracy_m": {"type": "number", "minimum": 0}, "recorded_at": _TIME,
    "note": {"type": "string", "maxLength": 2000},
    "queued": {"type": "boolean", "description": "sent later from the phone's outbox"}})
SCHEMAS["RoundCheckin"] = _obj(
    ["id", "user_id", "village_id", "recorded_at", "received_at", "day", "lat", "lon",
     "accuracy_m", "distance_m", "in_fence", "counts", "flags", "note", "reasons"], {
        "id": {"type": "string"}, "user_id": {"type": "integer"},
        "village_id": {"type": "integer"}, "recorded_at": _TIME, "received_at": _TIME,
        "day": _DAY, "lat": {"type": "number"}, "lon": {"type": "number"},
        "accuracy_m": {"type": "number"}, "distance_m": {"type": "number"},
        "in_fence": {"type": "boolean"},
        "counts": {"type": "boolean", "description": "a visit for the duty's cadence: inside "
                   "the village's fence, accurate, on time (never a day on post in the "
                   "200-day ledger)"},
        "flags": {"type": "array", "items": {"type": "string"}}, "note": _STR_N,
        "reasons": {"type": "array", "items": _REASON}})
_ROUND_STATE = {"type": "string", "enum": ["met", "missed", "open", "partial",
                                           "not_in_force"]}
_ROUND_WEEK = _obj(["week", "monday", "state", "visits"], {
    "week": {"type": "string", "pattern": "^[0-9]{4}-W[0-9]{2}$"}, "monday": _DAY,
    "state": _ROUND_STATE, "visits": {"type": "integer"}})
SCHEMAS["RoundDuty"] = _obj(
    ["id", "kind", "title", "weekday", "start_date", "end_date", "state", "due", "met",
     "missed", "fixed_days", "villages"], {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["envoy", "district_secretary"]},
        "title": {"type": "string"},
        "weekday": {**_NULL_INT, "description": "the district secretary's fixed day on site, "
                    "0 Monday … 6 Sunday"},
        "start_date": _DAY, "end_date": {"type": ["string", "null"], "format": "date"},
        "state": {"type": "string", "enum": ["behind", "on_track", "none"]},
        "due": {"type": "integer", "description": "periods due that have ended"},
        "met": {"type": "integer"}, "missed": {"type": "integer"},
        "fixed_days": {"type": "array", "items": _ROUND_WEEK,
                       "description": "district secretary: each week of the month, on site "
                                      "on the fixed day"},
        "villages": {"type": "array", "items": _obj(
            ["id", "code", "name", "visits", "month_state", "last_visit", "weeks"], {
                "id": {"type": "integer"}, "code": {"type": "string"},
                "name": {"type": "string"}, "visits": {"type": "integer"},
                "month_state": {"anyOf": [_ROUND_STATE, {"type": "null"}],
                                "description": "district secretary: the month's visit"},
                "last_visit": {"type": ["string", "null"], "format": "date"},
                "weeks": {"type": "array", "items": _ROUND_WEEK,
                          "description": "envoy: each ISO week whose Thursday is in the "
                                         "month"}})}})
PATHS["/round-checkins"] = {"post": {
    "summary": "A duty holder (envoy, district secretary) checks in at one of their villages "
               "(exactly once by id); kept as evidence also when it does not count",
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": _REF + "RoundCheckinIn"}}}},
    "responses": {"201": _json({"$ref": _REF + "RoundCheckin"}, "created"),
                  "200": _json({"$ref": _REF + "RoundCheckin"}, "replay"),
                  **_errors(400, 401, 403, 404, 409, 422)}}}
PATHS["/rounds"] = {"get": {
    "summary": "The signed-in person's duties over several villages and how each stands in "
               "a month (weeks whose Thursday is in it)",
    "parameters": [{"name": "month", "in": "query",
                    "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}],
    "responses": {"200": _json(_obj(["month", "duties"], {
        "month": {"type": "string"},
        "duties": {"type": "array", "items": {"$ref": _REF + "RoundDuty"}}})),
        **_errors(400, 401, 404)}}}

# One name per operation, what a generated client calls its function (getHealth ->
# get_health); a test holds every operation to having one, unique.
OPERATION_IDS: dict[tuple[str, str], str] = {
    ("get", "/openapi.json"): "getOpenapi",
    ("get", "/health"): "getHealth",
    ("post", "/tokens"): "createToken",
    ("delete", "/tokens/current"): "revokeCurrentToken",
    ("get", "/me"): "getMe",
    ("post", "/me/password"): "changeMyPassword",
    ("get", "/villages"): "listVillages",
    ("post", "/spotchecks/draw"): "drawSpotchecks",
    ("get", "/spotchecks"): "listSpotchecks",
    ("get", "/spotchecks/batches/{batch_id}"): "getSpotcheckBatch",
    ("post", "/spotchecks/{item_id}/result"): "recordSpotcheckResult",
    ("post", "/spotchecks/results/{result_id}/appeals"): "appealSpotcheckResult",
    ("post", "/spotchecks/appeals/{appeal_id}/decision"): "decideAppeal",
    ("get", "/bulletins/{month}"): "getBulletin",
    ("get", "/evaluation/{quarter}"): "getPublicEvaluation",
    ("post", "/bulletins/{month}/publish"): "publishBulletin",
    ("get", "/bulletins/{month}/late-changes"): "getBulletinLateChanges",
    ("post", "/imports"): "startImport",
    ("get", "/imports/{import_id}"): "getImport",
    ("get", "/imports/{import_id}/credentials.xlsx"): "getImportCredentials",
    ("post", "/checkins"): "createCheckin",
    ("get", "/checkins"): "listCheckins",
    ("post", "/leaves"): "askLeave",
    ("get", "/leaves"): "listLeaves",
    ("post", "/leaves/{leave_id}/decision"): "decideLeave",
    ("post", "/leaves/{leave_id}/return"): "returnFromLeave",
    ("post", "/leaves/{leave_id}/withdraw"): "withdrawLeave",
    ("post", "/attendance/corrections"): "askCorrection",
    ("get", "/attendance/corrections"): "listCorrections",
    ("post", "/attendance/corrections/{correction_id}/decision"): "decideCorrection",
    ("get", "/attendance"): "getAttendance",
    ("get", "/attendance/summary"): "getAttendanceSummary",
    ("get", "/cadres/{user_id}/dossier"): "getDossier",
    ("get", "/households"): "listHouseholds",
    ("post", "/households/{household_id}/position"): "confirmHouseholdPosition",
    ("post", "/visits"): "createVisit",
    ("get", "/visits"): "listVisits",
    ("get", "/photos/{photo_id}"): "getPhoto",
    ("get", "/photos/{photo_id}/thumb"): "getPhotoThumb",
    ("get", "/notifications"): "listNotifications",
    ("post", "/notifications/{notification_id}/read"): "markNotificationRead",
    ("post", "/spotchecks/results/{result_id}/corrections"): "correctSpotcheckResult",
    ("post", "/spotchecks/{item_id}/assignment"): "assignSpotcheck",
    ("get", "/me/bulletins"): "listMyBulletinRows",
    ("post", "/team-report/remarks"): "saveTeamReportRemarks",
    ("post", "/quarter-reports"): "submitQuarterReport",
    ("get", "/pledges"): "getPledgeYear",
    ("post", "/daily-logs"): "writeDailyLog",
    ("get", "/daily-logs"): "getDailyLog",
    ("post", "/trainings/{training_id}/signins"): "signInTraining",
    ("post", "/round-checkins"): "createRoundCheckin",
    ("get", "/rounds"): "listMyRounds",
    ("get", "/trainings"): "listTrainings",
    ("get", "/trainings/{training_id}"): "getTraining",
}

# Answers any operation can give, whatever its own list says: a number too large for the
# database (400 out_of_range), a URL too long for the server (414), a body over the
# endpoint's limit (413, checkin/bodies.py).
_ANY_OPERATION: dict[str, dict[str, Any]] = {
    "400": {"description": "error: bad input (malformed_json, json_too_deep, text_has_nul, "
                           "out_of_range, ...)",
            "content": {"application/json": {"schema": ERROR}}},
    "414": {"description": "the URL is too long"},
    "503": {"description": "error: the database is unavailable for a moment (unavailable)",
            "headers": _RETRY_AFTER, "content": {"application/json": {"schema": ERROR}}},
}
_ANY_BODY = {
    "413": {"description": "error: the body is over this endpoint's limit (body_too_large, "
                           "too_large, photo_too_large)",
            "content": {"application/json": {"schema": ERROR}}},
}


def _with_common_answers(paths: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, item in paths.items():
        out[path] = {}
        for method, operation in item.items():
            extra = {**_ANY_OPERATION, **(_ANY_BODY if method == "post" else {})}
            named = OPERATION_IDS.get((method, path))
            answers = {**extra, **operation["responses"]}
            own = operation["responses"].get("400")
            if own is not None and own is not _ANY_OPERATION["400"]:
                # its own bad inputs, and those any operation may answer
                answers["400"] = {**own, "description": own.get("description", "error") + "; "
                                  + _ANY_OPERATION["400"]["description"]}
            out[path][method] = {**({"operationId": named} if named else {}), **operation,
                                 "responses": answers}
    return out


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "checkin API", "version": "1",
                 "description": "An account whose password someone else set (create-user, "
                                "the roster import, an admin's reset) gets 403 "
                                "password_change_required from every call but POST "
                                "/me/password and DELETE /tokens/current until it changes "
                                "it. Photos and the credentials sheet are binary answers "
                                "(image/jpeg, .xlsx); a generator that reads only "
                                "application/octet-stream as bytes is told so (for "
                                "openapi-python-client: content_type_overrides)."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": _with_common_answers(PATHS),
    }


@bp.get("/openapi.json")
def openapi_json() -> Any:
    return jsonify(document())
