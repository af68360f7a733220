"""Warning talks: which published rows raise one, and what recording one takes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from checkin.domain.refusal import Refusal
from checkin.domain.warning_talks import check_record, raises_talk

NOV = date(2026, 11, 1)
TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(("row", "raised"), [
    ({"satisfaction_warning": True, "satisfaction_judged": True}, True),
    ({"satisfaction_warning": True}, True),  # format 1: the warning as published
    ({"satisfaction_warning": True, "satisfaction_judged": False}, False),
    ({"satisfaction_warning": False, "satisfaction_judged": True}, False),
    ({}, False),
])
def test_a_published_warning_raises_a_talk(row: dict[str, Any], raised: bool) -> None:
    assert raises_talk(row) is raised


@pytest.mark.parametrize(("held_on", "with_", "note", "already", "code", "field"), [
    (date(2026, 12, 2), "王局长、张书记", "谈话已进行", False, None, None),
    (NOV, "王局长", "n", False, None, None),  # the month's first day
    (TODAY, "王局长", "n", False, None, None),
    (date(2026, 12, 4), "王局长", "n", False, "talk_in_future", "held_on"),
    (date(2026, 10, 31), "王局长", "n", False, "talk_before_month", "held_on"),
    (None, "王局长", "n", False, "field_required", "held_on"),
    (TODAY, "  ", "n", False, "field_required", "held_with"),
    (TODAY, "王局长", "", False, "field_required", "note"),
    (TODAY, "王" * 201, "n", False, "invalid_text", "held_with"),
    (TODAY, "王局长", "n" * 2001, False, "invalid_text", "note"),
    (TODAY, "王局长", "n", True, "talk_recorded", "held_on"),
])
def test_recording_a_talk(held_on: date | None, with_: str, note: str, already: bool,
                          code: str | None, field: str | None) -> None:
    if code is None:
        check_record(held_on, with_, note, NOV, TODAY, already)
        return
    with pytest.raises(Refusal) as refused:
        check_record(held_on, with_, note, NOV, TODAY, already)
    assert (refused.value.code, refused.value.field) == (code, field)
