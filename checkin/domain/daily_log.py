"""The daily log (日纪实): one entry per cadre per day, in the cadre's words.

Decisions:

- It is its own record, not a check-in: no position, no fence, nothing flagged. Writing the
  evening's log at home makes no check-in and changes no day's category.
- Evidence, insert-only: an edit is a new version that names the version it replaces
  (`supersedes`). The newest version is the log; every earlier one is kept and shown.
  A day has one chain: its first version replaces nothing, each later one replaces the
  newest (a version edited from an older copy is refused as stale, not merged).
- Which days: today, and the days of the last week (`DAYS_BACK`), so the evening's log can
  be written the next morning or sent later from an outbox. Never a day ahead.
- The draft: the day's check-ins, visits and contacts, and the leave that covers it, as
  lines the cadre edits before saving; `draft_items` gives them as codes and numbers, the
  edge writes them in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from checkin.domain.refusal import Refusal

MAX_TEXT = 4000
DAYS_BACK = 7

DraftKind = Literal["checkin", "visit", "contact", "leave"]


def validate_entry(text: str, day: date, today: date) -> str:
    """The text to store (stripped), or a Refusal: not empty, not too long, a day from
    `DAYS_BACK` days ago to today."""
    cleaned = text.strip()
    if not cleaned:
        raise Refusal("daily_log_empty", field="text")
    if len(cleaned) > MAX_TEXT:
        raise Refusal("daily_log_too_long", field="text", limit=MAX_TEXT, length=len(cleaned))
    if day > today:
        raise Refusal("daily_log_future", field="date", day=day)
    earliest = today - timedelta(days=DAYS_BACK)
    if day < earliest:
        raise Refusal("daily_log_too_old", field="date", day=day, earliest=earliest)
    return cleaned


@dataclass(frozen=True)
class Version:
    id: str
    supersedes: str | None


def newest(versions: Iterable[Version]) -> Version | None:
    """The version nothing replaces (the log as it stands); None for a day without one.
    With one chain per day there is exactly one such version."""
    listed = list(versions)
    replaced = {v.supersedes for v in listed if v.supersedes is not None}
    heads = [v for v in listed if v.id not in replaced]
    return heads[-1] if heads else None


def in_order(versions: Iterable[Version]) -> list[Version]:
    """The day's versions along the chain, the first entry first and the newest last
    (versions off the chain, which the database's keys prevent, go last)."""
    listed = list(versions)
    successor = {v.supersedes: v for v in listed if v.supersedes is not None}
    ordered = [v for v in listed if v.supersedes is None][:1]
    while ordered and ordered[-1].id in successor:
        ordered.append(successor[ordered[-1].id])
    return ordered + [v for v in listed if v not in ordered]


def check_supersedes(versions: Sequence[Version], supersedes: str | None) -> None:
    """Raise a Refusal unless a new version replacing `supersedes` may join the day's
    chain: a first entry only on a day without one; an edit only of the newest version."""
    head = newest(versions)
    if supersedes is None:
        if head is not None:
            raise Refusal("daily_log_exists", field="supersedes", latest=head.id)
        return
    if all(v.id != supersedes for v in versions):
        raise Refusal("daily_log_unknown_version", field="supersedes")
    if head is None or head.id != supersedes:
        raise Refusal("daily_log_stale", field="supersedes",
                      latest=head.id if head else "")


@dataclass(frozen=True)
class DraftItem:
    """One line of the draft: what happened, when (HH:MM, local) and its numbers."""

    kind: DraftKind
    at: str = ""
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckinFact:
    at: str
    counts: bool
    distance_m: float


@dataclass(frozen=True)
class VisitFact:
    at: str
    kind: str  # visit | contact
    household: str
    note: str


@dataclass(frozen=True)
class LeaveFact:
    kind: str
    start: date
    end: date


def draft_items(checkins: Sequence[CheckinFact], visits: Sequence[VisitFact],
                leaves: Sequence[LeaveFact]) -> list[DraftItem]:
    """The day's records in the order of the day: leave first (it covers the day), then
    check-ins, visits and contacts by time."""
    items = [DraftItem("leave", "", {"kind": leave.kind, "start": leave.start,
                                     "end": leave.end}) for leave in leaves]
    timed = [DraftItem("checkin", c.at, {"counts": c.counts,
                                         "distance_m": round(c.distance_m)})
             for c in checkins]
    timed += [DraftItem("contact" if v.kind == "contact" else "visit", v.at,
                        {"household": v.household, "note": v.note}) for v in visits]
    return items + sorted(timed, key=lambda item: item.at)
