"""Recall and rotation: what a request and a decision take, and how the term splits."""

from __future__ import annotations

from datetime import date

import pytest

from checkin.domain.refusal import Refusal
from checkin.domain.rotation import (
    Post,
    Request,
    check_decision,
    check_request,
    is_backdated,
    split_term,
)

TODAY = date(2026, 6, 15)
POST = Post(term_start=date(2025, 3, 1), term_end=date(2027, 2, 28))


def _code(call) -> tuple[str | None, str | None]:
    try:
        call()
    except Refusal as exc:
        return exc.code, exc.field
    return None, None


@pytest.mark.parametrize(("request_", "post", "code", "field"), [
    # a recall from today, no replacement yet
    (Request("recall", TODAY, "庸懒散拖"), POST, None, None),
    # a rotation with a replacement the day after
    (Request("rotation", TODAY, "身体原因", replacement_id=7, starts_on=date(2026, 6, 16)),
     POST, None, None),
    # the replacement may start the day the other leaves (a handover day)
    (Request("rotation", TODAY, "r", replacement_id=7, starts_on=TODAY), POST, None, None),
    (Request("term_end", date(2026, 12, 31), "期满"), POST, None, None),
    # back-dated: the last day before today needs a written reason
    (Request("recall", date(2026, 5, 1), "r"), POST, "field_required", "backdate_reason"),
    (Request("recall", date(2026, 5, 1), "r", backdate_reason="   "), POST,
     "field_required", "backdate_reason"),
    (Request("recall", date(2026, 5, 1), "r", backdate_reason="病假期间离岗"), POST, None, None),
    # a reason for back-dating when nothing is back-dated is refused (no silent excuse)
    (Request("recall", TODAY, "r", backdate_reason="x"), POST, "rotation_not_backdated",
     "backdate_reason"),
    # a replacement is never put on post in the past
    (Request("rotation", TODAY, "r", replacement_id=7, starts_on=date(2026, 6, 14)), POST,
     "rotation_start_backdated", "starts_on"),
    (Request("rotation", date(2026, 7, 1), "r", replacement_id=7, starts_on=date(2026, 6, 20)),
     POST, "rotation_start_before_leave", "starts_on"),
    (Request("rotation", TODAY, "r", replacement_id=7), POST, "field_required", "starts_on"),
    (Request("rotation", TODAY, "r", starts_on=TODAY), POST, "field_required", "replacement"),
    (Request("rotation", TODAY, "r", replacement_id=7, starts_on=date(2027, 3, 1)), POST,
     "rotation_after_term", "starts_on"),
    # the last day lies inside the term
    (Request("recall", date(2025, 2, 1), "r", backdate_reason="x"), POST,
     "rotation_before_term", "leaves_on"),
    (Request("term_end", date(2027, 3, 1), "r"), POST, "rotation_after_term", "leaves_on"),
    (Request("recall", None, "r"), POST, "field_required", "leaves_on"),
    (Request("fired", TODAY, "r"), POST, "not_in_choices", "kind"),
    (Request("recall", TODAY, ""), POST, "field_required", "reason"),
    (Request("recall", TODAY, "r" * 2001), POST, "invalid_text", "reason"),
    # one request at a time; a cadre who left does not leave again
    (Request("recall", TODAY, "r"), Post(POST.term_start, POST.term_end, open_request=True),
     "rotation_open", "leaves_on"),
    (Request("recall", TODAY, "r"), Post(POST.term_start, POST.term_end, already_left=True),
     "rotation_already_left", "leaves_on"),
])
def test_a_request_follows_the_rules(request_: Request, post: Post, code: str | None,
                                     field: str | None) -> None:
    assert _code(lambda: check_request(request_, post, TODAY)) == (code, field)


@pytest.mark.parametrize(("level", "decider", "approve", "note", "decided", "code"), [
    ("county", 2, True, "", False, None),
    ("city", 2, True, "", False, None),
    ("province", 2, False, "不同意", False, None),
    ("township", 2, True, "", False, "rotation_needs_county"),
    ("village", 2, True, "", False, "rotation_needs_county"),
    ("county", 1, True, "", False, "rotation_own_request"),  # 1 asked
    ("county", 2, False, "", False, "field_required"),  # a refusal says why
    ("county", 2, True, "", True, "rotation_decided"),
])
def test_the_county_decides_once_and_not_its_own_request(
        level: str, decider: int, approve: bool, note: str, decided: bool,
        code: str | None) -> None:
    assert _code(lambda: check_decision(level, decider, 1, decided, approve, note))[0] == code


@pytest.mark.parametrize(("leaves_on", "backdated"), [
    (date(2026, 6, 14), True), (TODAY, False), (date(2026, 6, 16), False)])
def test_a_last_day_before_the_request_is_backdated(leaves_on: date, backdated: bool) -> None:
    assert is_backdated(leaves_on, TODAY) is backdated


TEAM = (date(2025, 3, 1), date(2027, 2, 28))


@pytest.mark.parametrize(("team", "own_start", "own_end", "term"), [
    (TEAM, None, None, TEAM),  # a resident cadre as before: the team's term
    (TEAM, None, date(2026, 6, 15), (TEAM[0], date(2026, 6, 15))),  # left
    (TEAM, date(2026, 6, 16), None, (date(2026, 6, 16), TEAM[1])),  # the replacement
    (TEAM, date(2024, 1, 1), date(2028, 1, 1), TEAM),  # never wider than the team's
    ((TEAM[0], None), None, date(2026, 6, 15), (TEAM[0], date(2026, 6, 15))),
    ((TEAM[0], None), date(2026, 6, 16), None, (date(2026, 6, 16), None)),
])
def test_a_cadres_term_is_the_teams_narrowed_by_their_own(
        team: tuple[date, date | None], own_start: date | None, own_end: date | None,
        term: tuple[date, date | None]) -> None:
    assert split_term(team[0], team[1], own_start, own_end) == term
