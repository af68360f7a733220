"""The monthly bulletin (月通报) of an area: each team's parts, score and rank, the red flag
and yellow cards (ranking.rank_teams), and the spot-check and satisfaction rates per
cadre, team and sending unit.

Decisions:

- The teams are those whose term overlaps the month, in villages of the area. Members are
  the team's active cadres.
- Attendance pace: the team's counted days over the days its members owed so far this
  month (reporting.attendance_pace on the sums). Coverage: the village's poor and
  monitored households visited within 60 days and contacted within 30, as of the month's
  end (or today, for the current month); a village without such households owes nothing
  and scores full coverage.
- Spot checks and satisfaction: results recorded in the month for the team's cadres,
  whoever drew them (township or county). A failure is a serious finding, hence a yellow
  card (findings.verdict); the team's line carries its findings, so the card says what
  was found.
- Groups: sending units by the team's unit, townships and counties by the village's
  place in the area tree (ranking.rank_groups).
- The quarterly public evaluation (季众评) joins the satisfaction part: the team ratings of
  the evaluation answers given in the month, not flagged, are added to the spot-check
  answers of the team (public_evaluation.bulletin_satisfaction); the minimum of answers
  and the warning line apply to the sum, so the warning talk follows. An answer counts in
  the month it was given, which has ended when the month is published: a published
  bulletin never changes with later answers.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import attendance, cadence, findings, ranking, reporting
from checkin.domain import public_evaluation as evaluation_rules
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import Area, Household, Team, User, Visit
from checkin.platform.among import among
from checkin.platform.periods import overlaps
from checkin.scope import Scope
from checkin.services.attendance import ledger
from checkin.services.evaluation import results as evaluation
from checkin.services.spotchecks import results
from checkin.services.visits.households import superseded


@dataclass(frozen=True)
class TeamLine:
    row: ranking.BulletinRow
    team: Team
    unit_name: str
    counts: findings.Counts
    attendance: tuple[int, float]  # counted days, expected days
    findings: tuple[results.Judged, ...] = ()
    township: Area | None = None
    county: Area | None = None


@dataclass(frozen=True)
class GroupLine:
    row: ranking.GroupRow
    name: str


@dataclass(frozen=True)
class RateLine:
    label: str
    key: Hashable
    rates: ranking.Rates


@dataclass(frozen=True)
class Bulletin:
    area: Area
    month: str
    first: date
    last: date
    asof: date
    lines: list[TeamLine]
    units: list[RateLine]
    cadres: list[RateLine]
    findings: list[results.Judged]
    groups: dict[str, list[GroupLine]]

    @property
    def red_flags(self) -> list[TeamLine]:
        return [line for line in self.lines if line.row.award == "red_flag"]

    @property
    def yellow_cards(self) -> list[TeamLine]:
        return [line for line in self.lines if line.row.award == "yellow_card"]

    @property
    def warnings(self) -> list[TeamLine]:
        return [line for line in self.lines if line.row.satisfaction_warning]


def month_span(month: str, today: date) -> tuple[date, date, date]:
    """First and last day of the month and the day its figures run to; 400/422 if bad."""
    try:
        first, last = reporting.parse_month(month)
    except ValueError as exc:
        raise Refusal("invalid_month", field="month") from exc
    if first > today:
        raise Refusal("month_not_begun", field="month")
    return first, last, min(last, today)


def area_scope(area: Area) -> Scope:
    return Scope(role="supervisor", user_id=None, area_path=area.path)


def monthly_bulletin(session: Session, scope: Scope, area: Area, month: str, today: date,
                     policy: Policy) -> Bulletin:
    first, last, asof = month_span(month, today)
    villages = area_scope(area).village_ids()
    teams = list(session.scalars(
        select(Team).where(Team.village_id.in_(villages), Team.village_id.in_(scope.village_ids()),
                           overlaps(Team.term_start, Team.term_end, first, last,
                                    open_end=True))
        .options(selectinload(Team.village), selectinload(Team.unit)).order_by(Team.id)))
    members = _members(session, [t.id for t in teams])
    paces = _attendance(session, teams, members, first, last, asof, policy)
    coverage = _coverage(session, {t.village_id for t in teams}, asof, policy)
    judged = results.results_between(session, scope, first, last, villages,
                                        whoever_drew=True)
    team_of: dict[int, int | None] = {u: team for team, group in members.items()
                                      for u in group}
    team_of.update({j.item.user_id: j.item.user.team_id for j in judged
                    if j.item.user_id not in team_of})
    per_team = _with_evaluation(
        _counts_by(judged, lambda j: team_of.get(j.item.user_id)),
        evaluation.team_month(session, [t.id for t in teams], first, last, policy))
    rows = []
    for team in teams:
        counts = per_team.get(team.id, findings.Counts())
        due, visited, contacted = coverage.get(team.village_id, (0, 0, 0))
        counted, expected = paces[team.id]
        rows.append(ranking.TeamMonth(
            team_id=team.id, village_id=team.village_id, unit=_unit(team),
            attendance_pace=reporting.attendance_pace(counted, expected),
            visit_coverage=visited / due if due else 1.0,
            contact_coverage=contacted / due if due else 1.0, spotchecks=counts.checks,
            spotcheck_failures=counts.failures, satisfaction_answers=counts.answers,
            satisfied=counts.satisfied, basic=counts.basic, serious_findings=counts.failures,
            counted_days=counted, expected_days=expected, households_due=due,
            households_visited=visited, households_contacted=contacted))
    by_id = {t.id: t for t in teams}
    serious: dict[int, list[results.Judged]] = defaultdict(list)
    for j in judged:
        if j.serious and team_of.get(j.item.user_id) is not None:
            serious[team_of[j.item.user_id] or 0].append(j)
    places = _places(session, teams)
    lines = [TeamLine(row, by_id[row.team_id], row.unit,
                      per_team.get(row.team_id, findings.Counts()), paces[row.team_id],
                      tuple(serious.get(row.team_id, ())), *places.get(row.team_id, (None, None)))
             for row in ranking.rank_teams(rows, policy)]
    return Bulletin(area=area, month=month, first=first, last=last, asof=asof, lines=lines,
                    units=_unit_rates(lines), cadres=_cadre_rates(judged),
                    findings=[j for j in judged if j.serious], groups=_groups(lines))


def _places(session: Session, teams: list[Team]) -> dict[int, tuple[Area | None, Area | None]]:
    """Per team: the township and the county its village lies in."""
    paths = {t.id: [int(p) for p in t.village.area_path.strip("/").split("/") if p]
             for t in teams}
    ids = {i for path in paths.values() for i in path}
    areas = {a.id: a for a in session.scalars(select(Area).where(
        among(session, Area.id, ids), Area.level.in_(("township", "county"))))} if ids else {}
    out: dict[int, tuple[Area | None, Area | None]] = {}
    for team_id, path in paths.items():
        found = [areas[i] for i in path if i in areas]
        out[team_id] = (next((a for a in found if a.level == "township"), None),
                        next((a for a in found if a.level == "county"), None))
    return out


def _groups(lines: list[TeamLine]) -> dict[str, list[GroupLine]]:
    """对表排位: sending units, townships and counties, each on the mean of its teams."""
    rows = [line.row for line in lines]
    keyed: dict[str, dict[int, tuple[str, str] | None]] = {
        "units": {line.row.team_id: (line.team.unit.code, line.team.unit.name)
                  if line.team.unit is not None else None for line in lines},
        "townships": {line.row.team_id: (str(line.township.id), line.township.name)
                      if line.township is not None else None for line in lines},
        "counties": {line.row.team_id: (str(line.county.id), line.county.name)
                     if line.county is not None else None for line in lines},
    }
    out: dict[str, list[GroupLine]] = {}
    for kind, group_of in keyed.items():
        names = {key: name for key, name in (v for v in group_of.values() if v)}
        out[kind] = [GroupLine(g, names[str(g.key)]) for g in ranking.rank_groups(
            rows, {t: (v[0] if v else None) for t, v in group_of.items()})]
    return out


def _unit(team: Team) -> str:
    return team.unit.name if team.unit is not None else ""


def _members(session: Session, team_ids: list[int]) -> dict[int, list[int]]:
    """The ids of each team's active cadres: light rows, not Users (a province's 22,000
    as objects took 0.7 s of the bulletin's 2.4 s)."""
    found: dict[int, list[int]] = defaultdict(list)
    for user_id, team_id in session.execute(select(User.id, User.team_id).where(
            among(session, User.team_id, team_ids), User.role == "cadre",
            User.active.is_(True)).order_by(User.id)):
        found[team_id or 0].append(user_id)
    return found


