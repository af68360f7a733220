"""A cadre's own team's rows of published bulletins (a 通报 is circulated by definition).

Decisions:

- Only published months (the current publication of each area's month, of every area
  above the cadre's village: a county's bulletin and a city's both rank the team); never
  the provisional figures, which would tell a cadre this month's spot checks as they
  happen.
- Only the team's own row, and of it only what the circulated bulletin states about the
  team: rank of how many teams, score, award, the parts with what they were made of and
  their weights, the parts missing, satisfaction (n and share), and for a yellow card the
  finding it was given for. Never other teams' rows, the per-cadre rates, the list of
  findings, item ids or links to a check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import publication as rules
from checkin.models import Area, BulletinPublication, User
from checkin.platform import clock

ROW_FIELDS = ("team_code", "village_name", "unit", "score", "rank", "award",
              "satisfaction_warning", "satisfaction_answers", "satisfaction_share",
              "satisfaction_judged", "details", "missing", "counted_days", "expected_days")
MOST = 24


@dataclass(frozen=True)
class OwnRow:
    month: str
    area_name: str
    published_on: date
    teams: int
    row: dict[str, Any]
    weights: dict[str, float] | None
    min_answers: int | None
    ranked: bool = True


def own_rows(session: Session, cadre: User) -> list[OwnRow]:
    """The team's rows of published bulletins, newest month first (at most MOST)."""
    if cadre.team_id is None or cadre.village is None:
        return []
    above = [int(p) for p in cadre.village.area_path.strip("/").split("/") if p]
    superseded = select(BulletinPublication.supersedes_id).where(
        BulletinPublication.supersedes_id.is_not(None))
    found = session.execute(
        select(BulletinPublication, Area.name).join(Area, Area.id == BulletinPublication.area_id)
        .where(BulletinPublication.area_id.in_(above),
               BulletinPublication.id.not_in(superseded))
        .order_by(BulletinPublication.month.desc(), Area.path)).all()
    out: list[OwnRow] = []
    for made, area_name in found:
        content = rules.readable(made.content)
        rows = content.get("rows", [])
        mine = next((r for r in rows if r.get("team_id") == cadre.team_id), None)
        if mine is None:
            continue
        row = {name: mine.get(name) for name in ROW_FIELDS}
        ranked = rules.ranked(content)
        # What the team is told was found: a yellow card's findings; unranked, the serious
        # findings themselves (the same records, with no card).
        row["findings"] = mine.get("findings", []) if mine.get("award") == "yellow_card" \
            or not ranked else []
        out.append(OwnRow(made.month, area_name, clock.local_day(made.published_at), len(rows),
                          row, content.get("weights"), content.get("satisfaction_min_answers"),
                          ranked))
        if len(out) >= MOST:
            break
    return out
