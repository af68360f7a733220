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
- The snapshot carries its format (FORMAT). Format 1 (before 2026-12) had no `format`
  key, no part composition, weights, group rankings or findings per row. A snapshot is
  never rewritten (its digest is of what was published); `readable` gives the pages a
  format-2 shape of an older one, with what it did not record marked as such (weights
  None, composition empty), and the findings attached to their team by village.
- Without the ranking (the policy's `bulletin_ranking` off, the deployment default; see
  domain/policy.py) the content says `ranked: false` and its rows carry no score, rank or
  award, in the order of the area tree (county, township, village, team), and there are no
  group rankings; the parts, the serious findings and the satisfaction warnings stay. A
  snapshot without the key was ranked (every bulletin before the setting was).
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
FORMAT = 2
PART_NAMES: tuple[str, ...] = ("attendance", "coverage", "spotcheck", "satisfaction")
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


def unranked(content: Mapping[str, Any]) -> dict[str, Any]:
    """A bulletin's content with no points ranking: no score, rank or award per row and no
    group rankings; rows in the order of the area tree."""
    rows = [{**row, "score": None, "rank": None, "award": None}
            for row in content.get("rows", [])]
    rows.sort(key=lambda r: (r.get("county", ""), r.get("township", ""),
                             r.get("village_name", ""), r.get("team_code", ""),
                             r.get("team_id", 0)))
    return {**content, "ranked": False, "rows": rows, "groups": {}}


def ranked(content: Mapping[str, Any]) -> bool:
    """Was the bulletin ranked (score, rank, red flag and yellow cards)?"""
    return content.get("ranked", True) is not False


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
            rank = new.get("rank")  # None: gone now, or a bulletin without ranking
            found.append((rank if isinstance(rank, int) else 10**9, team_id,
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


def format_of(content: Mapping[str, Any]) -> int:
    value = content.get("format", 1)
    return value if isinstance(value, int) else 1


def readable(content: Mapping[str, Any]) -> dict[str, Any]:
    """The snapshot in the current format's shape, for reading; a current one as it is."""
    if format_of(content) >= FORMAT:
        return dict(content)
    by_village: dict[str, list[dict[str, Any]]] = {}
    for f in content.get("findings", []):
        by_village.setdefault(f.get("village_name", ""), []).append(
            {"kind": f.get("kind"), "method": None, "outcome": f.get("outcome"),
             "day": f.get("day"), "user_name": f.get("user_name", "")})
    rows = [_row_v1(row, by_village) for row in content.get("rows", [])]
    return {**content, "format": format_of(content), "rows": rows, "weights": None,
            "satisfaction_min_answers": None, "groups": {}}


def _row_v1(row: Row, findings: Mapping[str, list[dict[str, Any]]]) -> dict[str, Any]:
    parts = row.get("parts", {})
    checks, failures = row.get("spotchecks", 0), row.get("spotcheck_failures", 0)
    made_of: dict[str, list[list[Any]]] = {
        "attendance": [["days", row["counted_days"], row["expected_days"]]]
        if "counted_days" in row and "expected_days" in row else [],
        "coverage": [],
        "spotcheck": [["passed", checks - failures, checks]] if checks else [],
        "satisfaction": [],
    }
    missing = {"spotcheck": "not_checked", "satisfaction": "no_answers"}
    details = [{"name": name, "value": parts.get(name), "weight": None, "used_weight": None,
                "missing": None if name in parts else missing.get(name, "not_recorded"),
                "made_of": made_of[name]} for name in PART_NAMES]
    share = parts.get("satisfaction")
    return {**row, "details": details,
            "missing": [name for name in PART_NAMES if name not in parts],
            "satisfaction_share": None if share is None else round(share / 100, 4),
            "satisfaction_judged": share is not None, "township": "", "county": "",
            "findings": findings.get(row.get("village_name", ""), [])
            if row.get("award") == "yellow_card" else []}
