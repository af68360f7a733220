"""The yearly pledge and the quarterly report (年承诺、季报告, seed 002): at the start of the
year each work team pledges a list of commitments to the township party committee; each
quarter it reports how far each has come, and the township approves or returns the report.

Decisions:

- The pledge is the team's (每个驻村工作队向乡镇党委作出帮扶工作承诺), written by the team
  leader (the first secretary). It may be rewritten until the first quarterly report of
  the year is handed in; from then on it is fixed for the year, so the commitments cannot
  be made to fit what was done at the year's end.
- A quarter may be reported from its last month on (and any time after): a report says
  what came of the quarter. Each commitment gets a status (done, in progress, not done);
  one not done, or in progress, says why or how far.
- Every hand-in is a version of its own, never changed. While a version waits for the
  township, or once it is approved, nothing more is handed in for that quarter; a returned
  version (with the township's remark) is answered by a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from checkin.domain.refusal import Refusal

Status = Literal["done", "in_progress", "not_done"]
STATUSES: tuple[Status, ...] = ("done", "in_progress", "not_done")
REVIEW_DECISIONS = ("approve", "return")
MAX_ITEMS = 20
MAX_ITEM_TEXT = 500
MAX_TEXT = 4000


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1..4

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def first(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_month_first(self) -> date:
        return date(self.year, 3 * self.number, 1)


def parse_quarter(label: str) -> Quarter:
    """'2026-Q3' -> Quarter(2026, 3); ValueError for anything else."""
    year, sep, number = label.partition("-Q")
    if not sep or not year.isdigit() or len(year) != 4 or number not in ("1", "2", "3", "4"):
        raise ValueError(f"not a quarter: {label!r}")
    return Quarter(int(year), int(number))


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def may_report(quarter: Quarter, today: date) -> bool:
    """From the quarter's last month on."""
    return today >= quarter.last_month_first


def clean_items(items: list[str]) -> list[str]:
    """The pledge's commitments: blank lines dropped; at least one, at most MAX_ITEMS."""
    found = [item.strip() for item in items if item.strip()]
    if not found:
        raise Refusal("pledge_empty", field="items")
    if len(found) > MAX_ITEMS:
        raise Refusal("pledge_too_many", field="items", limit=MAX_ITEMS)
    if any(len(item) > MAX_ITEM_TEXT for item in found):
        raise Refusal("invalid_text", field="items", name="items", limit=MAX_ITEM_TEXT)
    return found


def may_rewrite_pledge(reports_this_year: int) -> bool:
    return reports_this_year == 0


@dataclass(frozen=True)
class Entry:
    status: Status
    text: str


def check_entries(pledged: int, entries: list[tuple[str, str]]) -> list[Entry]:
    """One entry per commitment, in its order, each with a known status; not done and in
    progress say why (or how far)."""
    if len(entries) != pledged:
        raise Refusal("report_entries_mismatch", field="entries", expected=pledged)
    checked: list[Entry] = []
    for n, (status, text) in enumerate(entries):
        if status not in STATUSES:
            raise Refusal("report_status_unknown", field=f"entries.{n}.status")
        text = text.strip()
        if len(text) > MAX_TEXT:
            raise Refusal("invalid_text", field=f"entries.{n}.text", name="text", limit=MAX_TEXT)
        if status != "done" and not text:
            raise Refusal("report_text_required", field=f"entries.{n}.text", n=n + 1)
        checked.append(Entry(status, text))
    return checked


def report_state(latest_review: str | None, has_version: bool) -> str:
    """Where a quarter stands: none, pending (waiting for the township), returned,
    approved."""
    if not has_version:
        return "none"
    if latest_review is None:
        return "pending"
    return "approved" if latest_review == "approve" else "returned"


def may_hand_in(state: str) -> bool:
    return state in ("none", "returned")


def check_review(decision: str, remark: str, state: str, level: str | None) -> None:
    """The township (or above) reviews the waiting version; a return says why."""
    if level not in ("township", "county", "city", "province"):
        raise Refusal("report_review_needs_township")
    if decision not in REVIEW_DECISIONS:
        raise Refusal("report_decision_unknown", field="decision")
    if state != "pending":
        raise Refusal("report_not_pending", state=state)
    if len(remark) > MAX_TEXT:
        raise Refusal("invalid_text", field="remark", name="remark", limit=MAX_TEXT)
    if decision == "return" and not remark.strip():
        raise Refusal("report_return_needs_remark", field="remark")
