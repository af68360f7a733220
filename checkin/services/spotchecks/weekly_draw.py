"""The weekly spot-check draw of an area: candidates frozen with the seed, presence checks
and visit back-checks drawn by the sampling rules, and their re-derivation by an auditor.

Decisions:

- The seed is HMAC(secret, area, week) (sampling.derive_seed). The secret is the setting
  SPOTCHECK_SECRET, or else one derived from SECRET_KEY, so nobody can predict a draw
  from the area and the week, and the office holding the secret can prove a seed.
- The candidates are frozen on the batch as JSON (ids, weights, last-check dates, the
  share and the per-week number), enough to run the draw again: `verify` re-runs it,
  checks the seed against the secret and the batch against the digest in the audit log.
- Presence candidates: the active cadres of villages in the area. Per week:
  ceil(SPOTCHECK_PRESENCE_SHARE x cadres) (10 % by default), never fewer than the
  quarter's coverage forces (sampling.draw_presence). Beyond the forced ones a cadre's
  chance follows the risk of their recent record (`presence_flags`): the flags of the
  check-ins made or sent last week (a batch of back-dated days weighs on the week it
  arrived in), make-ups (补卡) approved, leave approved after it began (事后补批) and
  findings excused on appeal in the last RECENT_MARKS_DAYS, and their spot-check history
  (candidates version 2 freezes these weights; version 1 batches drew evenly).
- Visit candidates: last week's visits and contacts (Monday to Sunday before the drawn
  week) in the area, a corrected visit replaced by its correction. Risk = the visit's
  flags, the evidence flags of its photos (not the photo pipeline's technical notes such
  as a dropped colour profile), and the cadre's history (risk.score_record).
- A week may be drawn from its Monday on (last week's visits are then all in) and up to
  one week late (a Monday holiday); drawing it again answers the stored batch.
- Issue 15 (candidates version 3, which freezes the day of the draw and the cap):
  presence checks fall only on working days after the day of the draw
  (sampling.schedule_days: a Wednesday draw schedules Thursday and Friday); the batch
  holds at most Policy.spotcheck_area_week_cap checks, shared between calls and callbacks
  in proportion to what each wanted (sampling.split_cap), each list cut in its draw order
  (the quarter's forced presence checks and the month's coverage picks first); a
  household another batch of the same week already calls is left out of the candidates
  (one call a household a week, whichever level drew first; the week's draws hold a lock
  so that two made at once read each other), and of two visits to one household only
  the riskiest (then the latest) is a candidate. Presence checks are not
  deduplicated across levels: a township and the county may both check a cadre in a
  week, as two unannounced checks are not a burden on the villagers.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Select, insert, or_, select
from sqlalchemy.orm import Session

from checkin.domain import risk
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.domain.sampling import (
    PresenceCandidate,
    PresenceDraw,
    VisitCandidate,
    derive_seed,
    draw_presence,
    draw_visit_backchecks,
    parse_iso_week,
    presence_wanted,
    split_cap,
)
from checkin.domain.spotcheck_work import one_per_household, untaken_visits
from checkin.models import (
    Area,
    AttendanceCorrection,
    AuditEntry,
    Checkin,
    CorrectionDecision,
    Leave,
    Photo,
    SpotcheckAppeal,
    SpotcheckAppealDecision,
    SpotcheckBatch,
    SpotcheckItem,
    SpotcheckResult,
    User,
    Visit,
)
from checkin.platform import audit, clock, locks
from checkin.platform.among import among
from checkin.scope import Scope
from checkin.services.spotchecks import results
from checkin.services.visits.households import superseded

CANDIDATES_VERSION = 3
# How far back make-ups, after-the-fact leave and upheld appeals weigh on the draw.
RECENT_MARKS_DAYS = 28
DEFAULT_PRESENCE_SHARE = 0.10


@dataclass(frozen=True)
class DrawSettings:
    secret: bytes
    presence_share: float
    policy: Policy


def secret_from(config: Mapping[str, Any]) -> bytes:
    """SPOTCHECK_SECRET, or a key derived from SECRET_KEY (never SECRET_KEY itself)."""
    configured = config.get("SPOTCHECK_SECRET")
    if configured:
        return str(configured).encode()
    key = config.get("SECRET_KEY")
    if not key:
        raise RuntimeError("SPOTCHECK_SECRET or SECRET_KEY must be set to draw spot checks")
    return hmac.new(str(key).encode(), b"checkin.spotcheck.secret.v1", hashlib.sha256).digest()


def settings_from(config: Mapping[str, Any], policy: Policy) -> DrawSettings:
    share = float(config.get("SPOTCHECK_PRESENCE_SHARE", DEFAULT_PRESENCE_SHARE))
    return DrawSettings(secret_from(config), share, policy)


def parse_week(week: Any) -> tuple[date, date]:
    try:
        return parse_iso_week(week)
    except ValueError as exc:
        raise Refusal("invalid_week", field="week") from exc


def check_week(monday: date, today: date) -> None:
    this_monday = today - timedelta(days=today.weekday())
    if monday > this_monday:
        raise Refusal("week_not_begun", field="week")
    if monday < this_monday - timedelta(days=7):
        raise Refusal("week_too_old", field="week")


def find_batch(session: Session, area_id: int, week: str) -> SpotcheckBatch | None:
    return session.scalars(select(SpotcheckBatch).where(
        SpotcheckBatch.area_id == area_id, SpotcheckBatch.week == week)).first()


def area_villages(area: Area) -> Select[int]:
    return Scope(role="supervisor", user_id=None, area_path=area.path).village_ids()


def area_cadres(area: Area) -> Select[int]:
    return select(User.id).where(User.role == "cadre", User.active.is_(True),
                                 User.village_id.in_(area_villages(area)))


# The draw ------------------------------------------------------------------------------
def draw(session: Session, area: Area, week: str, settings: DrawSettings,
         actor_id: int | None) -> tuple[SpotcheckBatch, bool]:
    """The area's batch for the week, and whether it was drawn now (False: stored)."""
    monday, _ = parse_week(week)
    stored = find_batch(session, area.id, week)
    if stored is not None:
        return stored, False
    check_week(monday, clock.today())
    seed = derive_seed(settings.secret, area.id, week)
    cadres = area_cadres(area)
    history = results.histories(session, cadres, monday)
    # The week's draws one after the other, each reading the households the others call.
    locks.serialise(session, locks.SPOTCHECK_WEEKS, monday.toordinal())
    rows = _visit_rows(session, area, monday)
    keep = set(untaken_visits([(row.id, row.household_id) for row in rows],
                              session.scalars(households_called(week))))
    untaken = [row for row in rows if row.id in keep]
    all_scores = _visit_scores(session, area, monday, untaken, history)
    single = set(one_per_household([(row.id, row.household_id, all_scores[row.id].score,
                                     row.local_day) for row in untaken]))
    visits = [row for row in untaken if row.id in single]
    scores = {row.id: all_scores[row.id] for row in visits}
    flags = presence_flags(session, list(session.scalars(cadres)), monday)
    candidates = _freeze(session, cadres, visits, scores, settings, flags, history)
    candidates["drawn_on"] = clock.today().isoformat()
    candidates["cap"] = settings.policy.spotcheck_area_week_cap
    candidates["left_out"] = {"visits": len(rows) - len(untaken),
                              "same_household": len(untaken) - len(visits)}
    presence, visit_ids = run_draw(candidates, week, seed)
    batch = SpotcheckBatch(area_id=area.id, area_path=area.path, week=week, seed=seed,
                           candidates=candidates, drawn_at=clock.now(), drawn_by_id=actor_id)
    session.add(batch)
    session.flush()  # a concurrent draw of the same area and week fails here
    items = _presence_items(session, batch, presence, history, monday)
    by_id = {row.id: row for row in visits}
    items += [_visit_item(batch, len(items) + n, by_id[vid], scores[vid])
              for n, vid in enumerate(visit_ids)]
    if items:  # one statement for all: a county's week can draw thousands
        session.execute(insert(SpotcheckItem), items)
    session.expire(batch, ["items"])
    audit.record(session, actor_id=actor_id, action="spotcheck.draw", entity="spotcheck_batch",
                 entity_id=batch.id, after=batch_values(batch, items),
                 detail={"area_id": area.id, "week": week, "items": len(items)})
    return batch, True


