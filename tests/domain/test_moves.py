"""A household's move to another village (易地扶贫搬迁): who may move it, to whom, on which
day; each bad input its own refusal, checked before anything changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from checkin.domain import moves
from checkin.domain.refusal import Refusal

TODAY = date(2026, 6, 1)
GOOD = moves.MoveFacts(
    from_village_id=1, to_village_id=2, old_helper_id=10, new_helper_id=20,
    new_helper_village_id=2, outside_village_id=None, moved_on=TODAY - timedelta(days=3),
    today=TODAY, last_record_day=TODAY - timedelta(days=10), reason="易地扶贫搬迁")


def test_a_good_move_passes() -> None:
    moves.check(GOOD)
    moves.check(replace(GOOD, moved_on=TODAY, last_record_day=None, outside_village_id=2))
    moves.check(replace(GOOD, moved_on=GOOD.last_record_day))  # the day of the last visit


@pytest.mark.parametrize(("change", "code"), [
    ({"to_village_id": None}, "move_village_not_held"),  # unknown or not in the jurisdiction
    ({"to_village_id": 1}, "move_same_village"),
    ({"new_helper_id": 10, "new_helper_village_id": 1}, "move_helper_stays"),
    ({"new_helper_village_id": None}, "move_helper_not_in_village"),  # not an active cadre
    ({"new_helper_village_id": 3}, "move_helper_not_in_village"),
    ({"outside_village_id": 1}, "move_outside_not_in_village"),
    ({"moved_on": None}, "move_day_required"),
    ({"moved_on": TODAY + timedelta(days=1)}, "move_day_future"),
    ({"moved_on": TODAY - timedelta(days=11)}, "move_day_before_history"),
    ({"reason": "   "}, "move_reason_required"),
    ({"reason": "x" * (moves.REASON_LIMIT + 1)}, "move_reason_too_long"),
    ({"address": "x" * (moves.ADDRESS_LIMIT + 1)}, "move_address_too_long"),
])
def test_each_bad_input_is_refused(change: dict[str, object], code: str) -> None:
    with pytest.raises(Refusal) as caught:
        moves.check(replace(GOOD, **change))  # type: ignore[arg-type]
    assert caught.value.code == code


def test_the_village_is_checked_before_the_helper() -> None:
    """A move out of the jurisdiction says so, not that the helper does not fit."""
    with pytest.raises(Refusal) as caught:
        moves.check(replace(GOOD, to_village_id=None, new_helper_village_id=None))
    assert caught.value.code == "move_village_not_held"


def test_the_old_position_is_cleared_and_kept_in_the_move() -> None:
    assert moves.CLEARED_WITH_THE_VILLAGE == ("lat", "lon", "proposed_lat", "proposed_lon",
                                              "proposed_by_visit_id")
