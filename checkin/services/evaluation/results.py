"""The quarter's results per cadre, team, sending unit and township, a village's answers
with their flags, a cadre's quarters for their file, and the teams' month for the bulletin.

Decisions:

- Flags are judged among the answers of one village and quarter (a cadre hands out the
  links of their own village): every figure leaves flagged answers out and counts them.
- A supervisor sees the results of its area and, village by village, each answer with its
  flags, channel, time and who entered a call. A cadre sees no answer and no village's
  results: only their own figure in their file, for quarters that have ended, with enough
  answers (domain/public_evaluation.visible_to_cadre).
- Each figure is one grouped query or one query of the answers' few columns; nothing is
  loaded per row.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from checkin.domain import public_evaluation as rules
from checkin.domain.policy import Policy
from checkin.models import (
    Area,
    EvaluationAnswer,
    EvaluationRating,
    Team,
    User,
    Village,
)
from checkin.platform import clock
from checkin.platform.among import among
from checkin.scope import Scope

PAGE_SIZE = 200


@dataclass(frozen=True)
class Line:
    key: int | str
    label: str
    result: rules.Result
    place: str = ""
    village_id: int | None = None


@dataclass(frozen=True)
class Results:
    area: Area
    quarter: str
    total: rules.Result
    teams: list[Line]
    cadres: list[Line]
    units: list[Line]
    townships: list[Line]
    flagged: int
    cadre_page: int
    cadre_pages: int


def _seen_rows(session: Session, where: Iterable[ColumnElement[bool]]) -> list[tuple[object, ...]]:
    return list(session.execute(select(
        EvaluationAnswer.id, EvaluationAnswer.village_id, EvaluationAnswer.team_id,
        EvaluationAnswer.channel, EvaluationAnswer.created_at, EvaluationAnswer.device,
        EvaluationAnswer.signed_in_user_id, EvaluationAnswer.team_rating).where(*where)))


def flags_of(rows: list[tuple[object, ...]], policy: Policy) -> dict[int, tuple[str, ...]]:
    """Flags per answer id, judged village by village."""
    by_village: dict[object, list[rules.Seen]] = defaultdict(list)
    for row in rows:
        answer_id, village_id, _team, channel, at, device, signed_in, _rating = row
        assert isinstance(answer_id, int) and isinstance(at, datetime)
        by_village[village_id].append(rules.Seen(
            id=answer_id, channel=str(channel), at=at, device=str(device or ""),
            signed_in=signed_in is not None))
    out: dict[int, tuple[str, ...]] = {}
    for seen in by_village.values():
        out.update(rules.flags(seen, policy))
    return out


def _cadre_tallies(session: Session, where: Iterable[ColumnElement[bool]], flagged: set[int]
                   ) -> dict[int, rules.Tally]:
    """Per cadre: the ratings of answers not flagged (one grouped query, minus the few
    flagged answers' ratings)."""
    grouped = session.execute(
        select(EvaluationRating.cadre_id, EvaluationRating.rating, func.count())
        .join(EvaluationAnswer, EvaluationAnswer.id == EvaluationRating.answer_id)
        .where(*where).group_by(EvaluationRating.cadre_id, EvaluationRating.rating))
    counts: dict[int, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for cadre_id, rating, n in grouped:
        counts[cadre_id][rating] += int(n)
    minus: dict[int, int] = defaultdict(int)
    if flagged:
        for cadre_id, rating in session.execute(
                select(EvaluationRating.cadre_id, EvaluationRating.rating)
                .where(among(session, EvaluationRating.answer_id, flagged))):
            counts[cadre_id][rating] -= 1
            minus[cadre_id] += 1
    return {cadre_id: rules.tally(
        [r for r, n in ratings.items() for _i in range(max(n, 0))], flagged=minus[cadre_id])
        for cadre_id, ratings in counts.items()}


def _team_tallies(rows: list[tuple[object, ...]], flagged: set[int]
                  ) -> dict[int | None, rules.Tally]:
    ratings: dict[int | None, list[str | None]] = defaultdict(list)
    skipped: dict[int | None, int] = defaultdict(int)
    for answer_id, _village, team_id, *_rest, rating in rows:
        key = team_id if isinstance(team_id, int) else None
        if answer_id in flagged:
            skipped[key] += 1
        else:
            ratings[key].append(str(rating))
    # A team is rated, not known: the known share is the cadres' alone.
    return {key: dataclasses.replace(rules.tally(ratings.get(key, []), flagged=skipped[key]),
                                     known=0, unknown=0)
            for key in set(ratings) | set(skipped)}


def quarter_results(session: Session, scope: Scope, area: Area, quarter: str,
                    policy: Policy, cadre_page: int | None = 0) -> Results:
    """The area's quarter as the reader's scope holds it; `cadre_page` None: every cadre
    (the export), else that page of PAGE_SIZE."""
    rules.check_quarter(quarter, clock.today())
    villages = select(Village.id).where(scope.village_clause(),
                                        Scope("supervisor", None, area.path).village_clause())
    where = (EvaluationAnswer.quarter == quarter, EvaluationAnswer.village_id.in_(villages))
    rows = _seen_rows(session, where)
    flags = flags_of(rows, policy)
    flagged = set(flags)
    teams = _team_tallies(rows, flagged)
    team_rows = {t.id: t for t in session.scalars(
        select(Team).where(among(session, Team.id, [k for k in teams if k is not None]))
        .options(selectinload(Team.village), selectinload(Team.unit)))} if teams else {}
    township = _townships(session, [t.village for t in team_rows.values()])
    total = rules.Tally()
    units: dict[str, rules.Tally] = defaultdict(rules.Tally)
    towns: dict[int, rules.Tally] = defaultdict(rules.Tally)
    town_names: dict[int, str] = {}
    team_lines = []
    for team_id, t in teams.items():
        total = total.plus(t)
        team = team_rows.get(team_id) if team_id is not None else None
        if team is None:
            continue
        unit = team.unit.name if team.unit is not None else ""
        units[unit] = units[unit].plus(t)
        town = township.get(team.village_id)
        if town is not None:
            towns[town.id] = towns[town.id].plus(t)
            town_names[town.id] = town.name
        team_lines.append(Line(team.id, f"{team.code} · {team.village.name}",
                               rules.result(t, policy), unit, team.village_id))
    cadre_t = _cadre_tallies(session, where, flagged)
    ordered = sorted(cadre_t)
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    if cadre_page is None:
        shown, cadre_page = ordered, 0
    else:
        cadre_page = min(max(cadre_page, 0), pages - 1)
        shown = ordered[cadre_page * PAGE_SIZE:(cadre_page + 1) * PAGE_SIZE]
    people = {u.id: u for u in session.scalars(select(User).where(
        among(session, User.id, shown)).options(selectinload(User.village)))} if shown else {}
    cadre_lines = sorted((Line(uid, people[uid].name, rules.result(cadre_t[uid], policy),
                               _village_name(people[uid])) for uid in shown if uid in people),
                         key=lambda line: (line.place, line.label))
    return Results(
        area=area, quarter=quarter, total=rules.result(total, policy),
        teams=sorted(team_lines, key=lambda line: line.label), cadres=cadre_lines,
        units=[Line(k, k or "—", rules.result(v, policy)) for k, v in sorted(units.items())],
        townships=[Line(k, town_names[k], rules.result(v, policy))
                   for k, v in sorted(towns.items(), key=lambda kv: town_names[kv[0]])],
        flagged=len(flagged), cadre_page=cadre_page, cadre_pages=pages)


def _village_name(user: User) -> str:
    return user.village.name if user.village is not None else ""


def _townships(session: Session, villages: Iterable[Village]) -> dict[int, Area]:
    """Per village id: the township it lies in."""
    paths = {v.id: [int(p) for p in v.area_path.strip("/").split("/") if p] for v in villages}
    ids = {i for path in paths.values() for i in path}
    if not ids:
        return {}
    towns = {a.id: a for a in session.scalars(select(Area).where(
        among(session, Area.id, ids), Area.level == "township"))}
    return {vid: next(towns[i] for i in path if i in towns)
            for vid, path in paths.items() if any(i in towns for i in path)}


@dataclass(frozen=True)
class AnswerLine:
    answer: EvaluationAnswer
    flags: tuple[str, ...]


def village_answers(session: Session, village: Village, quarter: str, policy: Policy,
                    page: int = 0) -> tuple[list[AnswerLine], int, int]:
    """A page of the village's answers, newest first, with flags; and the pages and the
    number of answers."""
    where = (EvaluationAnswer.quarter == quarter, EvaluationAnswer.village_id == village.id)
    flags = flags_of(_seen_rows(session, where), policy)
    count = session.scalar(select(func.count()).select_from(EvaluationAnswer)
                           .where(*where)) or 0
    pages = max(1, -(-count // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    answers = session.scalars(
        select(EvaluationAnswer).where(*where)
        .options(selectinload(EvaluationAnswer.household),
                 selectinload(EvaluationAnswer.entered_by),
                 selectinload(EvaluationAnswer.signed_in_user),
                 selectinload(EvaluationAnswer.ratings).selectinload(EvaluationRating.cadre))
        .order_by(EvaluationAnswer.id.desc()).offset(page * PAGE_SIZE).limit(PAGE_SIZE))
    return [AnswerLine(a, flags.get(a.id, ())) for a in answers], pages, count


def _utc_span(first: date, last: date) -> tuple[datetime, datetime]:
    zone = clock.zone()
    return (datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC))


def cadre_quarters(session: Session, cadre: User, year: int, policy: Policy
                   ) -> list[tuple[str, rules.Result]]:
    """The cadre's figure for each quarter of the year that has answers."""
    out = []
    for n in range(1, 5):
        quarter = f"{year}-Q{n}"
        where = (EvaluationAnswer.quarter == quarter,
                 EvaluationAnswer.id.in_(select(EvaluationRating.answer_id)
                                         .where(EvaluationRating.cadre_id == cadre.id)))
        rows = _seen_rows(session, (EvaluationAnswer.quarter == quarter,
                                    EvaluationAnswer.village_id.in_(
                                        select(EvaluationAnswer.village_id).where(*where))))
        if not rows:
            continue
        flagged = set(flags_of(rows, policy))
        tally = _cadre_tallies(session, (*where, EvaluationRating.cadre_id == cadre.id),
                               flagged).get(cadre.id)
        if tally is not None:
            out.append((quarter, rules.result(tally, policy)))
    return out


def team_month(session: Session, team_ids: list[int], first: date, last: date,
               policy: Policy) -> dict[int, rules.Tally]:
    """Per team: the team ratings of answers given in the month (not flagged), for the
    bulletin's satisfaction part."""
    if not team_ids:
        return {}
    quarter = rules.quarter_of(first)
    villages = select(EvaluationAnswer.village_id).where(
        among(session, EvaluationAnswer.team_id, team_ids),
        EvaluationAnswer.quarter == quarter)
    rows = _seen_rows(session, (EvaluationAnswer.quarter == quarter,
                                EvaluationAnswer.village_id.in_(villages)))
    flagged = set(flags_of(rows, policy))
    start, end = _utc_span(first, last)
    wanted = set(team_ids)
    in_month = [r for r in rows if isinstance(r[4], datetime) and start <= r[4] < end
                and r[2] in wanted]
    return {k: v for k, v in _team_tallies(in_month, flagged).items() if k is not None}
