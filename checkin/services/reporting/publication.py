"""Publishing an area's monthly bulletin (月通报发布): the snapshot the county circulates,
what records that arrived since would change, and corrections.

Decisions:

- What is published is the bulletin computed at that moment (bulletin.monthly_bulletin),
  as JSON data (`content_of`): rows with the day counts behind the attendance part, the
  sending units' and cadres' rates and the serious findings. The data carries its
  `format` (publication.FORMAT, 2 since every part said what it was made of); a snapshot
  is stored and answered as it was published, and the pages read an older format through
  publication.readable, which fills what that format did not record as "not recorded".
  Once a month is published for an area, that area's month is read from the snapshot,
  never computed again.
- The current publication of an area's month is the one no later publication supersedes.
- Late records: check-ins and visits received, spot-check results recorded and leave
  decided after the current publication, for days of the month, per team of their cadre.
- Who publishes: supervisors whose own area is a county or above, and admins (the
  county's organisation department circulates the bulletin); a township supervisor is
  refused (403). The area is any in the publisher's jurisdiction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from checkin.domain import publication, ranking
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import (
    Area,
    BulletinPublication,
    Checkin,
    Leave,
    SpotcheckCorrection,
    SpotcheckItem,
    SpotcheckResult,
    User,
    Visit,
)
from checkin.platform import audit, clock
from checkin.scope import Scope
from checkin.services import notify
from checkin.services.reporting import bulletin, warning_talks
from checkin.services.spotchecks import results

PUBLISHING_LEVELS = ("province", "city", "county")
LATE_KINDS = ("checkins", "visits", "spotcheck_results", "leaves")
Outcome = Literal["published", "corrected", "same"]


@dataclass(frozen=True)
class Reading:
    """An area's month as it is answered: the published snapshot, or the figures now."""

    content: dict[str, Any]
    provisional: bool
    publication: BulletinPublication | None = None


@dataclass(frozen=True)
class TeamLate:
    team_id: int
    team_code: str
    village_name: str
    changes: dict[str, publication.Change]
    late_records: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LateChanges:
    publication: BulletinPublication
    teams: list[TeamLate]


def content_of(found: bulletin.Bulletin, finished: bool, policy: Policy) -> dict[str, Any]:
    """The computed bulletin as JSON data; an unfinished month's rows carry no award, and
    without the ranking setting no row carries a score, rank or award."""
    rows = [{"team_id": line.row.team_id, "team_code": line.team.code,
             "village_id": line.row.village_id, "village_name": line.team.village.name,
             "unit": line.row.unit, "score": line.row.score, "rank": line.row.rank,
             "parts": line.row.parts, "award": line.row.award,
             "satisfaction_warning": line.row.satisfaction_warning,
             "spotchecks": line.counts.checks, "spotcheck_failures": line.counts.failures,
             "satisfaction_answers": line.counts.answers,
             "counted_days": line.attendance[0],
             "expected_days": round(line.attendance[1], 2),
             "details": [_part(p) for p in line.row.details],
             "missing": list(line.row.missing),
             "satisfaction_share": None if line.row.satisfaction_share is None
             else round(line.row.satisfaction_share, 4),
             "satisfaction_judged": line.row.satisfaction_judged,
             "township": line.township.name if line.township is not None else "",
             "county": line.county.name if line.county is not None else "",
             "findings": [_finding(j) for j in line.findings]}
            for line in found.lines]
    weights = policy.bulletin_weights
    total = sum(weights.values()) or 1.0
    content = {
        "format": publication.FORMAT, "ranked": True,
        "weights": {name: round(weights.get(name, 0.0) / total, 4) for name in ranking.PARTS},
        "satisfaction_min_answers": policy.satisfaction_min_answers,
        "satisfaction_warning_below": policy.satisfaction_warning_below,
        "groups": {kind: [_group(g, finished) for g in lines]
                   for kind, lines in found.groups.items()},
        "month": found.month, "area_id": found.area.id, "area_name": found.area.name,
        "first": found.first.isoformat(), "last": found.last.isoformat(),
        "asof": found.asof.isoformat(),
        "rows": rows if finished else publication.without_awards(rows),
        "units": [_rates(r) for r in found.units],
        "cadres": [{"user_id": r.key, "name": r.label, **_counts(r)} for r in found.cadres],
        "findings": [{"item_id": j.item.id, "kind": j.item.kind, "user_id": j.item.user_id,
                      "user_name": j.item.user.name, "village_name": j.item.village.name,
                      "outcome": j.outcome, "verdict": j.verdict,
                      "day": j.result.local_day.isoformat()} for j in found.findings],
    }
    return content if policy.bulletin_ranking else publication.unranked(content)