def households_called(week: str) -> Select[int | None]:
    """Households any batch of the week already calls back, whichever area drew it."""
    of_week = select(SpotcheckBatch.id).where(SpotcheckBatch.week == week)
    return select(SpotcheckItem.household_id).where(
        SpotcheckItem.batch_id.in_(of_week), SpotcheckItem.kind == "visit",
        SpotcheckItem.household_id.is_not(None))


def run_draw(candidates: Mapping[str, Any], week: str, seed: str
             ) -> tuple[list[PresenceDraw], list[str]]:
    """The draw from frozen candidates: the same inputs give the same lists, always.
    Version 3 candidates carry the day of the draw and the week's cap."""
    people = candidates["presence"]
    weights = people.get("weights") or [1.0] * len(people["users"])  # version 1: even
    cadres = [PresenceCandidate(user, _day(last), weight) for user, last, weight
              in zip(people["users"], people["last"], weights, strict=True)]
    frozen = candidates["visits"]
    last = {int(user): _day(day) for user, day in frozen["last"].items()}
    visits = [VisitCandidate(visit_id, user, weight, last.get(user))
              for visit_id, user, weight in zip(frozen["ids"], frozen["users"], frozen["risk"],
                                                strict=True)]
    backchecks = draw_visit_backchecks(visits, week, seed, frozen["share"])
    drawn_on = _day(candidates.get("drawn_on"))
    cap = candidates.get("cap")
    p, v = split_cap(cap, presence_wanted(cadres, week, people["per_week"]), len(backchecks))
    presence = draw_presence(cadres, week, seed, people["per_week"], drawn_on,
                             None if cap is None else p)
    return presence, backchecks[:v]


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


