"""Errors as the client needs them: JSON in the shape of API.md for /api, a page otherwise."""

from __future__ import annotations

import logging
from typing import Any, Literal

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from checkin import i18n
from checkin.domain.errors import RuleViolation

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "rule_violation",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error to answer with: status, machine code, a sentence, and per-field reasons."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def current_lang() -> Literal["zh", "en"]:
    return "en" if i18n.current_lang() == "en" else "zh"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict[str, str] | None = None,
               headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "fields": fields or {}}}
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _page(status: int, message: str) -> tuple[str, int]:
    return render_template("errors.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Any:
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, exc.fields)
        return _page(exc.status, exc.message)

    @app.errorhandler(RuleViolation)
    def rule_violation(exc: RuleViolation) -> Any:
        message = exc.text(current_lang())
        fields = {exc.field: message} if exc.field else {}
        if wants_json():
            return json_error(422, exc.code, message, fields)
        return _page(422, message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        message = _("The form expired or was sent from elsewhere. Reload the page and try again.")
        if wants_json():
            return json_error(400, "csrf_failed", message)
        return _page(400, message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = _message_for(status, exc)
        headers = {k: v for k, v in exc.get_headers() if k.lower() in {"retry-after", "allow"}}
        if status == 429 and "Retry-After" not in headers:
            headers["Retry-After"] = str(_retry_after(exc))
        if wants_json():
            return json_error(status, CODES.get(status, "error"), message, headers=headers)
        text, code = _page(status, message)
        return Response(text, status=code, headers=headers)

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(exc: Exception) -> Any:
        # A number (an id, a page) too large for the database's integers, from the client.
        message = _("A number in the request is out of range.")
        if wants_json():
            return json_error(400, "out_of_range", message)
        return _page(400, message)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_down(exc: Exception) -> Any:
        log.warning("database unavailable: %s", exc)
        message = _("The database is unavailable for a moment. Try again shortly.")
        if wants_json():
            return json_error(503, "unavailable", message, headers={"Retry-After": "5"})
        text, code = _page(503, message)
        return Response(text, status=code, headers={"Retry-After": "5"})


def _retry_after(exc: HTTPException) -> int:
    limit = getattr(exc, "limit", None)
    seconds = getattr(getattr(limit, "limit", None), "get_expiry", lambda: 60)()
    return int(seconds)


def _message_for(status: int, exc: HTTPException) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You are not allowed to do this."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The upload is too large."),
        415: _("This type of content is not supported."),
        429: _("Too many attempts. Please wait and try again."),
    }
    return messages.get(status, exc.description or _("Something went wrong."))
