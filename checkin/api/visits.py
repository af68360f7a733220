"""POST /visits (multipart: a `visit` JSON field and `photos` files, exactly once), GET /visits,
GET /households, the photos themselves."""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from flask import Response, abort, current_app, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from checkin import bodies, db
from checkin.api import bp
from checkin.api.once import store_once
from checkin.api.payload import keyset_args, keyset_items, optional_number, query_int
from checkin.api.timefmt import optional_day, parse_moment, utc_z
from checkin.auth import current_scope, roles_required
from checkin.domain.refusal import Refusal
from checkin.models import PURPOSES, VISIT_KINDS, Household, Photo, Visit
from checkin.personal_data import household_number, text
from checkin.photos.limits import DEFAULT_LIMITS
from checkin.photos.pipeline import FLAG_NO_EXIF_TIME, ProcessedPhoto
from checkin.platform import clock, keyset
from checkin.platform.exactly_once import client_id, payload_digest
from checkin.services.visits import households, recording, views
from checkin.settings import policy


def photo_json(photo: Photo) -> dict[str, Any]:
    return {"id": photo.id, "width": photo.width, "height": photo.height,
            "taken_at": utc_z(photo.taken_at), "flags": photo.flag_list,
            "exif_lat": photo.exif_lat, "exif_lon": photo.exif_lon,
            "url": f"/api/v1/photos/{photo.id}", "thumb_url": f"/api/v1/photos/{photo.id}/thumb"}


def visit_json(row: Visit) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "household_id": row.household_id,
            "village_id": row.village_id, "kind": row.kind, "purposes": row.purpose_list,
            "note": row.note, "lat": row.lat, "lon": row.lon, "accuracy_m": row.accuracy_m,
            "recorded_at": utc_z(row.recorded_at), "received_at": utc_z(row.received_at),
            "day": row.local_day.isoformat(), "distance_m": row.distance_m,
            "flags": row.flag_list, "corrects_id": row.corrects_id,
            "correction_reason": row.correction_reason,
            "photos": [photo_json(p) for p in row.photos]}


def parse_visit(raw: str | None, photo_digests: list[str]) -> recording.VisitInput:
    try:
        body = bodies.loads(raw or "", "visit")
    except ValueError as exc:
        raise Refusal("malformed_json", field="visit", name="visit") from exc
    if not isinstance(body, dict):
        raise Refusal("malformed_json", field="visit", name="visit")
    kind = body.get("kind")
    if kind not in VISIT_KINDS:
        raise Refusal("not_in_choices", field="kind", name="kind", choices=", ".join(VISIT_KINDS))
    purposes = body.get("purposes", [])
    if not isinstance(purposes, list) or not set(purposes) <= set(PURPOSES):
        raise Refusal("not_in_choices", field="purposes", name="purposes",
                      choices=", ".join(PURPOSES))
    note = body.get("note") or ""
    if not isinstance(note, str) or len(note) > recording.MAX_NOTE:
        raise Refusal("invalid_text", field="note", name="note", limit=recording.MAX_NOTE)
    household_id = body.get("household_id")
    if not isinstance(household_id, int) or isinstance(household_id, bool):
        raise Refusal("not_an_integer", field="household_id", name="household_id")
    lat, lon = optional_number(body, "lat"), optional_number(body, "lon")
    if kind == "visit" and (lat is None or lon is None):
        raise Refusal("position_required", field="lat")
    corrects = body.get("corrects_id")
    reason = body.get("correction_reason")
    if reason is not None and (not isinstance(reason, str)
                               or len(reason) > MAX_CORRECTION_REASON):
        raise Refusal("invalid_text", field="correction_reason", name="correction_reason",
                      limit=MAX_CORRECTION_REASON)
    queued = body.get("queued", False)
    if not isinstance(queued, bool):
        raise Refusal("not_a_bool", field="queued", name="queued")
    return recording.VisitInput(
        id=client_id(body.get("id")), household_id=household_id, kind=kind,
        purposes=tuple(purposes), note=note.strip(), lat=lat, lon=lon,
        accuracy_m=optional_number(body, "accuracy_m"),
        recorded_at=parse_moment(body.get("recorded_at"), "recorded_at"), queued=queued,
        digest=payload_digest({"visit": body, "photos": photo_digests}),
        corrects_id=client_id(corrects) if corrects is not None else None,
        correction_reason=reason if isinstance(reason, str) else None)


MAX_CORRECTION_REASON = 1000


# A photo's EXIF time or place that the phone read from the original and the server could not
# read from the bytes it got (the phone's canvas strips EXIF when it shrinks a photo).
FLAG_EXIF_FROM_CLIENT = "exif_from_client"