class _VisitRow(NamedTuple):
    id: str
    user_id: int
    village_id: int
    household_id: int
    local_day: date
    flags: str


def _last_week(monday: date) -> tuple[date, date]:
    return monday - timedelta(days=7), monday - timedelta(days=1)


def _visit_rows(session: Session, area: Area, monday: date) -> list[_VisitRow]:
    first, last = _last_week(monday)
    rows = session.execute(
        select(Visit.id, Visit.user_id, Visit.village_id, Visit.household_id, Visit.local_day,
               Visit.flags)
        .where(Visit.village_id.in_(area_villages(area)), Visit.local_day.between(first, last),
               Visit.id.not_in(superseded())))
    # Sorted here, not by the database, whose collation may order strings otherwise: the
    # same records give the same frozen list on every backend.
    return sorted(map(_VisitRow._make, rows), key=itemgetter(0))


def _visit_scores(session: Session, area: Area, monday: date, visits: list[_VisitRow],
                  history: Mapping[int, risk.CadreHistory]) -> dict[str, risk.RiskScore]:
    """Each visit's risk; one score per distinct (flags, history), as most visits repeat one."""
    first, last = _last_week(monday)
    photo_flags: dict[str, set[str]] = {}
    for visit_id, flags in session.execute(
            select(Photo.visit_id, Photo.flags).join(Visit, Photo.visit_id == Visit.id)
            .where(Visit.village_id.in_(area_villages(area)),
                   Visit.local_day.between(first, last), Photo.flags != "")):
        known = {f for f in flags.split(",") if f in risk.FLAG_WEIGHTS}
        if known:
            photo_flags.setdefault(visit_id, set()).update(known)
    cache: dict[tuple[str, frozenset[str], int], risk.RiskScore] = {}
    scores = {}
    for row in visits:
        key = (row.flags, frozenset(photo_flags.get(row.id, ())), row.user_id)
        score = cache.get(key)
        if score is None:
            record_flags = {f for f in row.flags.split(",") if f} | key[1]
            score = cache[key] = risk.score_record(
                record_flags, history.get(row.user_id, results.NO_HISTORY), "visit")
        scores[row.id] = score
    return scores


