"""What a county that went live six weeks ago has besides its records: each cadre's days of
the year before go-live from the county's register (开账), so the year ledger is not 300
days absent in December; one village fenced by its boundary instead of a circle; and this
week's unannounced spot-check draw, so the checkers' pages have work."""

from __future__ import annotations

import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import attendance
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import Area, User, Village
from checkin.platform import clock
from checkin.services.attendance import opening
from checkin.services.people import administration
from checkin.services.spotchecks import weekly_draw


def seed_go_live(session: Session, rng: random.Random, history_days: int, policy: Policy
                 ) -> int:
    """Opening balances of the cadres whose term began before go-live (the first day of
    the demo's history); answers how many were set."""
    go_live = clock.today() - timedelta(days=history_days)
    year = go_live.year
    made = 0
    for cadre in session.scalars(select(User).where(User.role == "cadre").order_by(User.id)):
        start, end = opening.term_of(cadre, year)
        before = (go_live - max(start, go_live.replace(month=1, day=1))).days
        if before <= 0:
            continue
        on_post = int(before * rng.uniform(0.50, 0.72))  # some behind, most on pace
        official = rng.randint(2, 9)
        training = rng.randint(0, 3)
        leave = min(rng.randint(0, 8), max(0, before - on_post - official - training))
        balance = attendance.OpeningBalance(go_live, on_post, official, training, leave)
        try:
            attendance.validate_opening(balance, year, start, end)
        except Refusal:
            continue  # a term too short for these numbers: the records alone count
        opening.write_balance(session, None, cadre.id, year, balance, "县委组织部驻村台账（开账）",
                              via="demo")
        made += 1
    return made


def seed_boundary(session: Session) -> None:
    """The second village's fence as its boundary: a square of about 3 km around it."""
    villages = list(session.scalars(select(Village).order_by(Village.code).limit(2)))
    if len(villages) < 2:
        return
    village = villages[1]
    d_lat, d_lon = 0.0135, 0.0155
    ring = [(village.lon - d_lon, village.lat - d_lat), (village.lon + d_lon, village.lat - d_lat),
            (village.lon + d_lon, village.lat + d_lat), (village.lon - d_lon, village.lat + d_lat),
            (village.lon - d_lon, village.lat - d_lat)]
    text = "POLYGON((" + ", ".join(f"{lon:.6f} {lat:.6f}" for lon, lat in ring) + "))"
    administration.set_boundary(session, village, text=text, system="wgs84", actor_id=None)


def seed_draw(session: Session, policy: Policy) -> None:
    """This week's draw of the county (as the Monday job makes it)."""
    county = session.scalars(select(Area).where(Area.level == "county").order_by(Area.code)
                             ).first()
    if county is None:
        return
    year, week, _ = clock.today().isocalendar()
    weekly_draw.draw(session, county, f"{year}-W{week:02d}",
                     weekly_draw.settings_from(current_app.config, policy), None)