@dataclasses.dataclass(frozen=True)
class ClientExif:
    """What the phone read from one original photo: capture time (naive means the
    deployment's zone, as EXIF without OffsetTimeOriginal), GPS position."""

    taken_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None


def _client_exif_entry(entry: Any, index: int) -> ClientExif:
    name = f"photo_exif[{index}]"
    if entry is None:
        return ClientExif()
    if not isinstance(entry, dict):
        raise Refusal("not_an_object", field=name, name=name)
    taken_at = None
    raw_time = entry.get("taken_at")
    if raw_time is not None:
        try:
            taken_at = datetime.fromisoformat(raw_time) if isinstance(raw_time, str) else None
        except ValueError:
            taken_at = None
        if taken_at is None or not 1990 <= taken_at.year <= 2100:
            raise Refusal("not_a_time", field=f"{name}.taken_at", name=f"{name}.taken_at")
    lat: Any = entry.get("lat")  # JSON values, checked below
    lon: Any = entry.get("lon")
    if lat is None and lon is None:
        return ClientExif(taken_at=taken_at)
    for key, value, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or abs(value) > limit:
            raise Refusal("not_degrees", field=f"{name}.{key}", name=f"{name}.{key}")
    return ClientExif(taken_at=taken_at, lat=float(lat), lon=float(lon))


def parse_photo_exif(raw: str | None, photo_count: int) -> list[ClientExif]:
    """The optional `photo_exif` of the visit JSON: one entry (or null) per photo, in order."""
    try:
        body = bodies.loads(raw or "", "visit")
    except ValueError:
        return [ClientExif()] * photo_count  # parse_visit has answered 400 already
    entries = body.get("photo_exif") if isinstance(body, dict) else None
    if entries is None:
        return [ClientExif()] * photo_count
    if not isinstance(entries, list) or len(entries) != photo_count:
        raise Refusal("photo_exif_count", field="photo_exif", count=photo_count)
    return [_client_exif_entry(entry, i) for i, entry in enumerate(entries)]


def with_client_exif(photo: ProcessedPhoto, client: ClientExif) -> ProcessedPhoto:
    """The server's own reading of the bytes wins, field by field (time; position); what it
    could not read is taken from the phone and the photo is flagged `exif_from_client`."""
    changes: dict[str, Any] = {}
    if photo.taken_at is None and client.taken_at is not None:
        changes["taken_at"] = client.taken_at
    if photo.exif_lat is None and photo.exif_lon is None and client.lat is not None:
        changes["exif_lat"], changes["exif_lon"] = client.lat, client.lon
    if not changes:
        return photo
    flags = [f for f in photo.flags if not ("taken_at" in changes and f == FLAG_NO_EXIF_TIME)]
    return dataclasses.replace(photo, **changes, flags=[*flags, FLAG_EXIF_FROM_CLIENT])


@bp.post("/visits")
@roles_required("cadre")
def create_visit() -> Any:
    if not request.content_type or not request.content_type.startswith("multipart/form-data"):
        raise Refusal("unsupported_media_type")
    uploads = request.files.getlist("photos")
    most = current_app.config["PHOTOS_PER_VISIT"]
    if len(uploads) > most:
        raise Refusal("too_many_photos", field="photos", most=most)
    files = [(f.filename or "photo", bodies.read_upload(f, i, DEFAULT_LIMITS.max_bytes))
             for i, f in enumerate(uploads)]
    data = parse_visit(request.form.get("visit"),
                       [hashlib.sha256(content).hexdigest() for _, content in files])
    client_exif = parse_photo_exif(request.form.get("visit"), len(files))
    session = db.session()
    replayed = recording.existing(session, data)
    if replayed is not None:  # sent again: its photos are stored already
        return jsonify(visit_json(replayed)), 200
    recording.check_correction(session, current_user, data)
    db.end_reading()  # no transaction is open while Pillow works and the files are written
    photos = recording.store_photos([
        with_client_exif(photo, exif)
        for photo, exif in zip(recording.process_all(files), client_exif, strict=True)])
    row, created = store_once(
        lambda: recording.existing(session, data),
        lambda: recording.record_visit(session, current_user, data, photos, policy()))
    return jsonify(visit_json(row)), 201 if created else 200


def _day_bounds(stmt: Any, column: Any) -> Any:
    first = optional_day(request.args.get("from"), "from")
    last = optional_day(request.args.get("to"), "to")
    zone = clock.zone()
    if first:
        stmt = stmt.where(column >= datetime.combine(first, time(), zone))
    if last:
        stmt = stmt.where(column < datetime.combine(last + timedelta(days=1), time(), zone))
    return stmt


