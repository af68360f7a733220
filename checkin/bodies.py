"""How large a request body may be, per endpoint, and how deep its JSON may nest.

The limit is set and checked in the first ``before_request`` hook, before anything reads
the body: before the CSRF check (which reads the form), the sign-in rate limit (which reads
the username) and sign-in itself. A body that says it is larger than its endpoint allows is
refused from its headers, unread (413 ``body_too_large``; ``too_large`` for an upload); one
that grows past the limit while being read (no Content-Length) stops there (Werkzeug's 413).
Multipart bodies (a visit) have a total cap, a cap per non-file field and, where the view
reads a file, a cap per file.

JSON, from the body or from a form field, is parsed by :func:`loads` only: nesting deeper
than :data:`MAX_JSON_DEPTH` is ``json_too_deep`` (400) before the parser, which would
recurse, sees it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import FileStorage

from checkin.domain.refusal import Refusal

KB = 1024
# The small JSON endpoints (sign-in, check-in, leave, decisions, spot checks): a few hundred
# bytes in use; notes of 2,000 characters fit many times over.
JSON_BODY_BYTES = 16 * KB
# A page's form (sign-in, a leave, a spot-check result, a team report's remarks).
FORM_BODY_BYTES = 64 * KB
# One non-file field of a multipart body (the `visit` JSON). Werkzeug's multipart decoder
# holds it to this while it buffers any part, reading 64 KiB at a time: so well above that.
FORM_FIELD_BYTES = 256 * KB
MAX_JSON_DEPTH = 32

# Endpoints whose bodies are uploads: the config key of their total cap, plus a form's worth.
UPLOADS = {
    "api.create_visit": "MAX_CONTENT_LENGTH",
    "admin.roster": "MAX_CONTENT_LENGTH",  # several roster files at once
    "api.create_import": "MAX_CONTENT_LENGTH",
}


def init_app(app: Flask) -> None:
    """Register first: the hook must run before every other ``before_request``."""
    app.json = LimitedJSONProvider(app)
    app.before_request(limit_body)


def limit_for(endpoint: str | None) -> int:
    config = current_app.config
    most = int(config["MAX_CONTENT_LENGTH"])
    if endpoint in UPLOADS:
        return min(most, int(config[UPLOADS[endpoint]]) + FORM_BODY_BYTES)
    if endpoint is not None and endpoint.startswith("api."):
        return min(most, JSON_BODY_BYTES)
    return min(most, FORM_BODY_BYTES)


def limit_body() -> None:
    limit = limit_for(request.endpoint)
    request.max_content_length = limit
    request.max_form_memory_size = min(limit, FORM_FIELD_BYTES)
    length = request.content_length
    if length is not None and length > limit:
        if request.endpoint in UPLOADS:
            raise Refusal("too_large")
        raise Refusal("body_too_large", limit_kb=max(1, limit // KB))


def read_upload(upload: FileStorage, index: int, most: int) -> bytes:
    """A file of a multipart body, read no further than its cap."""
    data = upload.stream.read(most + 1)
    if len(data) > most:
        raise Refusal("photo_too_large", field=f"photos[{index}]", photo=index + 1,
                      name=(upload.filename or "photo")[:60], limit_mb=most >> 20)
    return data


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def nesting_depth(raw: str | bytes, stop_at: int = MAX_JSON_DEPTH) -> int:
    """How deep the arrays and objects of JSON text nest (strings skipped), counted up to
    just past `stop_at`. Bytes are read as Latin-1: every byte one character, so the ASCII
    brackets and quotes are found in any of JSON's encodings."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > stop_at:
                break
        else:
            depth -= 1
    return deepest


def loads(raw: str | bytes, name: str = "body", **kwargs: Any) -> Any:
    """JSON text to values; ValueError when it is not JSON, `json_too_deep` when it nests
    more than MAX_JSON_DEPTH levels."""
    if nesting_depth(raw) > MAX_JSON_DEPTH:
        raise Refusal("json_too_deep", field=name, name=name, limit=MAX_JSON_DEPTH)
    try:
        value = json.loads(raw, **kwargs)
    except RecursionError as exc:  # the count above should make this unreachable
        raise Refusal("json_too_deep", field=name, name=name, limit=MAX_JSON_DEPTH) from exc
    if _has_nul(value):
        raise Refusal("text_has_nul", field=name, name=name)
    return value


def _has_nul(value: Any) -> bool:
    """A NUL character (JSON's \\u0000) in any text or key: never meant, and PostgreSQL
    refuses it in text columns. The depth is bounded by the check before parsing."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with the depth limit on everything it parses (request.get_json)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s, **kwargs)