def _attendance(session: Session, teams: list[Team], members: dict[int, list[int]],
                first: date, last: date, asof: date, policy: Policy
                ) -> dict[int, tuple[int, float]]:
    """Per team: counted days so far this month and the days its members owed."""
    windows = {team.id: reporting.elapsed_in_term(first, last, asof, team.term_start,
                                                  team.term_end) for team in teams}
    ids = [u for team in teams if windows[team.id] for u in members.get(team.id, [])]
    # Days on post from the month's bitmask (attendance_years), cut to the window: one
    # light row per cadre, where counting a province's 520,000 days took 0.35 s in SQL.
    masks = ledger.month_masks(session, ids, first.year, first.month)
    leaves = ledger.leaves_of(session, ids, first, asof)
    # Only counting leave (official business, training) needs the days themselves: on post
    # wins over leave on the same day, so those cadres are classified day by day.
    counting = attendance.counting_categories(policy) - {"on_post"}
    mixed = {u for u, spans in leaves.items() if any(sp.kind in counting for sp in spans)}
    days = ledger.days_on_post(session, list(mixed), first, asof) if mixed else {}
    paces: dict[int, tuple[int, float]] = {}
    for team in teams:
        counted, expected, window = 0, 0.0, windows[team.id]
        for user_id in members.get(team.id, []) if window is not None else []:
            assert window is not None  # the loop runs only with a window
            if user_id in mixed:
                classified = attendance.classify_days(days.get(user_id, set()),
                                                      leaves.get(user_id, []), window[0],
                                                      window[1], asof)
                counted += attendance.counted_days(Counter(classified.values()), policy)
            else:
                counted += reporting.days_in_month_mask(masks.get(user_id, 0),
                                                        window[0].day, window[1].day)
            expected += reporting.expected_days((window[1] - window[0]).days + 1,
                                                first.year, policy.days_on_post_per_year)
        paces[team.id] = (counted, expected)
    return paces