def _freeze(session: Session, cadres: Select[int], visits: list[_VisitRow],
            scores: Mapping[str, risk.RiskScore], settings: DrawSettings,
            flags: Mapping[int, set[str]], history: Mapping[int, risk.CadreHistory]
            ) -> dict[str, Any]:
    """Everything the draw uses, as JSON: columns of ids, weights and last-check dates."""
    users = list(session.scalars(cadres.order_by(User.id)))
    weights = [risk.score_record(flags.get(u, set()), history.get(u, results.NO_HISTORY),
                                 "checkin").score for u in users]
    last_presence = results.last_drawn(session, cadres, "presence")
    visit_users = sorted({row.user_id for row in visits})
    last_backcheck = results.last_drawn(
        session, select(User.id).where(among(session, User.id, visit_users)), "visit"
    ) if visit_users else {}
    return {
        "version": CANDIDATES_VERSION,
        "presence": {
            "per_week": math.ceil(round(settings.presence_share * len(users), 9)),
            "users": users,
            "last": [_iso(last_presence.get(u)) for u in users],
            "weights": weights,
        },
        "visits": {
            "share": settings.policy.visit_backcheck_share,
            "ids": [row.id for row in visits],
            "users": [row.user_id for row in visits],
            "risk": [scores[row.id].score for row in visits],
            "last": {str(u): _iso(last_backcheck.get(u)) for u in visit_users},
        },
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _reasons(score: risk.RiskScore) -> list[dict[str, Any]]:
    return [{"code": r.code, "weight": r.weight, "params": dict(r.params)}
            for r in score.reasons]


def _presence_items(session: Session, batch: SpotcheckBatch, drawn: list[PresenceDraw],
                    history: Mapping[int, risk.CadreHistory], monday: date
                    ) -> list[dict[str, Any]]:
    """Presence items, with the risk that weighed in the draw shown, so the checker knows
    why a cadre deserves attention."""
    users = [d.user_id for d in drawn]
    villages = dict(session.execute(select(User.id, User.village_id).where(
        among(session, User.id, users))).all())
    flags = presence_flags(session, users, monday)
    items = []
    for position, d in enumerate(drawn):
        score = risk.score_record(flags[d.user_id],
                                  history.get(d.user_id, results.NO_HISTORY), "checkin")
        items.append({
            "batch_id": batch.id, "position": position, "kind": "presence",
            "user_id": d.user_id, "village_id": villages[d.user_id], "visit_id": None,
            "household_id": None, "day": d.day, "window_start": d.window_start,
            "window_end": d.window_end, "risk": score.score, "reasons": _reasons(score)})
    return items


def presence_flags(session: Session, users: list[int], monday: date) -> dict[int, set[str]]:
    """What each cadre's recent record flags, for the presence draw of the week of `monday`:
    the flags of check-ins made or sent last week, and `makeup_approved`,
    `leave_after_start`, `appeal_upheld` for such decisions of the last RECENT_MARKS_DAYS."""
    first, last = _last_week(monday)
    flags: dict[int, set[str]] = {u: set() for u in users}
    # Made last week, or sent last week whatever day it claims: a batch of back-dated
    # check-ins (synced_too_late) weighs on the week it arrived in.
    sent_from = datetime.combine(first, time(), clock.zone())
    sent_before = datetime.combine(last + timedelta(days=1), time(), clock.zone())
    for user_id, text in session.execute(select(Checkin.user_id, Checkin.flags).where(
            among(session, Checkin.user_id, users), Checkin.flags != "",
            or_(Checkin.local_day.between(first, last),
                Checkin.received_at.between(sent_from, sent_before)))):
        flags[user_id].update(f for f in text.split(",") if f)
    since = datetime.combine(monday - timedelta(days=RECENT_MARKS_DAYS), time(), clock.zone())
    until = datetime.combine(monday, time(), clock.zone())
    marks = (
        ("makeup_approved", select(AttendanceCorrection.user_id).join(
            CorrectionDecision, CorrectionDecision.correction_id == AttendanceCorrection.id)
         .where(among(session, AttendanceCorrection.user_id, users),
                CorrectionDecision.approve.is_(True),
                CorrectionDecision.decided_at.between(since, until))),
        ("leave_after_start", select(Leave.user_id).where(
            among(session, Leave.user_id, users), Leave.approved_after_start.is_(True),
            Leave.decided_at.between(since, until))),
        ("appeal_upheld", select(SpotcheckItem.user_id)
         .join(SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
         .join(SpotcheckAppeal, SpotcheckAppeal.result_id == SpotcheckResult.id)
         .join(SpotcheckAppealDecision, SpotcheckAppealDecision.appeal_id == SpotcheckAppeal.id)
         .where(among(session, SpotcheckItem.user_id, users),
                SpotcheckAppealDecision.upheld.is_(True),
                SpotcheckAppealDecision.decided_at.between(since, until))),
    )
    for flag, stmt in marks:
        for user_id in session.scalars(stmt.distinct()):
            flags[user_id].add(flag)
    return flags


def _visit_item(batch: SpotcheckBatch, position: int, row: _VisitRow, score: risk.RiskScore
                ) -> dict[str, Any]:
    return {"batch_id": batch.id, "position": position, "kind": "visit",
            "user_id": row.user_id, "village_id": row.village_id, "visit_id": row.id,
            "household_id": row.household_id, "day": row.local_day, "window_start": None,
            "window_end": None, "risk": score.score, "reasons": _reasons(score)}


# Verification ----------------------------------------------------------------------------
def batch_values(batch: SpotcheckBatch, items: list[dict[str, Any]]) -> dict[str, Any]:
    """What the audit log's digest of a draw covers: seed, candidates and the items."""
    return {
        "area_id": batch.area_id, "week": batch.week, "seed": batch.seed,
        "candidates": audit.plain_digest(batch.candidates),
        "items": [[i["position"], i["kind"], i["user_id"], i["visit_id"],
                   i["day"].isoformat(), _clock(i["window_start"]), _clock(i["window_end"])]
                  for i in items],
    }


def item_values(item: SpotcheckItem) -> dict[str, Any]:
    return {key: getattr(item, key) for key in ("position", "kind", "user_id", "visit_id",
                                                "day", "window_start", "window_end")}


def _clock(moment: time | None) -> str | None:
    return None if moment is None else moment.strftime("%H:%M")


@dataclass(frozen=True)
class Verification:
    seed_ok: bool  # the seed is the one the secret gives for this area and week
    presence_ok: bool  # re-drawn presence checks equal the stored ones
    visits_ok: bool  # re-drawn visit back-checks equal the stored ones
    audit_ok: bool  # the batch matches the digest written to the audit log when drawn
    presence: int
    visits: int

    @property
    def ok(self) -> bool:
        return self.seed_ok and self.presence_ok and self.visits_ok and self.audit_ok


def verify(session: Session, batch: SpotcheckBatch, secret: bytes) -> Verification:
    visit_ids: list[str | None]
    try:
        presence, drawn = run_draw(batch.candidates, batch.week, batch.seed)
        visit_ids = list(drawn)
    except (KeyError, TypeError, ValueError):  # candidates altered beyond reading
        presence, visit_ids = [], [None]
    items = list(session.scalars(select(SpotcheckItem).where(
        SpotcheckItem.batch_id == batch.id).order_by(SpotcheckItem.position)))
    stored_presence = [(i.user_id, i.day, i.window_start, i.window_end)
                       for i in items if i.kind == "presence"]
    stored_visits = [i.visit_id for i in items if i.kind == "visit"]
    entry = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "spotcheck.draw", AuditEntry.entity == "spotcheck_batch",
        AuditEntry.entity_id == str(batch.id)).order_by(AuditEntry.id)).first()
    return Verification(
        seed_ok=hmac.compare_digest(derive_seed(secret, batch.area_id, batch.week), batch.seed),
        presence_ok=stored_presence == [(d.user_id, d.day, d.window_start, d.window_end)
                                        for d in presence],
        visits_ok=stored_visits == list(visit_ids),
        audit_ok=entry is not None
        and audit.matches(entry.after_digest, entry.digest_key,
                          batch_values(batch, list(map(item_values, items)))),
        presence=len(presence), visits=len(visit_ids))
