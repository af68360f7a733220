"""Spot checks over the API: the weekly draw, the queue, results (the monthly bulletin is in
checkin/api/bulletins.py). Cadres get 404 from every path here: a spot check is
unannounced."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, current_app, jsonify, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from checkin import db
from checkin.api import bp
from checkin.api.payload import json_object, keyset_args, optional_number, query_int
from checkin.api.timefmt import utc_z
from checkin.auth import current_scope, roles_required
from checkin.domain import findings
from checkin.domain.refusal import Refusal
from checkin.domain.risk import RiskReason
from checkin.models import (
    Area,
    SpotcheckAppeal,
    SpotcheckBatch,
    SpotcheckItem,
    SpotcheckResult,
    User,
)
from checkin.personal_data import household_number, person_number, text
from checkin.platform import keyset
from checkin.reasons import risk_text
from checkin.services.spotchecks import appeals, results, weekly_draw, worklist
from checkin.settings import policy


def reasons_json(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"code": r["code"], "weight": r["weight"],
             "text": risk_text(RiskReason(r["code"], r["weight"], r.get("params", {})))}
            for r in reasons]


def appeal_json(appeal: SpotcheckAppeal) -> dict[str, Any]:
    decision = appeal.decision
    return {"id": appeal.id, "result_id": appeal.result_id, "made_by_id": appeal.made_by_id,
            "reason": appeal.reason, "evidence": appeal.evidence,
            "created_at": utc_z(appeal.created_at), "status": appeal.status,
            "decision": None if decision is None else {
                "upheld": decision.upheld, "decided_by_id": decision.decided_by_id,
                "comment": decision.comment, "decided_at": utc_z(decision.decided_at)}}


def correction_json(correction: Any) -> dict[str, Any]:
    return {"id": correction.id, "sequence": correction.sequence,
            "corrected_by_id": correction.corrected_by_id, "method": correction.method,
            "outcome": correction.outcome, "satisfaction": correction.satisfaction,
            "note": correction.note, "reason": correction.reason,
            "verdict": correction.verdict, "recorded_at": utc_z(correction.recorded_at)}


def result_json(result: SpotcheckResult, judged: results.Judged | None) -> dict[str, Any]:
    """`verdict` is the one recorded with the result, never changed; `standing_verdict`
    what the bulletin counts: the latest correction's verdict (excused_on_appeal after an
    upheld appeal). The fields above are the result as first recorded; `corrections` the
    records correcting it, oldest first."""
    recorded = results.recorded_verdict(result)
    return {"id": result.id, "item_id": result.item_id, "method": result.method,
            "outcome": result.outcome, "satisfaction": result.satisfaction,
            "note": result.note, "lat": result.lat, "lon": result.lon,
            "accuracy_m": result.accuracy_m, "recorded_at": utc_z(result.recorded_at),
            "checked_by_id": result.checked_by_id, "verdict": recorded,
            "standing_verdict": judged.verdict if judged else recorded,
            "flags": [f for f in result.flags.split(",") if f],
            "early_reason": result.early_reason, "distance_m": result.distance_m,
            "corrections": [correction_json(c) for c in result.corrections],
            "appeal": appeal_json(judged.appeal) if judged and judged.appeal else None}


def item_json(item: SpotcheckItem, judged: Mapping[int, results.Judged],
              checker: User | None = None) -> dict[str, Any]:
    """Numbers as the reader may see them: the household's whole only to whoever the check
    is theirs to make (its checker, or any supervisor while it has none)."""
    household = item.household
    return {
        "id": item.id, "batch_id": item.batch_id, "kind": item.kind, "user_id": item.user_id,
        "user_name": item.user.name, "user_phone": text(person_number(item.user, "spotcheck_call")),
        "village_id": item.village_id, "village_name": item.village.name,
        "village_landline": item.village.landline,
        "visit_id": item.visit_id, "household_id": item.household_id,
        "household": None if household is None else {
            "name": household.head_name, "address": household.address,
            "phone": text(household_number(household, "spotcheck_call", checker)),
            "lat": household.lat, "lon": household.lon},
        "day": item.day.isoformat(),
        "window_start": item.window_start.strftime("%H:%M") if item.window_start else None,
        "window_end": item.window_end.strftime("%H:%M") if item.window_end else None,
        "risk": item.risk, "reasons": reasons_json(item.reasons),
        "status": results.status_of(item),
        "result": None if item.result is None else result_json(item.result,
                                                                judged.get(item.id)),
    }


def items_json(items: list[SpotcheckItem]) -> list[dict[str, Any]]:
    judged = {j.item.id: j for j in results.judge(db.session(), items)}
    checkers = results.checkers_of(db.session(), [i.id for i in items])
    return [item_json(i, judged, checkers.get(i.id)) for i in items]


def batch_json(batch: SpotcheckBatch) -> dict[str, Any]:
    items = results.queue(db.session(), current_scope(),
                             results.QueueFilters(batch_id=batch.id), limit=100_000)
    items.sort(key=lambda i: i.position)
    return {"id": batch.id, "seed": batch.seed, "area_id": batch.area_id, "week": batch.week,
            "drawn_at": utc_z(batch.drawn_at), "drawn_by_id": batch.drawn_by_id,
            "items": items_json(items)}


def _int_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Refusal("not_an_integer", field=name, name=name)
    return value


@bp.post("/spotchecks/draw")
@roles_required("supervisor", "admin")
def draw_spotchecks() -> Any:
    body = json_object()
    area_id = _int_field(body, "area_id")
    week = body.get("week", "")
    weekly_draw.parse_week(week)
    session = db.session()
    area = session.scalars(current_scope().areas().where(Area.id == area_id)).first()
    if area is None:
        abort(404)
    settings = weekly_draw.settings_from(current_app.config, policy())
    batch: SpotcheckBatch | None
    try:
        with db.savepoint():  # flushed here; the request's commit point commits
            batch, created = weekly_draw.draw(session, area, week, settings, current_user.id)
    except IntegrityError:  # another draw of this area and week won: answer its batch
        batch = weekly_draw.find_batch(session, area.id, week)
        if batch is None:
            raise
        created = False
    return jsonify(batch_json(batch)), 201 if created else 200


@bp.get("/spotchecks")
@roles_required("supervisor", "admin")
def list_spotchecks() -> Any:
    status = request.args.get("status") or None
    if status not in (None, "open", "done"):
        raise Refusal("not_in_choices", field="status", name="status", choices="open, done")
    mine = request.args.get("mine")
    if mine not in (None, "", "0", "1"):
        raise Refusal("not_in_choices", field="mine", name="mine", choices="0, 1")
    filters = results.QueueFilters(status=status,
                                      batch_id=query_int("batch_id"),
                                      week=request.args.get("week") or None,
                                      checker_id=current_user.id if mine == "1" else None)
    limit, cursor = keyset_args()
    items, next_cursor = keyset.slice_after(
        db.session(), results.queue_query(current_scope(), filters), results.queue_columns(),
        results.queue_key, cursor, results.QUEUE_KEY, limit, parse=results.QUEUE_PARSE)
    return jsonify({"items": items_json(items), "next_cursor": next_cursor})


@bp.get("/spotchecks/batches/<int:batch_id>")
@roles_required("supervisor", "admin")
def get_batch(batch_id: int) -> Any:
    batch = db.session().scalars(results.visible_batches(current_scope()).where(
        SpotcheckBatch.id == batch_id)).first()
    if batch is None:
        abort(404)
    return jsonify(batch_json(batch))


def parse_result(body: dict[str, Any]) -> results.ResultInput:
    def choice(name: str, options: tuple[str, ...], required: bool = True) -> str | None:
        value = body.get(name)
        if value is None and not required:
            return None
        if value not in options:
            raise Refusal("not_in_choices", field=name, name=name, choices=", ".join(options))
        return value

    note = body.get("note") or ""
    if not isinstance(note, str):
        raise Refusal("invalid_text", field="note", name="note", limit=results.MAX_NOTE)
    early = body.get("early_reason") or ""
    if not isinstance(early, str):
        raise Refusal("invalid_text", field="early_reason", name="early_reason",
                      limit=results.MAX_NOTE)
    return results.ResultInput(
        method=choice("method", findings.METHODS) or "",
        outcome=choice("outcome", findings.OUTCOMES) or "",
        satisfaction=choice("satisfaction", findings.SATISFACTION, required=False),
        note=note, lat=optional_number(body, "lat"), lon=optional_number(body, "lon"),
        accuracy_m=optional_number(body, "accuracy_m"), early_reason=early)


@bp.post("/spotchecks/<int:item_id>/result")
@roles_required("supervisor")
def record_spotcheck_result(item_id: int) -> Any:
    data = parse_result(json_object())
    session = db.session()
    item = results.item_in_scope(session, current_scope(), item_id)
    if item is None:
        abort(404)
    try:
        with db.savepoint():  # flushed here; the request's commit point commits
            results.record_result(session, current_user, item, data, policy())
    except IntegrityError as exc:  # the other supervisor's result was stored first
        raise results.already_recorded() from exc
    item = results.item_in_scope(session, current_scope(), item_id)
    assert item is not None
    return jsonify(items_json([item])[0])


@bp.post("/spotchecks/results/<int:result_id>/corrections")
@roles_required("supervisor")
def correct_spotcheck_result(result_id: int) -> Any:
    """A new record correcting a mistaken result, with its reason; the result stays."""
    body = json_object()
    data = parse_result(body)
    correction = results.CorrectionInput(
        method=data.method, outcome=data.outcome, satisfaction=data.satisfaction,
        note=data.note, reason=_text_field(body, "reason"))
    session = db.session()
    found = appeals.result_in_scope(session, current_scope(), result_id)
    if found is None:
        abort(404)
    try:
        with db.savepoint():
            results.correct_result(session, current_user, found, correction)
    except IntegrityError as exc:  # another correction took this sequence first
        raise results.correction_taken() from exc
    item = results.item_in_scope(session, current_scope(), found.item_id)
    if item is None:  # visible through its village, drawn above the caller: the result
        session.expire(found)
        return jsonify(result_json(found, None)), 201
    return jsonify(items_json([item])[0]), 201


@bp.post("/spotchecks/<int:item_id>/assignment")
@roles_required("supervisor")
def assign_spotcheck(item_id: int) -> Any:
    """Give a check to a checker: a supervisor of its village, within the weekly cap."""
    checker_id = _int_field(json_object(), "checker_id")
    session = db.session()
    item = results.item_in_scope(session, current_scope(), item_id)
    if item is None:
        abort(404)
    with db.savepoint():
        worklist.assign(session, current_user, item, checker_id, policy())
    return jsonify({"item_id": item.id, "checker_id": checker_id})


def _text_field(body: dict[str, Any], name: str) -> str:
    value = body.get(name) or ""
    if not isinstance(value, str):
        raise Refusal("invalid_text", field=name, name=name, limit=appeals.MAX_TEXT)
    return value


@bp.post("/spotchecks/results/<int:result_id>/appeals")
@roles_required("supervisor")
def appeal_spotcheck_result(result_id: int) -> Any:
    """An appeal against a failed check, made by a supervisor of the cadre's village."""
    body = json_object()
    data = appeals.AppealInput(reason=_text_field(body, "reason"),
                               evidence=_text_field(body, "evidence"))
    session = db.session()
    found = appeals.result_in_scope(session, current_scope(), result_id)
    if found is None:
        abort(404)
    try:
        with db.savepoint():
            appeal = appeals.make_appeal(session, current_user, found, data)
    except IntegrityError as exc:  # another appeal of this result was stored first
        raise appeals.already_appealed() from exc
    return jsonify(appeal_json(appeal)), 201


@bp.post("/spotchecks/appeals/<int:appeal_id>/decision")
@roles_required("supervisor")
def decide_spotcheck_appeal(appeal_id: int) -> Any:
    """The county upholds or rejects an appeal, once."""
    body = json_object()
    uphold = body.get("uphold")
    if not isinstance(uphold, bool):
        raise Refusal("not_a_bool", field="uphold", name="uphold")
    comment = _text_field(body, "comment")
    session = db.session()
    appeal = appeals.appeal_in_scope(session, current_scope(), appeal_id)
    if appeal is None:
        abort(404)
    try:
        with db.savepoint():
            appeals.decide_appeal(session, current_user, appeal, uphold, comment)
    except IntegrityError as exc:  # another decision was stored first
        session.expire_all()
        stored = appeals.appeal_in_scope(session, current_scope(), appeal_id)
        if stored is None or stored.decision is None:
            raise
        raise appeals.decided_already(stored.decision) from exc
    return jsonify(appeal_json(appeal))

