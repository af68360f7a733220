"""The township party committee's opinion on a cadre's year (乡镇党委意见, seed 002: 个人年度
考核由乡镇党委提出意见, 报县委组织部复评确定等次): who writes it, what it must hold, and
that it is closed once the county has graded."""

from __future__ import annotations

import pytest

from checkin.domain.refusal import Refusal
from checkin.domain.township_opinion import (
    MAX_OPINION,
    MIN_OPINION,
    Writer,
    check_opinion,
    check_writing,
    may_write,
)

VILLAGE_A = "/1/2/3/10/20/"  # province 1 > city 2 > county 3 > township 10 > village 20
T1 = Writer(role="supervisor", level="township", area_path="/1/2/3/10/")
T2 = Writer(role="supervisor", level="township", area_path="/1/2/3/11/")
COUNTY = Writer(role="supervisor", level="county", area_path="/1/2/3/")
CITY = Writer(role="supervisor", level="city", area_path="/1/2/")
ADMIN = Writer(role="admin", level=None, area_path=None)
CADRE = Writer(role="cadre", level=None, area_path=None)
TOWNSHIP_10_PREFIX = Writer(role="supervisor", level="township", area_path="/1/2/3/1/")
OPINION = "该同志全年驻村在岗，走访到位，群众认可"


@pytest.mark.parametrize(("writer", "allowed"), [
    (T1, True),                   # the township of the cadre's village
    (T2, False),                  # another township of the same county
    (COUNTY, False),              # the county decides; it does not write the township's part
    (CITY, False),
    (ADMIN, False),
    (CADRE, False),
    (TOWNSHIP_10_PREFIX, False),  # /1/2/3/1/ is not a prefix of /1/2/3/10/…
])
def test_who_writes_the_townships_opinion(writer: Writer, allowed: bool) -> None:
    assert may_write(writer, VILLAGE_A) is allowed


@pytest.mark.parametrize(("writer", "decided", "code"), [
    (T1, False, None),
    (T1, True, "opinion_after_decision"),      # no opinion rewritten to excuse a grade
    (T2, False, "opinion_not_your_township"),
    (T2, True, "opinion_not_your_township"),   # who comes before when
    (COUNTY, False, "opinion_needs_township"),
    (CITY, False, "opinion_needs_township"),
    (ADMIN, False, "opinion_needs_township"),
    (CADRE, False, "opinion_needs_township"),
])
def test_writing_is_refused_to_others_and_after_the_county_decided(
        writer: Writer, decided: bool, code: str | None) -> None:
    if code is None:
        check_writing(writer, VILLAGE_A, decided=decided)
        return
    with pytest.raises(Refusal) as caught:
        check_writing(writer, VILLAGE_A, decided=decided)
    assert caught.value.code == code


@pytest.mark.parametrize(("text", "grade", "code", "field", "kept"), [
    (OPINION, "", None, None, (OPINION, None)),                 # no grade suggested
    (OPINION, "competent", None, None, (OPINION, "competent")),
    (OPINION, "excellent", None, None, (OPINION, "excellent")),
    (OPINION, "basic", None, None, (OPINION, "basic")),
    (OPINION, "incompetent", None, None, (OPINION, "incompetent")),
    (f"  {OPINION}\n", "", None, None, (OPINION, None)),        # kept trimmed
    ("", "competent", "opinion_text_required", "text", None),
    ("   \n ", "", "opinion_text_required", "text", None),
    ("同意", "competent", "opinion_text_short", "text", None),   # "同意" is no opinion
    ("x" * (MIN_OPINION - 1), "", "opinion_text_short", "text", None),
    ("x" * MIN_OPINION, "", None, None, ("x" * MIN_OPINION, None)),
    ("x" * MAX_OPINION, "", None, None, ("x" * MAX_OPINION, None)),
    ("x" * (MAX_OPINION + 1), "", "opinion_text_long", "text", None),
    (OPINION, "great", "opinion_grade_unknown", "suggested_grade", None),
    (OPINION, "Competent", "opinion_grade_unknown", "suggested_grade", None),
    (OPINION, "none", "opinion_grade_unknown", "suggested_grade", None),
])
def test_what_an_opinion_holds(text: str, grade: str, code: str | None, field: str | None,
                               kept: tuple[str, str | None] | None) -> None:
    if code is None:
        assert check_opinion(text, grade) == kept
        return
    with pytest.raises(Refusal) as caught:
        check_opinion(text, grade)
    assert (caught.value.code, caught.value.field) == (code, field)
