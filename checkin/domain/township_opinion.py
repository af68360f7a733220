"""The township party committee's opinion on a cadre's year (乡镇党委意见), written before
the county grades (seed 002: 个人年度考核由乡镇党委提出意见，报县委组织部复评确定等次).

Decisions, in the words a county office would use:

- Only a supervisor of the township that holds the cadre's village writes it: not the
  county (it decides; it does not write the township's part of the form), not another
  township, not an admin or the cadre.
- The opinion is free text of MIN_OPINION to MAX_OPINION characters ("同意" is not an
  opinion) with, if the township wishes, one suggested grade of the four.
- Once the county has recorded a grade for the year, the township writes no more: an
  opinion rewritten after the grade would read as if the township had said so before,
  and could be made to excuse (or to blame) after the fact. The county's later changes
  of its own grade do not reopen it.
- An opinion is never changed: writing again makes a new version that supersedes the
  last one; every version stays, the latest is the township's opinion.
"""

from __future__ import annotations

from dataclasses import dataclass

from checkin.domain.assessment import GRADES, Grade
from checkin.domain.refusal import Refusal

MIN_OPINION = 10  # characters, after trimming
MAX_OPINION = 2000


@dataclass(frozen=True)
class Writer:
    """Who asks to write: a role, and for a supervisor its area's level and path."""

    role: str
    level: str | None
    area_path: str | None


def may_write(writer: Writer, village_path: str) -> bool:
    """A supervisor of a township whose subtree holds the cadre's village."""
    return (writer.role == "supervisor" and writer.level == "township"
            and bool(writer.area_path) and village_path.startswith(writer.area_path or "~"))


def check_writing(writer: Writer, village_path: str, *, decided: bool) -> None:
    """Whether this writer may write the opinion now (`decided`: the county has graded the
    year)."""
    if writer.role != "supervisor" or writer.level != "township":
        raise Refusal("opinion_needs_township")
    if not may_write(writer, village_path):
        raise Refusal("opinion_not_your_township")
    if decided:
        raise Refusal("opinion_after_decision")


def check_opinion(text: str, suggested_grade: str) -> tuple[str, Grade | None]:
    """The opinion's text (trimmed) and suggested grade (None: none), if they may be
    recorded."""
    text = text.strip()
    if not text:
        raise Refusal("opinion_text_required", field="text")
    if len(text) < MIN_OPINION:
        raise Refusal("opinion_text_short", field="text", min=MIN_OPINION)
    if len(text) > MAX_OPINION:
        raise Refusal("opinion_text_long", field="text", limit=MAX_OPINION, n=len(text))
    if suggested_grade == "":
        return text, None
    for grade in GRADES:
        if suggested_grade == grade:
            return text, grade
    raise Refusal("opinion_grade_unknown", field="suggested_grade")
