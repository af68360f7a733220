"""The demo county's yearly pledges with their quarterly reports (one returned and handed
in again, the last quarter waiting for the township) and, once the year's assessment is
open, the township's opinions (乡镇党委意见) on its first teams' cadres and a few of the
county's grades; all made through the services, so the rules hold."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import assessment as grading
from checkin.domain import pledges as rules
from checkin.domain.policy import Policy
from checkin.models import Area, Team, User, Village
from checkin.platform import clock
from checkin.services.people import assessment
from checkin.services.reporting import pledges

COMMITMENTS = ("每月走访全部脱贫户和监测户，落实“每月联系、两月走访”",
               "推动村集体经济项目（茶叶合作社）年内见效，集体收入突破10万元",
               "建强村党支部，落实“三会一课”，发展1名年轻党员",
               "排查化解矛盾纠纷，确保全年无越级上访",
               "协调修通组道2公里，解决群众出行难")
DONE_TEXT = {"in_progress": "已完成约六成，下季度继续推进",
             "not_done": "资金尚未到位，已向乡镇报告"}


def seed_pledges(session: Session, rng: random.Random, policy: Policy) -> None:
    today = clock.today()
    teams = list(session.scalars(select(Team).order_by(Team.code)))
    leaders = {u.team_id: u for u in session.scalars(
        select(User).where(User.role == "cadre", User.is_leader.is_(True)))}
    townships = {a.path: a for a in session.scalars(select(Area).where(
        Area.level == "township"))}
    reviewers = {u.area_id: u for u in session.scalars(select(User).where(
        User.role == "supervisor").options(selectinload(User.area)))}
    reported = [q for q in (rules.Quarter(today.year, n) for n in (1, 2, 3, 4))
                if rules.may_report(q, today)]
    for number, team in enumerate(teams):
        leader = leaders.get(team.id)
        if leader is None:
            continue
        items = rng.sample(COMMITMENTS, 3)
        pledges.write_pledge(session, leader, team, today.year, items)
        township = next((a for path, a in townships.items()
                         if team.village.area_path.startswith(path)), None)
        reviewer = reviewers.get(township.id) if township else None
        for quarter in reported:
            last = quarter == reported[-1]
            statuses = ["done" if last or rng.random() < 0.6 else
                        rng.choice(("in_progress", "not_done")) for _ in items]
            entries = [(s, DONE_TEXT.get(s, "")) for s in statuses]
            data = pledges.ReportInput(quarter, entries, "思想稳定，按时驻村，参加乡镇学习")
            report = pledges.submit_report(session, leader, team, data)
            if reviewer is None or (last and number % 3):
                continue  # the last quarter of most teams waits for the township
            if quarter.number == 2 and number % 4 == 0:
                pledges.review(session, reviewer, report, "return",
                               "第二项进展写得太笼统，请补充具体数字")
                report = pledges.submit_report(session, leader, team, data)
            pledges.review(session, reviewer, report, "approve", "")


def seed_grades(session: Session, policy: Policy) -> None:
    """The county grades the cadres of the first village once the year's assessment is
    open (December of the demo's year), each at the rules' ceiling."""
    today = clock.today()
    if not grading.opens_on_month(today.year, today.year, today.month, policy):
        return
    county = session.scalars(select(User).where(User.username == "county")).first()
    first = session.scalars(select(Team).order_by(Team.code)).first()
    if county is None or first is None:
        return
    cadres = list(session.scalars(select(User).where(User.team_id == first.id)
                                  .options(selectinload(User.village))
                                  .order_by(User.id)))
    for row in assessment.rows(session, cadres, today.year, policy):
        assessment.decide(session, county, row.cadre, today.year, assessment.DecisionInput(
            grade=row.sheet.ceiling, reason="全年驻村，走访到位，群众认可"), policy)


OPINIONS = ("该同志全年驻村在岗，按时参加乡镇学习和例会，走访脱贫户和监测户到位，"
            "群众认可。同意评为称职。",
            "该同志能带头推进村集体经济项目，协调解决群众出行难问题；个别月份驻村天数偏少，"
            "已当面提醒。")
REWRITTEN = ("该同志全年驻村在岗，按时参加乡镇学习和例会，走访脱贫户和监测户到位，"
             "带头发展茶叶合作社，群众认可。建议评为优秀。")


def seed_opinions(session: Session, policy: Policy) -> None:
    """Township 1 writes its opinion on the cadres of its first two teams once the year's
    assessment is open (before the county grades the first team); on one cadre it writes
    a second version, so the sheet shows an earlier one."""
    today = clock.today()
    if not grading.opens_on_month(today.year, today.year, today.month, policy):
        return
    township = session.scalars(select(User).where(User.username == "township1")
                               .options(selectinload(User.area))).first()
    if township is None or township.area is None:
        return
    teams = list(session.scalars(select(Team).join(Village, Village.id == Team.village_id)
                                 .where(Village.area_path.startswith(township.area.path))
                                 .order_by(Team.code).limit(2)))
    for team in teams:
        cadres = session.scalars(select(User).where(User.team_id == team.id)
                                 .options(selectinload(User.village)).order_by(User.id))
        for n, cadre in enumerate(cadres):
            made = assessment.write_opinion(
                session, township, cadre, today.year, assessment.OpinionInput(
                    OPINIONS[n % 2], "competent" if n % 2 == 0 else ""), policy)
            if n == 0 and team == teams[-1]:
                assessment.write_opinion(session, township, cadre, today.year,
                                         assessment.OpinionInput(REWRITTEN, "excellent",
                                                                 replaces=made.id), policy)
