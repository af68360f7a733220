"""Recall and rotation (召回、轮换, seed 002): a cadre leaving a post, the replacement, the
approval, and how the term dates split the year.

Seed 002: "各地各单位不得自行调整轮换第一书记和驻村工作队员 … 确需调整的 … 审批" and "对庸懒散拖
… 给予批评教育和召回". Decisions:

- The township asks (any supervisor in scope may); the county or above decides, and never
  the person who asked. A request is decided once; a refused one may be asked again.
- Kinds: `recall` (召回, for idleness or absence), `rotation` (轮换, for health or another
  special reason), `term_end` (期满, the posting ends as planned).
- `leaves_on` is the cadre's last day on post: their ledger counts the term up to it and
  its target is pro-rated to those days. The replacement's term starts on `starts_on`
  (not before the day they leave), and their target is pro-rated from it.
- Back-dating: a last day before the day of the request would take days already passed,
  absences included, out of the ledger. It is allowed only with a written reason, the
  county's approval sees it marked with the absences it takes out, the approval writes
  them to the audit log, and the file keeps the ledger as it was without the rotation.
  A replacement's start is never before the request either (nobody is put on post in the
  past).
- A cadre who has left is not asked to leave again; a post has one open request at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from checkin.domain.refusal import Refusal

Kind = Literal["recall", "rotation", "term_end"]
KINDS: tuple[Kind, ...] = ("recall", "rotation", "term_end")
COUNTY_OR_ABOVE = frozenset({"province", "city", "county"})
MAX_REASON = 2000


@dataclass(frozen=True)
class Request:
    """What a township asks: who leaves, when, why, and who replaces them from when."""

    kind: str
    leaves_on: date | None
    reason: str
    backdate_reason: str = ""
    replacement_id: int | None = None
    starts_on: date | None = None


@dataclass(frozen=True)
class Post:
    """The departing cadre's post as it stands: its term and whether a request is open."""

    term_start: date
    term_end: date | None
    already_left: bool = False
    open_request: bool = False


def is_backdated(leaves_on: date, requested_on: date) -> bool:
    """A last day on post before the day of the request takes passed days out."""
    return leaves_on < requested_on


def check_request(request: Request, post: Post, requested_on: date) -> None:
    """Refuse a request that breaks a rule; `requested_on` is today for the requester."""
    if post.already_left:
        raise Refusal("rotation_already_left", field="leaves_on")
    if post.open_request:
        raise Refusal("rotation_open", field="leaves_on")
    if request.kind not in KINDS:
        raise Refusal("not_in_choices", field="kind", name="kind", choices=", ".join(KINDS))
    if request.leaves_on is None:
        raise Refusal("field_required", field="leaves_on", name="leaves_on")
    leaves_on = request.leaves_on
    if leaves_on < post.term_start:
        raise Refusal("rotation_before_term", field="leaves_on", day=leaves_on.isoformat(),
                      start=post.term_start.isoformat())
    if post.term_end is not None and leaves_on > post.term_end:
        raise Refusal("rotation_after_term", field="leaves_on", day=leaves_on.isoformat(),
                      end=post.term_end.isoformat())
    _check_text("reason", request.reason, required=True)
    backdated = is_backdated(leaves_on, requested_on)
    _check_text("backdate_reason", request.backdate_reason, required=backdated)
    if request.backdate_reason.strip() and not backdated:
        raise Refusal("rotation_not_backdated", field="backdate_reason")
    if request.replacement_id is None:
        if request.starts_on is not None:
            raise Refusal("field_required", field="replacement", name="replacement")
        return
    if request.starts_on is None:
        raise Refusal("field_required", field="starts_on", name="starts_on")
    if request.starts_on < requested_on:
        raise Refusal("rotation_start_backdated", field="starts_on",
                      day=request.starts_on.isoformat(), today=requested_on.isoformat())
    if request.starts_on < leaves_on:
        raise Refusal("rotation_start_before_leave", field="starts_on",
                      day=request.starts_on.isoformat(), leaves=leaves_on.isoformat())
    if post.term_end is not None and request.starts_on > post.term_end:
        raise Refusal("rotation_after_term", field="starts_on",
                      day=request.starts_on.isoformat(), end=post.term_end.isoformat())


def check_decision(decider_level: str, decider_id: int, requested_by_id: int,
                   already_decided: bool, approve: bool, note: str) -> None:
    """Only the county or above decides, never the requester, once per request; a refusal
    says why."""
    if already_decided:
        raise Refusal("rotation_decided")
    if decider_level not in COUNTY_OR_ABOVE:
        raise Refusal("rotation_needs_county")
    if decider_id == requested_by_id:
        raise Refusal("rotation_own_request")
    _check_text("note", note, required=not approve)


def split_term(team_start: date, team_end: date | None, own_start: date | None,
               own_end: date | None) -> tuple[date, date | None]:
    """A cadre's term: the team's, narrowed by their own start (a replacement) and end (a
    cadre who left). The ledger counts and pro-rates only these days."""
    start = team_start if own_start is None else max(team_start, own_start)
    if own_end is None:
        return start, team_end
    return start, own_end if team_end is None else min(team_end, own_end)


def _check_text(name: str, value: str, *, required: bool) -> None:
    if required and not value.strip():
        raise Refusal("field_required", field=name, name=name)
    if len(value) > MAX_REASON:
        raise Refusal("invalid_text", field=name, name=name, limit=MAX_REASON)
