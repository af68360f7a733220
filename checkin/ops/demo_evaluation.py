"""One quarter of made-up 季众评 answers for the demo county: about half the households of
each village answer (most on their link, some by a township checker's call), and in one
village the leader fills in four links on their own phone, which the service flags."""

from __future__ import annotations

import hashlib
import random
import secrets
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import public_evaluation as rules
from checkin.models import (
    EvaluationAnswer,
    EvaluationLink,
    EvaluationRating,
    Household,
    Team,
    User,
    Village,
)
from checkin.platform import clock

REMARKS = ("路灯修好了，谢谢工作队", "希望多来村里看看", "产业项目要多帮扶", "第一书记很负责",
           "自来水问题还没解决", "")


def seed_evaluation(session: Session, rng: random.Random) -> int:
    """Answers of the current quarter up to yesterday (of the one before in a quarter's first
    week); the number of answers made."""
    today = clock.today()
    quarter = rules.quarter_of(today)
    first = rules.parse_quarter(quarter)[0]
    if (today - first).days < 7:  # a quarter just begun: the one before, which has ended
        quarter = rules.quarter_of(first - timedelta(days=1))
        first = rules.parse_quarter(quarter)[0]
    days = min((today - first).days, (rules.parse_quarter(quarter)[1] - first).days + 1)
    if session.scalars(select(EvaluationAnswer.id)).first() is not None:
        return 0
    expires = datetime.combine(rules.parse_quarter(quarter)[1] + timedelta(days=1), time(0),
                               clock.zone())
    checkers = list(session.scalars(select(User).where(User.role == "supervisor")))
    made = 0
    for number, village in enumerate(session.scalars(select(Village).order_by(Village.id))):
        team = session.scalars(select(Team).where(Team.village_id == village.id)
                               .order_by(Team.id)).first()
        if team is None or not checkers:
            continue
        cadres = list(session.scalars(select(User).where(User.team_id == team.id,
                                                         User.role == "cadre")))
        checker = next((c for c in checkers if c.area_id == village.area_id), checkers[0])
        quality = rng.uniform(0.55, 0.97)
        households = list(session.scalars(select(Household).where(
            Household.village_id == village.id).order_by(Household.code)))
        for n, household in enumerate(households):
            if rng.random() > 0.5:
                continue
            burst = number == 1 and n < 8  # the second village: the leader's own phone
            at = datetime.combine(first + timedelta(days=rng.randrange(days)),
                                  time(rng.randint(8, 20), rng.randint(0, 59)), clock.zone())
            if burst:
                at = datetime.combine(first + timedelta(days=3), time(21, n), clock.zone())
            by_call = not burst and rng.random() < 0.2
            link = None
            if not by_call:
                link = EvaluationLink(household_id=household.id, village_id=village.id,
                                      quarter=quarter, issued_by_id=checker.id,
                                      issued_at=datetime.combine(first, time(9), clock.zone()),
                                      expires_at=expires, token_hash=hashlib.sha256(
                                          secrets.token_bytes(16)).hexdigest())
                session.add(link)
                session.flush()
            answer = EvaluationAnswer(
                household_id=household.id, village_id=village.id, team_id=team.id,
                quarter=quarter, channel="call" if by_call else "qr",
                link_id=None if link is None else link.id,
                entered_by_id=checker.id if by_call else None,
                team_rating="satisfied" if burst else _rating(rng, quality),
                remark=rng.choice(REMARKS) if rng.random() < 0.3 else "", created_at=at,
                device="demo-leader-phone" if burst else secrets.token_hex(16)
                if not by_call else "",
                signed_in_user_id=team.leader_id if burst and n == 0 else None)
            session.add(answer)
            session.flush()
            for cadre in cadres:
                knows = burst or rng.random() < (0.9 if cadre.is_leader else 0.65)
                session.add(EvaluationRating(
                    answer_id=answer.id, cadre_id=cadre.id, knows=knows,
                    rating=("satisfied" if burst else _rating(rng, quality)) if knows
                    else None))
            made += 1
    session.flush()
    return made


def _rating(rng: random.Random, quality: float) -> str:
    roll = rng.random()
    if roll < quality * 0.7:
        return "satisfied"
    return "basic" if roll < quality else "unsatisfied"