def _coverage(session: Session, village_ids: set[int], asof: date, policy: Policy
              ) -> dict[int, tuple[int, int, int]]:
    """Per village: cadence households due, those visited within policy.visit_every_days
    and those contacted (a visit is a contact) within policy.contact_every_days, as of
    asof: cadence.coverage, counted by the database in one grouped query."""
    visit_since = asof - timedelta(days=policy.visit_every_days)
    contact_since = asof - timedelta(days=policy.contact_every_days)
    last = (select(Visit.household_id.label("household_id"),
                   func.max(Visit.local_day).label("contact"),
                   func.max(Visit.local_day).filter(Visit.kind == "visit").label("visit"))
            .where(among(session, Visit.village_id, village_ids),
                   Visit.local_day.between(min(visit_since, contact_since), asof),
                   Visit.id.not_in(superseded()))
            .group_by(Visit.household_id).subquery())
    rows = session.execute(
        select(Household.village_id, func.count(),
               func.count().filter(last.c.visit >= visit_since),
               func.count().filter(last.c.contact >= contact_since))
        .outerjoin(last, last.c.household_id == Household.id)
        .where(among(session, Household.village_id, village_ids),
               Household.status.in_(cadence.CADENCE_STATUSES))
        .group_by(Household.village_id))
    counts = dict.fromkeys(village_ids, (0, 0, 0))  # nothing owed: full coverage
    for village_id, total, visited, contacted in rows:
        counts[village_id] = (int(total), int(visited), int(contacted))
    return counts


def _counts_by(judged: list[results.Judged], key: Callable[[results.Judged], Hashable]
               ) -> dict[Hashable, findings.Counts]:
    groups: dict[Hashable, list[tuple[findings.Verdict, str | None]]] = defaultdict(list)
    for j in judged:
        groups[key(j)].append((j.verdict, j.satisfaction))
    return {k: findings.count(v) for k, v in groups.items()}


def _with_evaluation(per_team: dict[Hashable, findings.Counts],
                     heard: dict[int, evaluation_rules.Tally]) -> dict[Hashable, findings.Counts]:
    """The teams' spot-check counts with the month's evaluation answers added to their
    satisfaction (public_evaluation.bulletin_satisfaction)."""
    out = dict(per_team)
    for team_id, tally in heard.items():
        counts = out.get(team_id, findings.Counts())
        answers, satisfied, basic = evaluation_rules.bulletin_satisfaction(
            (counts.answers, counts.satisfied, counts.basic), tally)
        out[team_id] = dataclasses.replace(counts, answers=answers, satisfied=satisfied,
                                           basic=basic,
                                           unsatisfied=counts.unsatisfied + tally.unsatisfied)
    return out


def _tally(key: Hashable, counts: findings.Counts) -> ranking.Tally:
    return ranking.Tally(key=key, checks=counts.checks, failures=counts.failures,
                         answers=counts.answers, satisfied=counts.satisfied, basic=counts.basic)


def _unit_rates(lines: list[TeamLine]) -> list[RateLine]:
    """A sending unit's rates are those of its teams' checks added up."""
    summed = ranking.rates(_tally(line.unit_name, line.counts) for line in lines)
    return [RateLine(str(unit) or "—", unit, r) for unit, r in sorted(
        summed.items(), key=lambda kv: str(kv[0]))]


def _cadre_rates(judged: list[results.Judged]) -> list[RateLine]:
    names: dict[Hashable, str] = {j.item.user_id: j.item.user.name for j in judged}
    counts = _counts_by(judged, lambda j: j.item.user_id)
    summed = ranking.rates(_tally(user, c) for user, c in counts.items())
    return [RateLine(names[user], user, r)
            for user, r in sorted(summed.items(), key=lambda kv: (names[kv[0]], str(kv[0])))]


def pct(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f}%"
