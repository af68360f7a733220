"""The one way a day typed in a form is read (web/forms.form_day): every way an office
types a date, as the roster import reads it; an Excel serial or nonsense is refused."""

from __future__ import annotations

from datetime import date

import pytest

from checkin.domain.refusal import Refusal
from checkin.web.forms import form_day, required_day


@pytest.mark.parametrize(("typed", "day"), [
    ("2026-12-01", date(2026, 12, 1)),
    ("2026/12/1", date(2026, 12, 1)),
    ("2026-1-1", date(2026, 1, 1)),
    ("2026年12月1日", date(2026, 12, 1)),
    ("２０２６－１２－０１", date(2026, 12, 1)),  # full-width, as a Chinese keyboard types it
    ("20261201", date(2026, 12, 1)),
    (" 2026-12-01 ", date(2026, 12, 1)),
    ("", None),
    ("   ", None),
])
def test_a_day_as_an_office_types_it(typed: str, day: date | None) -> None:
    assert form_day(typed, "start") == day


@pytest.mark.parametrize("typed", ["12", "45000", "2026-02-30", "yesterday", "2026-13-01",
                                   "1" * 500])
def test_anything_else_is_refused_on_its_field(typed: str) -> None:
    with pytest.raises(Refusal) as refused:
        form_day(typed, "start")
    assert refused.value.code == "not_a_date" and refused.value.field == "start"


def test_a_required_day_is_refused_when_empty_and_a_form_may_name_its_refusal() -> None:
    with pytest.raises(Refusal) as refused:
        required_day("", "end_date")
    assert refused.value.field == "end_date"
    with pytest.raises(Refusal) as moved:
        form_day("soon", "moved_on", "move_day_not_a_date")
    assert moved.value.code == "move_day_not_a_date"
