"""Reading JSON bodies and query arguments, with errors a client can act on."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from flask import request
from sqlalchemy import Select

from checkin import db
from checkin.domain.refusal import Refusal
from checkin.platform import keyset

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


def json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refusal("malformed_json", name="body")
    return body


def require_str(body: dict[str, Any], name: str, *, max_length: int = 200) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Refusal("field_required", field=name, name=name)
    if len(value) > max_length:
        raise Refusal("invalid_text", field=name, name=name, limit=max_length)
    return value


def optional_number(body: dict[str, Any], name: str) -> float | None:
    """The one number parser: a finite JSON number, None when absent, else `not_a_number`."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refusal("not_a_number", field=name, name=name)
    return float(value)


def require_number(body: dict[str, Any], name: str) -> float:
    value = optional_number(body, name)
    if value is None:
        raise Refusal("not_a_number", field=name, name=name)
    return value


def query_int(name: str) -> int | None:
    """A whole-number query argument, None when absent or empty, else `not_an_integer`."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        raise Refusal("not_an_integer", field=name, name=name)
    return int(raw)


MAX_CURSOR = 400


def keyset_args() -> tuple[int, str]:
    """`limit` and the opaque keyset `cursor` of a list paged by checkin.platform.keyset
    (the service checks that the cursor is one of its list's)."""
    raw = request.args.get("limit") or str(DEFAULT_LIMIT)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 4 \
            or not 1 <= int(raw) <= MAX_LIMIT:
        raise Refusal("invalid_paging", field="limit", most=MAX_LIMIT)
    cursor = request.args.get("cursor", "")
    if len(cursor) > MAX_CURSOR:
        raise Refusal("invalid_cursor", field="cursor")
    return int(raw), cursor


def keyset_items(stmt: Select[Any], columns: Sequence[Any],
                 key_of: Callable[[Any], Sequence[Any]], like: Sequence[type],
                 parse: Callable[[list[Any]], list[Any] | None],
                 to_json: Callable[[Any], dict[str, Any]], *, descending: bool = True
                 ) -> dict[str, Any]:
    """A list answer, `{items, next_cursor}`: the `limit` rows of `stmt` after the one the
    keyset `cursor` names, in the order of `columns` (the last unique). The same cost at row
    100,000 as at the first, and a row made between two pages neither repeats nor hides one
    (an offset did both)."""
    limit, cursor = keyset_args()
    rows, next_cursor = keyset.slice_after(db.session(), stmt, columns, key_of, cursor, like,
                                           limit, descending=descending, parse=parse)
    return {"items": [to_json(row) for row in rows], "next_cursor": next_cursor}
