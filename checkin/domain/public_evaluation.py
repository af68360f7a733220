"""季众评, the quarterly public evaluation (seed 001): households rate the village's work team
and each of its cadres once a quarter; what an answer must hold, which answers are suspect,
how answers add up, and how they join the bulletin's satisfaction part.

Decisions, in the words a county office would use:

- A quarter is ``YYYY-Qn``. Each household answers once per quarter (the database holds
  one answer per household and quarter), on its own link (a QR code on the sheet the
  township prints and the team hands out) while the quarter runs, or a checker enters it
  from a phone call. A link dies with its quarter, and when a new sheet is printed.
- An answer rates the team (满意/基本满意/不满意), and for each cadre of the team says
  whether the household knows them (认识/不认识); a cadre the household knows is rated, a
  cadre it does not know is not (the "known" share is a figure of its own: a cadre whom
  few households know is seldom in the village). A remark is optional, at most
  MAX_REMARK characters.
- 满意度 is read as in the bulletin: (满意 + 基本满意) / answers. A figure is judged only on
  at least policy.evaluation_min_answers answers; with fewer it is "too few answers"
  (shown with n, never ranked or warned about), and a cadre never sees their own figure
  for a quarter that has not ended or has too few answers (nor ever a single answer).
- Suspect answers (the team hands out the QR codes, so a cadre could fill them in): an
  answer on a link made on a device that carried a signed-in session (``signed_in``), or
  one of policy.evaluation_burst_answers or more link answers of one village made from the
  same device (the same network /24 and browser) within policy.evaluation_burst_minutes
  (``burst``), is flagged (flags() is given one village's answers). Flagged answers are
  shown to supervisors with the flag and left out of every figure: n counts the answers
  that are not flagged, and the flagged ones are counted beside it. Calls are entered
  one after another by a checker and are never a burst.
- The bulletin (bulletin_satisfaction): each household's answer is one voice, whichever
  way it was heard. The month's satisfaction part adds the team ratings of the
  evaluation answers given in that month (not flagged) to the spot-check calls' answers:
  counts are added, not rates, and the bulletin's own minimum of answers and its 70 %
  warning line (the warning talk) apply to the sum.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

RATINGS: tuple[str, ...] = ("satisfied", "basic", "unsatisfied")
CHANNELS: tuple[str, ...] = ("qr", "call")
MAX_REMARK = 500
Flag = Literal["burst", "signed_in"]
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def parse_quarter(text: str) -> tuple[date, date]:
    """First and last day of ``YYYY-Qn``; ValueError if malformed."""
    found = _QUARTER.match(text or "")
    if not found or not 2000 <= int(found.group(1)) <= 2100:
        raise ValueError(f"not a quarter: {text!r}")
    year, number = int(found.group(1)), int(found.group(2))
    first = date(year, 3 * number - 2, 1)
    after = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return first, after - timedelta(days=1)


def check_quarter(text: str, today: date) -> tuple[date, date]:
    """The quarter's days, refused when malformed or not begun."""
    try:
        first, last = parse_quarter(text)
    except ValueError as exc:
        raise Refusal("invalid_quarter", field="quarter") from exc
    if first > today:
        raise Refusal("quarter_not_begun", field="quarter")
    return first, last


def quarter_running(quarter: str, today: date) -> bool:
    first, last = parse_quarter(quarter)
    return first <= today <= last


def quarter_ended(quarter: str, today: date) -> bool:
    return parse_quarter(quarter)[1] < today


def recent_quarters(today: date, count: int = 4) -> list[str]:
    out, day = [], today
    for _n in range(count):
        out.append(quarter_of(day))
        day = parse_quarter(out[-1])[0] - timedelta(days=1)
    return out


@dataclass(frozen=True)
class CadreAnswer:
    knows: bool | None  # None: not answered
    rating: str | None = None


def check_answer(team_rating: str | None, cadres: Mapping[int, CadreAnswer],
                 expected: Iterable[int], remark: str) -> None:
    """Refuse an answer that breaks a rule: the team rated, every cadre of the team said
    known or not, a known cadre rated and an unknown one not, a bounded remark."""
    if team_rating not in RATINGS:
        raise Refusal("evaluation_team_rating", field="team")
    for cadre_id in expected:
        answer = cadres.get(cadre_id, CadreAnswer(None))
        if answer.knows is None:
            raise Refusal("evaluation_knows", field=f"knows_{cadre_id}")
        if answer.knows and answer.rating not in RATINGS:
            raise Refusal("evaluation_cadre_rating", field=f"rating_{cadre_id}")
        if not answer.knows and answer.rating is not None:
            raise Refusal("evaluation_unknown_rated", field=f"rating_{cadre_id}")
    if set(cadres) - set(expected):
        raise Refusal("evaluation_cadre_unknown", field="cadres")
    if len(remark) > MAX_REMARK:
        raise Refusal("invalid_text", field="remark", name="remark", limit=MAX_REMARK)


