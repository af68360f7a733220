"""季众评: quarters, what an answer must hold, suspect answers, how answers add up and join
the bulletin's satisfaction part."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from checkin.domain import public_evaluation as pe
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

POLICY = Policy()
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
])
def test_a_quarter_is_its_three_months(text: str, first: date, last: date) -> None:
    assert pe.parse_quarter(text) == (first, last)
    assert pe.quarter_of(first) == pe.quarter_of(last) == text


@pytest.mark.parametrize("text", ["2026-Q5", "2026-Q0", "2026Q4", "", "1999-Q1", "2026-q4"])
def test_a_malformed_quarter_is_refused(text: str) -> None:
    with pytest.raises(Refusal) as caught:
        pe.check_quarter(text, date(2026, 12, 2))
    assert caught.value.code == "invalid_quarter"


@pytest.mark.parametrize(("quarter", "today", "running", "ended"), [
    ("2026-Q4", date(2026, 10, 1), True, False),
    ("2026-Q4", date(2026, 12, 31), True, False),
    ("2026-Q4", date(2027, 1, 1), False, True),
    ("2026-Q3", date(2026, 12, 2), False, True),
])
def test_a_link_lives_with_its_quarter(quarter: str, today: date, running: bool,
                                       ended: bool) -> None:
    assert pe.quarter_running(quarter, today) is running
    assert pe.quarter_ended(quarter, today) is ended


def test_a_quarter_not_begun_is_refused() -> None:
    with pytest.raises(Refusal) as caught:
        pe.check_quarter("2027-Q1", date(2026, 12, 2))
    assert caught.value.code == "quarter_not_begun"


def test_recent_quarters_go_back() -> None:
    assert pe.recent_quarters(date(2026, 2, 1), 3) == ["2026-Q1", "2025-Q4", "2025-Q3"]


K = pe.CadreAnswer


@pytest.mark.parametrize(("team", "cadres", "remark", "code"), [
    ("satisfied", {1: K(True, "basic"), 2: K(False)}, "", None),
    ("unsatisfied", {1: K(True, "unsatisfied"), 2: K(True, "satisfied")}, "好" * 500, None),
    (None, {1: K(True, "basic"), 2: K(False)}, "", "evaluation_team_rating"),
    ("great", {1: K(True, "basic"), 2: K(False)}, "", "evaluation_team_rating"),
    ("basic", {1: K(True, "basic")}, "", "evaluation_knows"),  # cadre 2 not answered
    ("basic", {1: K(True, None), 2: K(False)}, "", "evaluation_cadre_rating"),
    ("basic", {1: K(True, "bad"), 2: K(False)}, "", "evaluation_cadre_rating"),
    ("basic", {1: K(True, "basic"), 2: K(False, "satisfied")}, "",
     "evaluation_unknown_rated"),  # rated a cadre they say they do not know
    ("basic", {1: K(True, "basic"), 2: K(False), 3: K(True, "basic")}, "",
     "evaluation_cadre_unknown"),  # a cadre of another team
    ("basic", {1: K(True, "basic"), 2: K(False)}, "好" * 501, "invalid_text"),
])
def test_what_an_answer_must_hold(team: str | None, cadres: dict[int, pe.CadreAnswer],
                                  remark: str, code: str | None) -> None:
    if code is None:
        pe.check_answer(team, cadres, [1, 2], remark)
        return
    with pytest.raises(Refusal) as caught:
        pe.check_answer(team, cadres, [1, 2], remark)
    assert caught.value.code == code


def _seen(i: int, minutes: float, device: str = "d1", channel: str = "qr",
          signed_in: bool = False) -> pe.Seen:
    return pe.Seen(id=i, channel=channel, at=T0 + timedelta(minutes=minutes), device=device,
                   signed_in=signed_in)


@pytest.mark.parametrize(("answers", "expected"), [
    # two from one phone: a family sharing one, not a burst
    ([_seen(1, 0), _seen(2, 5)], {}),
    # three within 30 minutes from one phone: all three
    ([_seen(1, 0), _seen(2, 10), _seen(3, 30)],
     {1: ("burst",), 2: ("burst",), 3: ("burst",)}),
    # spread over the day: none
    ([_seen(1, 0), _seen(2, 31), _seen(3, 62)], {}),
    # three phones: none
    ([_seen(1, 0, "a"), _seen(2, 1, "b"), _seen(3, 2, "c")], {}),
    # a checker's calls are entered one after another: never a burst
    ([_seen(1, 0, channel="call"), _seen(2, 1, channel="call"),
      _seen(3, 2, channel="call")], {}),
    # the fourth joins a burst later, the first stays outside it
    ([_seen(1, 0), _seen(2, 40), _seen(3, 50), _seen(4, 60)],
     {2: ("burst",), 3: ("burst",), 4: ("burst",)}),
    # a device that carried a signed-in session (the cadre's own phone)
    ([_seen(1, 0, signed_in=True)], {1: ("signed_in",)}),
    ([_seen(1, 0, signed_in=True), _seen(2, 1), _seen(3, 2)],
     {1: ("burst", "signed_in"), 2: ("burst",), 3: ("burst",)}),
    # no device known (a call): nothing to group on
    ([_seen(1, 0, ""), _seen(2, 1, ""), _seen(3, 2, "")], {}),
])
def test_suspect_answers_are_flagged(answers: list[pe.Seen],
                                     expected: dict[int, tuple[str, ...]]) -> None:
    assert pe.flags(answers, POLICY) == expected


def test_the_burst_is_policy() -> None:
    answers = [_seen(1, 0), _seen(2, 5)]
    assert pe.flags(answers, Policy(evaluation_burst_answers=2)) == {1: ("burst",),
                                                                     2: ("burst",)}
    assert pe.flags([_seen(1, 0), _seen(2, 10), _seen(3, 20)],
                    Policy(evaluation_burst_minutes=15)) == {}


@pytest.mark.parametrize(("ratings", "n", "share", "known_share", "judged"), [
    ([], 0, None, None, False),
    (["unsatisfied"], 1, 0.0, 1.0, False),  # one answer is not 0 %
    (["satisfied"] * 3 + ["basic"] + ["unsatisfied"], 5, 0.8, 1.0, True),
    (["satisfied"] * 2 + ["unsatisfied"] * 3, 5, 0.4, 1.0, True),
    (["satisfied"] * 4 + [None] * 4, 4, 1.0, 0.5, False),  # not known: not rated
    (["basic"] * 5 + [None] * 5, 5, 1.0, 0.5, True),
])
def test_how_answers_add_up(ratings: list[str | None], n: int, share: float | None,
                            known_share: float | None, judged: bool) -> None:
    r = pe.result(pe.tally(ratings), POLICY)
    assert (r.n, r.share, r.known_share, r.judged, r.too_few) == (
        n, share, known_share, judged, not judged)


def test_the_minimum_is_policy() -> None:
    t = pe.tally(["satisfied"] * 3)
    assert not pe.result(t, POLICY).judged
    assert pe.result(t, Policy(evaluation_min_answers=3)).judged


def test_tallies_add_counts_not_rates() -> None:
    a = pe.tally(["satisfied"] * 9 + ["unsatisfied"], flagged=2)
    b = pe.tally(["unsatisfied"] * 2)
    summed = a.plus(b)
    assert (summed.answers, summed.satisfied, summed.unsatisfied, summed.flagged) == (
        12, 9, 3, 2)
    assert pe.result(summed, POLICY).share == pytest.approx(0.75)


@pytest.mark.parametrize(("quarter", "today", "ratings", "visible"), [
    ("2026-Q3", date(2026, 12, 2), ["satisfied"] * 5, True),
    ("2026-Q4", date(2026, 12, 2), ["satisfied"] * 5, False),  # still running
    ("2026-Q3", date(2026, 12, 2), ["satisfied"] * 4, False),  # too few: could be one
])
def test_a_cadre_sees_only_an_ended_judged_quarter(quarter: str, today: date,
                                                   ratings: list[str], visible: bool) -> None:
    assert pe.visible_to_cadre(pe.result(pe.tally(ratings), POLICY), quarter,
                               today) is visible


@pytest.mark.parametrize(("spot", "ratings", "combined"), [
    ((0, 0, 0), [], (0, 0, 0)),
    ((3, 1, 1), [], (3, 1, 1)),
    ((0, 0, 0), ["satisfied", "basic", "unsatisfied"], (3, 1, 1)),
    ((2, 2, 0), ["unsatisfied"] * 4, (6, 2, 0)),  # 33 %: the warning line applies to the sum
])
def test_the_bulletin_adds_the_evaluation_to_the_calls(
        spot: tuple[int, int, int], ratings: list[str], combined: tuple[int, int, int]
) -> None:
    assert pe.bulletin_satisfaction(spot, pe.tally(ratings)) == combined
