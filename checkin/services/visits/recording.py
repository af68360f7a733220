"""Recording a visit or contact with its photos: files first, rows after, flags on both.

The photos are decoded (`process_all`) and their files written (`store_photos`) before the
transaction that records the visit begins: no transaction is open while Pillow works. A
visit refused afterwards leaves files no row names; `remove-orphan-photos` deletes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import evidence, geofence
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import Area, Household, HouseholdMove, Photo, User, Village, Visit
from checkin.photos.phash import bands, to_signed64
from checkin.photos.pipeline import ProcessedPhoto, process_photo
from checkin.photos.store import PhotoStore
from checkin.photos.stores import photo_store
from checkin.platform import audit, clock
from checkin.platform.exactly_once import replay_or_conflict
from checkin.services.attendance.checkins import fence_from, previous_fix
from checkin.services.visits.photo_index import find_duplicate

MAX_NOTE = 2000


@dataclass(frozen=True)
class VisitInput:
    id: str
    household_id: int
    kind: str
    purposes: tuple[str, ...]
    note: str
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    recorded_at: datetime
    queued: bool
    digest: str
    corrects_id: str | None = None
    correction_reason: str | None = None


@dataclass(frozen=True)
class StoredPhoto:
    """A processed photo whose files (the photo, its thumbnail) are in the store."""

    photo: ProcessedPhoto
    key: str
    thumb_key: str


def store() -> PhotoStore:
    return photo_store()


def store_photos(photos: list[ProcessedPhoto]) -> list[StoredPhoto]:
    """The files are safe on disk before a row names them; no database is needed."""
    files = store()
    return [StoredPhoto(photo, files.put(photo.jpeg), files.put(photo.thumb))
            for photo in photos]


def existing(session: Session, data: VisitInput) -> Visit | None:
    stored = session.get(Visit, data.id)
    if stored is not None:
        replay_or_conflict(stored.digest, data.digest)
    return stored


def process_all(files: list[tuple[str, bytes]]) -> list[ProcessedPhoto]:
    """Every photo through the pipeline before anything is stored; one bad file refuses all."""
    processed = []
    for index, (name, data) in enumerate(files):
        try:
            processed.append(process_photo(data))
        except Refusal as exc:  # the pipeline's photo_* code, told which photo it is
            told = Refusal(exc.code, field=f"photos[{index}]", photo=index + 1, name=name[:60])
            told.params = {**exc.params, **told.params}
            raise told from exc
    return processed


def county_of(session: Session, village: Village) -> int | None:
    ids = [int(part) for part in village.area_path.strip("/").split("/") if part]
    return session.scalars(select(Area.id).where(Area.id.in_(ids), Area.level == "county")
                           ).first()


def record_visit(session: Session, user: User, data: VisitInput,
                 photos: list[StoredPhoto], policy: Policy) -> Visit:
    received = clock.now()
    evidence.check_photos(data.kind, len(photos), policy)
    geofence.validate_recorded_at(data.recorded_at, received)
    if data.lat is not None and data.lon is not None:
        geofence.validate_position(data.lat, data.lon, data.accuracy_m or 0.0)
    elif data.accuracy_m is not None and not data.accuracy_m >= 0.0:  # a contact's, too
        raise Refusal("invalid_accuracy", field="accuracy_m", accuracy_m=data.accuracy_m)
    household = session.get(Household, data.household_id)
    village = None if household is None else _village_of_visit(session, user, household,
                                                                data.recorded_at)
    if household is None or village is None:
        raise Refusal("no_such_household", field="household_id")
    here = village.id == household.village_id  # else made before the household moved
    visit = Visit(id=data.id, user_id=user.id, household_id=household.id,
                  village_id=village.id, kind=data.kind, purposes=",".join(data.purposes),
                  note=data.note, lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m,
                  recorded_at=data.recorded_at, received_at=received,
                  local_day=clock.local_day(data.recorded_at), queued=data.queued,
                  digest=data.digest, corrects_id=data.corrects_id,
                  correction_reason=data.correction_reason)
    flags = _visit_flags(session, user, data, household, village, received, policy)
    visit.flags = ",".join(f.code for f in flags)
    visit.reasons = [{"code": f.code, "params": f.params} for f in flags]
    if (here and household.lat is not None and household.lon is not None
            and data.lat is not None and data.lon is not None):
        visit.distance_m = round(geofence.distance_m(data.lat, data.lon, household.lat,
                                                     household.lon), 1)
    session.add(visit)
    session.flush()
    _add_photos(session, visit, village, photos, policy)
    if here:
        _propose_position(session, user, household, visit, policy)
    audit.record(session, actor_id=user.id, action="visit.create", entity="visit",
                 entity_id=visit.id, after={"digest": data.digest,
                                            "corrects": data.corrects_id})
    return visit


def _village_of_visit(session: Session, user: User, household: Household,
                      recorded_at: datetime) -> Village | None:
    """The village a cadre's visit to the household was made in: the household's, or the
    cadre's own when the household moved out of it on or after the day the visit was made
    (a phone offline at the move, issue #19: what it made before is kept, there)."""
    if household.village_id == user.village_id:
        return household.village
    moved_out = session.scalar(select(HouseholdMove.id).where(
        HouseholdMove.household_id == household.id,
        HouseholdMove.from_village_id == user.village_id,
        HouseholdMove.moved_on >= clock.local_day(recorded_at)).limit(1))
    return None if moved_out is None else session.get(Village, user.village_id)


def _visit_flags(session: Session, user: User, data: VisitInput, household: Household,
                 village: Village, received: datetime, policy: Policy) -> list[evidence.Flag]:
    facts = evidence.VisitFacts(lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m,
                                recorded_at=data.recorded_at, received_at=received,
                                queued=data.queued, in_person=data.kind == "visit")
    home = (household.lat, household.lon) if household.lat is not None and \
        household.lon is not None and household.village_id == village.id else None
    fence = fence_from(village.lat, village.lon, village.radius_m, village.boundary)
    flags = evidence.visit_flags(facts, home, fence, policy)
    if data.kind == "visit" and data.lat is not None and data.lon is not None:
        verdict = geofence.evaluate_checkin(
            geofence.CheckinFacts(lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m or 0,
                                  recorded_at=data.recorded_at, received_at=received,
                                  live=True),
            fence,
            previous_fix(session, user.id, data.recorded_at), policy)
        flags += [evidence.Flag(r.code, dict(r.params)) for r in verdict.reasons
                  if r.code == "impossible_travel"]
    return flags


def _add_photos(session: Session, visit: Visit, village: Village,
                photos: list[StoredPhoto], policy: Policy) -> None:
    county = county_of(session, village)
    reported = (visit.lat, visit.lon) if visit.lat is not None and visit.lon is not None \
        else None
    for stored in photos:
        processed, key, thumb = stored.photo, stored.key, stored.thumb_key
        duplicate = find_duplicate(session, county, processed.phash,
                                   policy.duplicate_photo_max_distance)
        taken = processed.taken_at
        if taken is not None and taken.tzinfo is None:
            taken = taken.replace(tzinfo=clock.zone())
        flags = evidence.photo_flags(
            evidence.PhotoFacts(taken_at=taken, exif_lat=processed.exif_lat,
                                exif_lon=processed.exif_lon,
                                pipeline_flags=tuple(processed.flags)),
            visit.recorded_at, reported, duplicate[1] if duplicate else None, policy)
        b0, b1, b2, b3 = bands(processed.phash)
        session.add(Photo(
            visit_id=visit.id, county_id=county, sha256=key, thumb_sha256=thumb,
            width=processed.width, height=processed.height,
            original_format=processed.original_format,
            original_width=processed.original_width, original_height=processed.original_height,
            taken_at=taken, exif_lat=processed.exif_lat, exif_lon=processed.exif_lon,
            camera=processed.camera, phash=to_signed64(processed.phash), band0=b0, band1=b1,
            band2=b2, band3=b3, flags=",".join(dict.fromkeys([*(f.code for f in flags),
                                                              *processed.flags])),
            duplicate_of_id=duplicate[0] if duplicate else None))
        session.flush()


def _propose_position(session: Session, user: User, household: Household, visit: Visit,
                      policy: Policy) -> None:
    """A household without a registered position gets one proposed by its first accurate
    visit in person whose evidence holds (inside the fence, no reused or old photo); a
    proposal whose evidence does not hold is replaced by such a visit. A supervisor
    confirms it from that visit."""
    if household.lat is not None:
        return
    if household.proposed_lat is not None:
        proposer = proposing_visit(session, household)
        if proposer is not None and may_confirm_from(session, household, proposer):
            return  # a proposal that holds stands until a supervisor confirms it
    if visit.kind != "visit" or visit.lat is None or not evidence.is_accurate_fix(
            visit.accuracy_m, policy):
        return
    if not evidence.position_evidence_holds(visit.flag_list, _photo_flags(session, visit.id)):
        return  # outside the fence, or a reused or old photo: a later visit proposes
    before = audit.snapshot(household)
    household.proposed_lat, household.proposed_lon = visit.lat, visit.lon
    household.proposed_by_visit_id = visit.id
    audit.record(session, actor_id=user.id, action="household.position_proposed",
                 entity="household", entity_id=household.id, before=before,
                 after=audit.snapshot(household))


def _photo_flags(session: Session, visit_id: str) -> list[list[str]]:
    return [[f for f in flags.split(",") if f] for flags in session.scalars(
        select(Photo.flags).where(Photo.visit_id == visit_id))]


def proposing_visit(session: Session, household: Household) -> Visit | None:
    """The visit whose position is proposed for the household, if any."""
    if household.proposed_lat is None or household.proposed_by_visit_id is None:
        return None
    return session.get(Visit, household.proposed_by_visit_id)


def may_confirm_from(session: Session, household: Household, visit: Visit) -> bool:
    """Confirming the household's position is offered from the visit that proposed it, and
    only when that visit's evidence holds (inside the fence, no reused or old photo)."""
    proposer = proposing_visit(session, household)
    return proposer is not None and proposer.id == visit.id and \
        evidence.position_evidence_holds(visit.flag_list, _photo_flags(session, visit.id))


def confirm_position(session: Session, supervisor: User, household: Household) -> None:
    if household.proposed_lat is None:
        raise Refusal("no_proposal")
    proposer = proposing_visit(session, household)
    if proposer is None or not may_confirm_from(session, household, proposer):
        raise Refusal("position_evidence_weak")
    before = audit.snapshot(household)
    household.lat, household.lon = household.proposed_lat, household.proposed_lon
    household.proposed_lat = household.proposed_lon = None
    audit.record(session, actor_id=supervisor.id, action="household.position_confirmed",
                 entity="household", entity_id=household.id, before=before,
                 after=audit.snapshot(household))


def check_correction(session: Session, user: User, data: VisitInput) -> None:
    """A correction points at one of the cadre's own visits and says why."""
    if data.corrects_id is None:
        return
    old = session.get(Visit, data.corrects_id)
    if old is None or old.user_id != user.id:
        raise Refusal("no_such_visit", field="corrects_id")
    if not (data.correction_reason or "").strip():
        raise Refusal("correction_reason_required", field="correction_reason")
