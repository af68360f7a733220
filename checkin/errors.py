"""Errors as the client needs them: JSON in the shape of API.md for /api, a page otherwise."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from checkin import refusals
from checkin.domain.refusal import Refusal

log = logging.getLogger(__name__)

# Status -> the table's code for a refusal that comes from the HTTP layer (abort, werkzeug).
CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict[str, str] | None = None,
               headers: dict[str, str] | None = None,
               extra: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "fields": fields or {},
                                      **(extra or {})}}
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _page(status: int, message: str) -> tuple[str, int]:
    return render_template("errors.html", status=status, message=message), status


def refusal_response(refusal: Refusal, status: int | None = None,
                     headers: dict[str, str] | None = None) -> Any:
    """The answer to a refusal: JSON under /api, the error page otherwise, one sentence."""
    status = status or refusals.status_of(refusal.code)
    message = refusals.message(refusal)
    if wants_json():
        extra = {"problems": refusals.problem_rows(refusal)} if refusal.problems else None
        return json_error(status, refusal.code, message, refusals.fields(refusal), headers,
                          extra)
    text, code = _page(status, message)
    return Response(text, status=code, headers=headers or {})


def init_app(app: Flask) -> None:
    @app.errorhandler(Refusal)
    def refused(exc: Refusal) -> Any:
        return refusal_response(exc)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return refusal_response(Refusal("csrf_failed"))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        headers = {k: v for k, v in exc.get_headers() if k.lower() in {"retry-after", "allow"}}
        if status == 429 and "Retry-After" not in headers:
            headers["Retry-After"] = str(_retry_after(exc))
        code = CODES.get(status, "bad_request" if status < 500 else "server_error")
        return refusal_response(Refusal(code), status, headers)

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(exc: Exception) -> Any:
        # A number (an id, a page) too large for the database's integers, from the client.
        return refusal_response(Refusal("out_of_range"))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_down(exc: Exception) -> Any:
        log.warning("database unavailable: %s", exc)
        return refusal_response(Refusal("unavailable"), headers={"Retry-After": "5"})


def _retry_after(exc: HTTPException) -> int:
    limit = getattr(exc, "limit", None)
    seconds = getattr(getattr(limit, "limit", None), "get_expiry", lambda: 60)()
    return int(seconds)