@dataclass(frozen=True)
class Seen:
    """What flags are judged on: an answer's channel, moment, device and whether the device
    carried a signed-in session."""

    id: int
    channel: str
    at: datetime
    device: str
    signed_in: bool = False


def flags(answers: Sequence[Seen], policy: Policy) -> dict[int, tuple[Flag, ...]]:
    """Flags per answer id (answers without flags are left out)."""
    window = timedelta(minutes=policy.evaluation_burst_minutes)
    need = policy.evaluation_burst_answers
    by_device: dict[str, list[Seen]] = {}
    for a in answers:
        if a.channel == "qr" and a.device:
            by_device.setdefault(a.device, []).append(a)
    burst: set[int] = set()
    for group in by_device.values():
        group.sort(key=lambda a: a.at)
        start = 0
        for end, a in enumerate(group):
            while a.at - group[start].at > window:
                start += 1
            if end - start + 1 >= need:
                burst.update(g.id for g in group[start:end + 1])
    out: dict[int, tuple[Flag, ...]] = {}
    for a in answers:
        found: list[Flag] = []
        if a.id in burst:
            found.append("burst")
        if a.channel == "qr" and a.signed_in:
            found.append("signed_in")
        if found:
            out[a.id] = tuple(found)
    return out


@dataclass(frozen=True)
class Tally:
    """Counts of one cadre, team, unit or area: ratings of answers not flagged, and for a
    cadre how many said they know them."""

    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    known: int = 0
    unknown: int = 0
    flagged: int = 0

    @property
    def answers(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    def plus(self, other: Tally) -> Tally:
        return Tally(*(a + b for a, b in zip(self.counts, other.counts, strict=True)))

    @property
    def counts(self) -> tuple[int, ...]:
        return (self.satisfied, self.basic, self.unsatisfied, self.known, self.unknown,
                self.flagged)


@dataclass(frozen=True)
class Result:
    """A figure as shown: n, the satisfied share and the known share (None without data),
    and whether n is enough to judge it."""

    tally: Tally
    share: float | None
    known_share: float | None
    judged: bool
    counts: tuple[int, int, int] = field(default=(0, 0, 0))

    @property
    def n(self) -> int:
        return self.tally.answers

    @property
    def too_few(self) -> bool:
        return not self.judged


def result(tally: Tally, policy: Policy) -> Result:
    n = tally.answers
    asked = tally.known + tally.unknown
    return Result(tally=tally,
                  share=(tally.satisfied + tally.basic) / n if n else None,
                  known_share=tally.known / asked if asked else None,
                  judged=n > 0 and n >= policy.evaluation_min_answers,
                  counts=(tally.satisfied, tally.basic, tally.unsatisfied))


def tally(ratings: Iterable[str | None], flagged: int = 0) -> Tally:
    """Ratings of answers (None: the cadre was not known) into a tally."""
    counts = dict.fromkeys(RATINGS, 0)
    unknown = 0
    for rating in ratings:
        if rating is None:
            unknown += 1
        else:
            counts[rating] += 1
    return Tally(satisfied=counts["satisfied"], basic=counts["basic"],
                 unsatisfied=counts["unsatisfied"], known=sum(counts.values()),
                 unknown=unknown, flagged=flagged)


def visible_to_cadre(r: Result, quarter: str, today: date) -> bool:
    """A cadre sees their own figure only once the quarter has ended and it is judged."""
    return quarter_ended(quarter, today) and r.judged


def bulletin_satisfaction(spot: tuple[int, int, int], evaluation: Tally
                          ) -> tuple[int, int, int]:
    """The month's satisfaction part as (answers, satisfied, basic): the spot-check calls'
    answers and the evaluation's team ratings of the month, added."""
    answers, satisfied, basic = spot
    return (answers + evaluation.answers, satisfied + evaluation.satisfied,
            basic + evaluation.basic)