@bp.get("/visits")
@login_required
def list_visits() -> Any:
    scope = current_scope()
    stmt = select(Visit).where(scope.owned_by_user(Visit.user_id, Visit.village_id))
    stmt = _day_bounds(stmt, Visit.recorded_at)
    for name, column in (("household_id", Visit.household_id), ("user_id", Visit.user_id)):
        value = query_int(name)
        if value is not None:
            stmt = stmt.where(column == value)
    # newest first, as the supervisors' list (views.visit_page)
    return jsonify(keyset_items(stmt.options(selectinload(Visit.photos)), views.VISIT_ORDER,
                                views.visit_cursor, views.VISIT_LIKE, views.visit_key,
                                visit_json))


def household_json(row: households.HouseholdRow) -> dict[str, Any]:
    h = row.household
    return {"id": h.id, "code": h.code, "name": h.head_name, "village_id": h.village_id,
            "helper_id": h.helper_id, "status": h.status, "address": h.address,
            "phone": text(household_number(h, "visit")), "lat": h.lat, "lon": h.lon,
            "last_contact_at": row.last_contact.isoformat() if row.last_contact else None,
            "last_visit_at": row.last_visit.isoformat() if row.last_visit else None,
            "due": row.due.state, "days_since_visit": row.due.days_since_visit,
            "next_deadline": row.due.next_deadline.isoformat() if row.due.next_deadline
            else None}


@bp.get("/households")
@login_required
def list_households() -> Any:
    limit, cursor = keyset_args()
    due = request.args.get("due") or None
    if due not in (None, "ok", "due", "overdue"):
        raise Refusal("not_in_choices", field="due", name="due", choices="ok, due, overdue")
    village_id, helper_id = query_int("village_id"), query_int("helper_id")
    query = request.args.get("q", "")[:50]
    if current_user.role != "cadre":  # by village and code, paged in SQL: no cap
        page, next_cursor = households.household_slice(
            db.session(), current_scope(), clock.today(), policy(), cursor=cursor,
            size=limit, due=due, village_id=village_id, helper_id=helper_id, query=query)
        return jsonify({"items": [household_json(r) for r in page],
                        "next_cursor": next_cursor})
    # A cadre's village (a few hundred at most), most urgent first: the due states are
    # computed, so the list is paged in Python by a key of that order.
    rows = households.household_rows(db.session(), current_scope(), clock.today(), policy(),
                                     due=due, village_id=village_id, helper_id=helper_id,
                                     query=query)
    key = households.cadre_order(current_user.id)
    keyset.check_rows(cursor, key(rows[0]) if rows else None)
    found = keyset.page_of_rows(rows, key, cursor, limit)
    return jsonify({"items": [household_json(r) for r in found.rows],
                    "next_cursor": found.next_after})


def visible_photo(photo_id: int) -> Photo:
    scope = current_scope()
    photo = db.session().scalars(
        select(Photo).join(Visit, Photo.visit_id == Visit.id)
        .where(Photo.id == photo_id, Photo.purged_at.is_(None),
               scope.owned_by_user(Visit.user_id, Visit.village_id))
    ).first()
    if photo is None:
        abort(404)  # purged photos are gone for everyone, even if a newer one shares the file
    return photo


def _send(key: str) -> Any:
    """The photo streamed from the store, whichever host wrote it. Its ETag is its key (the
    SHA-256 of the bytes), the same on every host; a matching If-None-Match gets 304."""
    headers = {"ETag": f'"{key}"', "Cache-Control": "private, max-age=3600",
               "X-Content-Type-Options": "nosniff"}
    if key in request.if_none_match:
        return Response(status=304, headers=headers)
    try:
        stream, size = recording.store().stream(key)
    except FileNotFoundError:
        abort(404)

    def chunks() -> Iterator[bytes]:  # needs no request context: only the open stream
        with stream:
            while chunk := stream.read(1 << 16):
                yield chunk

    headers["Content-Length"] = str(size)
    response = Response(chunks(), mimetype="image/jpeg", headers=headers)
    response.call_on_close(stream.close)  # also when the client goes before the first chunk
    return response


@bp.get("/photos/<int:photo_id>")
@login_required
def photo_file(photo_id: int) -> Any:
    return _send(visible_photo(photo_id).sha256)


@bp.get("/photos/<int:photo_id>/thumb")
@login_required
def photo_thumb(photo_id: int) -> Any:
    return _send(visible_photo(photo_id).thumb_sha256)


@bp.post("/households/<int:household_id>/position")
@roles_required("supervisor")
def confirm_household_position(household_id: int) -> Any:
    scope = current_scope()
    session = db.session()
    household = session.scalars(scope.households().where(Household.id == household_id)).first()
    if household is None:
        abort(404)
    recording.confirm_position(session, current_user, household)
    return jsonify({"id": household.id, "lat": household.lat, "lon": household.lon})
