"""Warning talks (约谈, seed 001: "群众测评满意度低于70%的，对'一把手'和直接责任人约谈"): which
rows of a published bulletin raise one, whom it is addressed to, and what recording it
takes.

Decisions:

- The satisfaction judged is the bulletin's: spot-check calls and the quarterly public
  evaluation's answers of the month together (群众测评, domain/public_evaluation.py,
  bulletin_satisfaction), so a team the households rate below the line meets the talk.
- A talk is raised by publishing (not by the provisional figures): for every row of the
  published bulletin whose satisfaction warning stands, one talk per team and month,
  whatever publication (a correction, another area's) names it again. A correction that
  drops the warning leaves the talk raised (it was circulated); the supervisor records
  what happened.
- It is addressed to the head (一把手) of the team's sending unit and the person directly
  responsible: the team's first secretary (its leader). Their names are kept as they were
  when the talk was raised.
- Recording it says who took part (`held_with`), the day it was held and a note; the day
  is not in the future and not before the month it concerns began. It is recorded once:
  a talk held is not un-held.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from checkin.domain.refusal import Refusal

MAX_WITH = 200
MAX_NOTE = 2000


def raises_talk(row: Mapping[str, Any]) -> bool:
    """A published row raises a talk when its warning stands (and, in the current
    format, was judged on enough answers)."""
    return bool(row.get("satisfaction_warning")) and row.get("satisfaction_judged", True) \
        is not False


def check_record(held_on: date | None, held_with: str, note: str, month_first: date,
                 today: date, already: bool) -> None:
    """Refuse a record of a talk that breaks a rule."""
    if already:
        raise Refusal("talk_recorded", field="held_on")
    if held_on is None:
        raise Refusal("field_required", field="held_on", name="held_on")
    if held_on > today:
        raise Refusal("talk_in_future", field="held_on", day=held_on.isoformat())
    if held_on < month_first:
        raise Refusal("talk_before_month", field="held_on", day=held_on.isoformat(),
                      first=month_first.isoformat())
    for name, value, limit in (("held_with", held_with, MAX_WITH), ("note", note, MAX_NOTE)):
        if not value.strip():
            raise Refusal("field_required", field=name, name=name)
        if len(value) > limit:
            raise Refusal("invalid_text", field=name, name=name, limit=limit)
