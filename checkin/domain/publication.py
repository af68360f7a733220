"""Published months (月通报发布): when a month may be published, the digest of what was
published, what records that arrived later would change, and when publishing again is a
correction.

Decisions:

- A month may be published once it is over in the deployment's zone (the day after its
  last day has begun there). Before that its bulletin is provisional (暂定): ranks and
  scores so far, but no red flag and no yellow card, which are decided on a whole month.
- The snapshot is the computed bulletin as JSON data; its digest is the SHA-256 of the
  canonical JSON text (keys sorted, no spaces, UTF-8), so anyone holding the circulated
  figures can tell whether they are the published ones.
- Late changes compare the snapshot with the bulletin computed now, team by team, on what
  a county acts on: rank, score, award and counted days. A team that appears on one side
  only is compared with nothing (None) on the other.
- Publishing again is answered with the snapshot when the bulletin computed now is the
  same (same digest). When it differs, it is a correction: a new publication pointing at
  the old one, made only with a reason; without a reason it is refused as a conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from checkin.domain.refusal import Refusal

COMPARED: tuple[str, ...] = ("rank", "score", "award", "counted_days")
MAX_REASON = 500

Row = Mapping[str, Any]


def month_finished(last: date, today: date) -> bool:
    """Is the month whose last day is `last` over on `today` (both local days)?"""
    return today > last


def canonical(data: Mapping[str, Any]) -> str:
    """The one JSON text of `data`: what is stored, digested and answered byte for byte."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


def digest(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(content).encode()).hexdigest()


def without_awards(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """The rows of a provisional month: no red flag, no yellow card."""
    return [{**row, "award": None} for row in rows]


@dataclass(frozen=True)
class Change:
    published: Any
    now: Any


@dataclass(frozen=True)
class TeamChange:
    team_id: int
    team_code: str
    village_name: str
    changes: dict[str, Change]


def late_changes(published: Sequence[Row], now: Sequence[Row]) -> list[TeamChange]:
    """Per team, the compared fields that differ between the snapshot and now; teams with
    no difference are left out. Ordered by the rank now (teams gone last), then team."""
    before = {row["team_id"]: row for row in published}
    after = {row["team_id"]: row for row in now}
    found = []
    for team_id in before.keys() | after.keys():
        old, new = before.get(team_id, {}), after.get(team_id, {})
        changes = {name: Change(old.get(name), new.get(name)) for name in COMPARED
                   if old.get(name) != new.get(name)}
        if changes:
            either = new or old
            found.append((new.get("rank", 10**9), team_id,
                          TeamChange(team_id, either.get("team_code", ""),
                                     either.get("village_name", ""), changes)))
    return [change for _rank, _team, change in sorted(found, key=lambda f: f[:2])]


def republish(stored_digest: str, fresh_digest: str, reason: str, published_on: date,
              teams_changed: int) -> Literal["same", "correction"]:
    """Publishing a month again: the same snapshot, or a correction (which needs a reason)."""
    if fresh_digest == stored_digest:
        return "same"
    if not reason.strip():
        raise Refusal("bulletin_published", field="correction_reason",
                      date=published_on.isoformat(), teams=teams_changed)
    if len(reason) > MAX_REASON:
        raise Refusal("invalid_text", field="correction_reason", name="correction_reason",
                      limit=MAX_REASON)
    return "correction"


def publishable(last: date, today: date, month: str) -> None:
    """Refuse publishing a month that is not over yet (422)."""
    if not month_finished(last, today):
        raise Refusal("month_not_finished", field="month", month=month,
                      day=date.fromordinal(last.toordinal() + 1).isoformat())
