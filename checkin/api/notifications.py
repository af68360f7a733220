"""The inbox over the API: one's own notifications, newest first by a keyset cursor, and
marking one read. The text is rendered in the caller's language."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request, url_for
from flask_login import current_user, login_required

from checkin import db
from checkin.api import bp
from checkin.api.payload import DEFAULT_LIMIT, MAX_LIMIT
from checkin.api.timefmt import utc_z
from checkin.domain.refusal import Refusal
from checkin.models import Notification
from checkin.services.notify import inbox, kinds


def notification_json(row: Notification) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "created_at": utc_z(row.created_at),
            "read_at": utc_z(row.read_at), "text": kinds.render(row.kind, row.params),
            "link": url_for(kinds.endpoint(row.kind))}


def _unread_arg() -> bool | None:
    raw = request.args.get("unread")
    if raw in (None, ""):
        return None
    if raw.lower() in {"1", "true", "yes"}:
        return True
    if raw.lower() in {"0", "false", "no"}:
        return False
    raise Refusal("not_a_bool", field="unread", name="unread")


def _keyset_args() -> tuple[int, int | None]:
    raw_limit, cursor = request.args.get("limit", str(DEFAULT_LIMIT)), request.args.get("cursor")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT or (
            cursor not in (None, "") and not str(cursor).isdigit()):
        raise Refusal("invalid_paging", field="limit", most=MAX_LIMIT)
    return int(raw_limit), int(cursor) if cursor else None


@bp.get("/notifications")
@login_required
def list_notifications() -> Any:
    limit, before = _keyset_args()
    rows, last = inbox.page_of(db.session(), current_user.id, unread=_unread_arg(),
                               before_id=before, limit=limit)
    return jsonify({"items": [notification_json(r) for r in rows],
                    "next_cursor": str(last) if last is not None else None,
                    "unread": inbox.unread_count(db.session(), current_user.id)})


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_notification(notification_id: int) -> Any:
    session = db.session()
    row = inbox.own(session, current_user.id, notification_id)
    if row is None:
        abort(404)
    return jsonify(notification_json(inbox.mark_read(session, row)))