def _part(part: ranking.Part) -> dict[str, Any]:
    return {"name": part.name, "value": part.value, "weight": part.weight,
            "used_weight": part.used_weight, "missing": part.missing,
            "made_of": [[what, n, of] for what, n, of in part.made_of]}


def _finding(j: results.Judged) -> dict[str, Any]:
    """What a yellow card states: which check, how, what it found, on whom and when."""
    return {"kind": j.item.kind, "method": j.result.method, "outcome": j.result.outcome,
            "day": j.result.local_day.isoformat(), "user_name": j.item.user.name}


def _group(line: bulletin.GroupLine, finished: bool) -> dict[str, Any]:
    g = line.row
    return {"key": str(g.key), "name": line.name, "score": g.score, "rank": g.rank,
            "teams": g.teams, "red_flags": g.red_flags if finished else 0,
            "yellow_cards": g.yellow_cards if finished else 0, "warnings": g.warnings,
            "partial": g.partial}


def _rates(line: bulletin.RateLine) -> dict[str, Any]:
    return {"unit": line.label, **_counts(line)}


def _counts(line: bulletin.RateLine) -> dict[str, Any]:
    r = line.rates
    return {"checks": r.checks, "failures": r.failures, "failure_rate": r.failure_rate,
            "answers": r.answers, "satisfaction": r.satisfaction}


def computed(session: Session, scope: Scope, area: Area, month: str, today: date,
             policy: Policy) -> Reading:
    """The bulletin computed now; provisional while the month is not over."""
    found = bulletin.monthly_bulletin(session, scope, area, month, today, policy)
    finished = publication.month_finished(found.last, today)
    return Reading(content_of(found, finished, policy), provisional=not finished)


def current(session: Session, area_id: int, month: str) -> BulletinPublication | None:
    """The publication of the area's month that no later one supersedes."""
    superseded = select(BulletinPublication.supersedes_id).where(
        BulletinPublication.supersedes_id.is_not(None))
    return session.scalars(select(BulletinPublication).where(
        BulletinPublication.area_id == area_id, BulletinPublication.month == month,
        BulletinPublication.id.not_in(superseded))
        .order_by(BulletinPublication.id.desc())).first()


def reading(session: Session, scope: Scope, area: Area, month: str, today: date,
            policy: Policy) -> Reading:
    """The published snapshot of the area's month if there is one, else the figures now."""
    bulletin.month_span(month, today)
    published = current(session, area.id, month)
    if published is not None:
        return Reading(published.content, provisional=False, publication=published)
    return computed(session, scope, area, month, today, policy)


def may_publish(user: User) -> bool:
    if user.role == "admin":
        return True
    return user.role == "supervisor" and user.area is not None and \
        user.area.level in PUBLISHING_LEVELS


def publish(session: Session, scope: Scope, user: User, area: Area, month: str,
            today: date, policy: Policy, correction_reason: str = ""
            ) -> tuple[Reading, Outcome]:
    """Publish the area's finished month, or answer its snapshot when nothing changed, or
    publish a correction (with a reason) superseding it. Flushes; audited."""
    if not may_publish(user):
        raise Refusal("publish_needs_county", field="area_id")
    _first, last, _asof = bulletin.month_span(month, today)
    publication.publishable(last, today, month)
    fresh = computed(session, scope, area, month, today, policy)
    fresh_digest = publication.digest(fresh.content)
    before = current(session, area.id, month)
    if before is not None:
        changed = publication.late_changes(before.content["rows"], fresh.content["rows"])
        outcome = publication.republish(before.digest, fresh_digest, correction_reason,
                                        clock.local_day(before.published_at), len(changed))
        if outcome == "same":
            return Reading(before.content, provisional=False, publication=before), "same"
    made = BulletinPublication(
        area_id=area.id, month=month, content=fresh.content, digest=fresh_digest,
        published_at=clock.now(), published_by_id=user.id,
        supersedes_id=None if before is None else before.id,
        correction_reason=correction_reason.strip() if before is not None else "")
    session.add(made)
    session.flush()
    audit.record(session, actor_id=user.id,
                 action="bulletin.correct" if before is not None else "bulletin.publish",
                 entity="bulletin_publication", entity_id=made.id,
                 after={"area_id": area.id, "month": month, "digest": fresh_digest,
                        "supersedes_id": made.supersedes_id,
                        "correction_reason": made.correction_reason})
    notify.bulletin_published(session, made, area, corrected=before is not None)
    warning_talks.raise_for(session, made, user)
    return (Reading(made.content, provisional=False, publication=made),
            "corrected" if before is not None else "published")


