"""The yearly pledge and the quarterly report: quarters, what a report takes, who reviews,
and when a quarter may be handed in again."""

from __future__ import annotations

from datetime import date

import pytest

from checkin.domain.pledges import (
    Quarter,
    check_entries,
    check_review,
    clean_items,
    may_hand_in,
    may_report,
    may_rewrite_pledge,
    parse_quarter,
    quarter_of,
    report_state,
)
from checkin.domain.refusal import Refusal


@pytest.mark.parametrize(("label", "quarter"), [
    ("2026-Q1", Quarter(2026, 1)), ("2026-Q4", Quarter(2026, 4)),
])
def test_quarters_parse(label: str, quarter: Quarter) -> None:
    assert parse_quarter(label) == quarter
    assert quarter.label == label


@pytest.mark.parametrize("label", ["2026-Q0", "2026-Q5", "26-Q1", "2026Q1", "", "2026-W01"])
def test_malformed_quarters(label: str) -> None:
    with pytest.raises(ValueError):
        parse_quarter(label)


@pytest.mark.parametrize(("day", "label"), [
    (date(2026, 1, 1), "2026-Q1"), (date(2026, 3, 31), "2026-Q1"),
    (date(2026, 4, 1), "2026-Q2"), (date(2026, 12, 31), "2026-Q4"),
])
def test_quarter_of(day: date, label: str) -> None:
    assert quarter_of(day).label == label


@pytest.mark.parametrize(("label", "today", "allowed"), [
    ("2026-Q4", date(2026, 11, 30), False),
    ("2026-Q4", date(2026, 12, 1), True),   # from the quarter's last month
    ("2026-Q3", date(2026, 12, 1), True),   # and any time after
    ("2026-Q1", date(2026, 3, 1), True),
    ("2026-Q1", date(2026, 2, 28), False),
])
def test_a_quarter_is_reported_from_its_last_month(label: str, today: date,
                                                   allowed: bool) -> None:
    assert may_report(parse_quarter(label), today) is allowed


@pytest.mark.parametrize(("items", "kept", "code"), [
    (["发展集体经济", "", "  走访全部贫困户 "], ["发展集体经济", "走访全部贫困户"], None),
    (["", "  "], None, "pledge_empty"),
    (["x"] * 21, None, "pledge_too_many"),
    (["x" * 501], None, "invalid_text"),
])
def test_a_pledge_is_a_list_of_commitments(items: list[str], kept: list[str] | None,
                                           code: str | None) -> None:
    if code is None:
        assert clean_items(items) == kept
        return
    with pytest.raises(Refusal) as caught:
        clean_items(items)
    assert caught.value.code == code


@pytest.mark.parametrize(("reports", "allowed"), [(0, True), (1, False), (5, False)])
def test_the_pledge_is_fixed_once_a_quarter_is_reported(reports: int, allowed: bool) -> None:
    assert may_rewrite_pledge(reports) is allowed


@pytest.mark.parametrize(("pledged", "entries", "code", "field"), [
    (2, [("done", ""), ("in_progress", "完成一半")], None, None),
    (2, [("done", "")], "report_entries_mismatch", "entries"),
    (1, [("finished", "")], "report_status_unknown", "entries.0.status"),
    (2, [("done", ""), ("not_done", " ")], "report_text_required", "entries.1.text"),
    (1, [("in_progress", "")], "report_text_required", "entries.0.text"),
    (1, [("done", "x" * 4001)], "invalid_text", "entries.0.text"),
])
def test_a_report_answers_every_commitment(pledged: int, entries: list[tuple[str, str]],
                                           code: str | None, field: str | None) -> None:
    if code is None:
        assert [e.status for e in check_entries(pledged, entries)] == [s for s, _ in entries]
        return
    with pytest.raises(Refusal) as caught:
        check_entries(pledged, entries)
    assert (caught.value.code, caught.value.field) == (code, field)


@pytest.mark.parametrize(("review", "has", "state", "hand_in"), [
    (None, False, "none", True),
    (None, True, "pending", False),
    ("return", True, "returned", True),
    ("approve", True, "approved", False),
])
def test_where_a_quarter_stands(review: str | None, has: bool, state: str,
                                hand_in: bool) -> None:
    assert report_state(review, has) == state
    assert may_hand_in(state) is hand_in


@pytest.mark.parametrize(("decision", "remark", "state", "level", "code"), [
    ("approve", "", "pending", "township", None),
    ("return", "请补充第二项的进展", "pending", "township", None),
    ("approve", "", "pending", "county", None),
    ("return", "  ", "pending", "township", "report_return_needs_remark"),
    ("approve", "", "approved", "township", "report_not_pending"),
    ("approve", "", "returned", "township", "report_not_pending"),
    ("maybe", "", "pending", "township", "report_decision_unknown"),
    ("approve", "", "pending", "village", "report_review_needs_township"),
    ("approve", "", "pending", None, "report_review_needs_township"),
])
def test_the_township_reviews(decision: str, remark: str, state: str, level: str | None,
                              code: str | None) -> None:
    if code is None:
        check_review(decision, remark, state, level)
        return
    with pytest.raises(Refusal) as caught:
        check_review(decision, remark, state, level)
    assert caught.value.code == code
