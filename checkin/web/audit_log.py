"""The audit log page for admins (the audit administrator alone, when duties are
separated): search by who, what, when and from where; export what the search found.
Reading and exporting are themselves audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user

from checkin import db
from checkin.auth import roles_required
from checkin.exports import export
from checkin.platform import audit, clock
from checkin.services.people import audit_log

bp = Blueprint("audit_log", __name__, url_prefix="/audit")

HEADERS = ["序号", "时间", "账号", "姓名", "操作", "对象", "对象编号", "地址", "详情"]


def _day(name: str, problems: list[str]) -> date | None:
    raw = request.args.get(name, "").strip()[:10]
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(name)
        return None


def _filters() -> tuple[audit_log.Filters, list[str]]:
    problems: list[str] = []
    filters = audit_log.Filters(
        who=request.args.get("who", "").strip()[:64],
        action=request.args.get("action", "").strip()[:64],
        address=request.args.get("address", "").strip()[:64],
        first=_day("first", problems), last=_day("last", problems))
    return filters, problems


def _read(action: str, filters: audit_log.Filters) -> None:
    audit.record(db.session(), actor_id=current_user.id, action=action, entity="audit_log",
                 entity_id=None, detail={k: str(v) for k, v in vars(filters).items() if v},
                 address=request.remote_addr)


@bp.get("")
@roles_required("admin")
def entries() -> Any:
    filters, problems = _filters()
    raw = request.args.get("before", "")
    before = int(raw) if raw.isdigit() and len(raw) < 19 else None
    rows, next_before = audit_log.page(db.session(), filters, before)
    _read("audit.read", filters)
    return render_template("audit/entries.html", rows=rows, next_before=next_before,
                           filters=filters, problems=problems, local_time=audit_log.local_time,
                           detail_text=audit_log.detail_text)


@bp.get("/export.<kind>")
@roles_required("admin")
def export_entries(kind: str) -> Any:
    filters, _ = _filters()
    _read("audit.export", filters)
    rows = (audit_log.row(entry, user) for entry, user in audit_log.every(db.session(),
                                                                         filters))
    return export(kind, f"审计日志-{clock.today().isoformat()}", "审计日志", HEADERS, rows)