def publish_once(session: Session, scope: Scope, user: User, area: Area, month: str,
                 today: date, policy: Policy, correction_reason: str = ""
                 ) -> tuple[Reading, Outcome]:
    """`publish` in a savepoint; when another publication of the month won the race (the
    database holds one first publication of an area's month and one correction of each),
    decide again against the winner: its snapshot if the same, else a correction or 409."""
    try:
        with session.begin_nested():
            return publish(session, scope, user, area, month, today, policy,
                           correction_reason)
    except IntegrityError:
        return publish(session, scope, user, area, month, today, policy, correction_reason)


def late_changes(session: Session, scope: Scope, area: Area, month: str, today: date,
                 policy: Policy) -> LateChanges | None:
    """What records that arrived after the publication would change; None if unpublished."""
    first, last, _asof = bulletin.month_span(month, today)
    published = current(session, area.id, month)
    if published is None:
        return None
    fresh = computed(session, scope, area, month, today, policy)
    changes = {c.team_id: c for c in publication.late_changes(
        published.content["rows"], fresh.content["rows"])}
    rows = {r["team_id"]: r for r in [*fresh.content["rows"], *published.content["rows"]]}
    counts = _late_records(session, list(rows), first, last, published.published_at)
    teams = []
    for team_id in [*changes, *(t for t in sorted(counts) if t not in changes)]:
        row = rows[team_id]
        teams.append(TeamLate(team_id, row.get("team_code", ""), row.get("village_name", ""),
                              changes[team_id].changes if team_id in changes else {},
                              {kind: counts.get(team_id, {}).get(kind, 0)
                               for kind in LATE_KINDS}))
    return LateChanges(published, teams)


def _late_records(session: Session, team_ids: list[int], first: date, last: date,
                  since: datetime) -> dict[int, dict[str, int]]:
    """Per team: records for days of [first, last] that arrived after `since`."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    queries: Iterable[tuple[str, Select[int | None, int]]] = (
        ("checkins", _per_team(Checkin, Checkin.user_id, team_ids).where(
            Checkin.local_day.between(first, last), Checkin.received_at > since)),
        ("visits", _per_team(Visit, Visit.user_id, team_ids).where(
            Visit.local_day.between(first, last), Visit.received_at > since)),
        ("spotcheck_results", _per_team(SpotcheckItem, SpotcheckItem.user_id, team_ids)
         .join(SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id).where(
            SpotcheckResult.local_day.between(first, last),
            SpotcheckResult.recorded_at > since)),
        # a correction of a result of the month made after publication (issue 15)
        ("spotcheck_results", _per_team(SpotcheckItem, SpotcheckItem.user_id, team_ids)
         .join(SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
         .join(SpotcheckCorrection, SpotcheckCorrection.result_id == SpotcheckResult.id)
         .where(SpotcheckResult.local_day.between(first, last),
                SpotcheckCorrection.recorded_at > since)),
        ("leaves", _per_team(Leave, Leave.user_id, team_ids).where(
            Leave.start_date <= last, Leave.end_date >= first, Leave.decided_at > since)),
    )
    for kind, query in queries:
        for team_id, n in session.execute(query):
            tally = found[team_id or 0]
            tally[kind] = tally.get(kind, 0) + n
    return found


def _per_team(model: type[Any], user_column: InstrumentedAttribute[int], team_ids: list[int]
              ) -> Select[int | None, int]:
    return (select(User.team_id, func.count()).select_from(model)
            .join(User, User.id == user_column)
            .where(User.team_id.in_(team_ids)).group_by(User.team_id))
