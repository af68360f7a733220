"""Demo data around Yuexi county, Anhui (30.85N 116.36E), made through the roster import."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import rotation
from checkin.domain.passwords import new_password
from checkin.domain.policy import DEFAULT_POLICY
from checkin.models import Household, User, Village
from checkin.ops.demo_evaluation import seed_evaluation
from checkin.ops.demo_go_live import seed_boundary, seed_draw, seed_go_live
from checkin.ops.demo_history import seed_history
from checkin.ops.demo_pledges import seed_grades, seed_opinions, seed_pledges
from checkin.ops.demo_rounds import seed_rounds
from checkin.ops.demo_trainings import seed_trainings
from checkin.platform import audit, clock
from checkin.roster.read import RawSheet
from checkin.roster.schema import SHEET_BY_NAME
from checkin.scope import Scope
from checkin.services.people import accounts, administration, moves, rotations
from checkin.services.people.roster_import import import_roster

SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程储汪"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌玉兰海燕春"
TOWNSHIPS = (  # code, name, centre
    ("340828101", "温泉镇", (30.8480, 116.3570)),
    ("340828102", "响肠镇", (30.8990, 116.4540)),
    ("340828203", "莲云乡", (30.7780, 116.2610)),
)
VILLAGE_NAMES = ("汤池", "龙井", "大枫", "黄尾", "石关", "天峡", "枫树", "河图", "请水",
                 "贤桥", "腊树", "南田")
UNITS = (("U01", "安徽省农业农村厅"), ("U02", "安庆市财政局"), ("U03", "岳西县人民医院"),
         ("U04", "国网岳西县供电公司"))


# The demo county went live this many weeks ago: its records begin then.
HISTORY_WEEKS = 6

def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def demo_rows(rng: random.Random, households_per_village: int = 50) -> dict[str, list[dict]]:
    rows: dict[str, list[dict[str, Any]]] = {key: [] for key in (
        "areas", "units", "villages", "teams", "cadres", "supervisors", "households")}
    rows["areas"] += [
        {"code": "34", "name": "安徽省", "level": "province", "parent_code": None},
        {"code": "3408", "name": "安庆市", "level": "city", "parent_code": "34"},
        {"code": "340828", "name": "岳西县", "level": "county", "parent_code": "3408"},
    ]
    rows["units"] += [{"code": c, "name": n} for c, n in UNITS]
    rows["supervisors"].append({"username": "county", "name": "县委组织部督查组",
                                "phone": "0556-2171001", "area_code": "340828"})
    for t, (tcode, tname, (tlat, tlon)) in enumerate(TOWNSHIPS, 1):
        rows["areas"].append({"code": tcode, "name": tname, "level": "township",
                              "parent_code": "340828"})
        rows["supervisors"].append({"username": f"township{t}", "name": f"{tname}党委督查",
                                    "phone": f"0556-21710{t:02d}", "area_code": tcode})
        for v in range(4):
            _demo_village(rows, rng, t, v, tcode, (tlat, tlon), households_per_village)
    return rows


def _demo_village(rows: dict[str, list[dict[str, Any]]], rng: random.Random, t: int, v: int,
                  tcode: str, centre: tuple[float, float], households: int) -> None:
    number = (t - 1) * 4 + v + 1
    vcode = f"{tcode}{200 + v:03d}"
    lat = round(centre[0] + rng.uniform(-0.04, 0.04), 5)
    lon = round(centre[1] + rng.uniform(-0.04, 0.04), 5)
    rows["villages"].append({
        "code": vcode, "name": VILLAGE_NAMES[number - 1] + "村", "township_code": tcode,
        "lat": lat, "lon": lon, "radius_m": 1500.0, "landline": f"0556-8{number:03d}100",
        "poverty_status": "poor" if number % 3 else "lifted"})
    team = f"T{number:02d}"
    rows["teams"].append({"code": team, "village_code": vcode, "unit_code": UNITS[number % 4][0],
                          "term_start": date(2025, 3, 1), "term_end": date(2027, 2, 28)})
    members = [f"cadre{number:02d}{s}" for s in "abc"]
    for i, username in enumerate(members):
        rows["cadres"].append({"username": username, "name": _name(rng),
                               "phone": f"138{number:04d}{i:04d}", "team_code": team,
                               "unit_code": UNITS[(number + i) % 4][0], "is_leader": i == 0,
                               "team_role": _role(number, i)})
    for h in range(households):
        status = rng.choices(("poor", "monitored", "lifted", "other"), (50, 15, 30, 5))[0]
        placed = rng.random() < 0.6
        rows["households"].append({
            "code": f"{vcode}{h + 1:04d}", "head_name": _name(rng),
            "village_code": vcode, "address": f"{VILLAGE_NAMES[number - 1]}村{h // 10 + 1}组",
            "phone": f"139{number:04d}{h:04d}" if rng.random() < 0.7 else None,
            "lat": round(lat + rng.uniform(-0.008, 0.008), 6) if placed else None,
            "lon": round(lon + rng.uniform(-0.008, 0.008), 6) if placed else None,
            "status": status, "helper_username": members[h % 3]})


def _role(number: int, i: int) -> str:
    """Seed 002's make-up; the last team has two unit members and none from the township,
    so the make-up page has something to show."""
    if i == 0:
        return "first_secretary"
    return "unit_member" if i == 1 or number == 12 else "township_member"


def as_sheets(rows: dict[str, list[dict[str, Any]]]) -> list[RawSheet]:
    sheets = []
    for key, items in rows.items():
        spec = SHEET_BY_NAME[key]
        headers = {c.key: c.zh for c in spec.columns}
        sheets.append(RawSheet(spec=spec, name=spec.zh, headers=headers,
                               rows=[(n, item) for n, item in enumerate(items, 2)]))
    return sheets


def seed_demo(session: Session, *, password: str | None, seed: int = 20261122,
              households_per_village: int = 50) -> list[dict[str, Any]]:
    """Load the demo county; returns each account made, with its password."""
    rng = random.Random(seed)
    result = import_roster(session, as_sheets(demo_rows(rng, households_per_village)),
                           actor_id=None, initial_password=password,
                           # A training room shares one known password; make run stays usable.
                           force_password_change=False)
    made = dict(result.new_accounts)
    if result.created.get("user"):
        seed_history(session, random.Random(seed + 1), HISTORY_WEEKS)
        seed_trainings(session, random.Random(seed + 2))
        seed_evaluation(session, random.Random(seed + 3))
        seed_pledges(session, random.Random(seed + 4), DEFAULT_POLICY)
        seed_opinions(session, DEFAULT_POLICY)
        seed_grades(session, DEFAULT_POLICY)
        _seed_duties(session)
        made.update(seed_rounds(session, random.Random(seed + 5), password or new_password()))
        seed_go_live(session, random.Random(seed + 6), HISTORY_WEEKS * 7, DEFAULT_POLICY)
        seed_boundary(session)
        seed_draw(session, DEFAULT_POLICY)
    if session.scalars(select(User).where(User.username == "admin")).first() is None:
        chosen = password or new_password()
        admin = User(username="admin", name="系统管理员", role="admin", session_epoch=0,
                     password_hash=accounts.hash_password(chosen), active=True)
        session.add(admin)
        session.flush()
        audit.record(session, actor_id=None, action="demo.account", entity="user",
                     entity_id=admin.id, after=audit.snapshot(admin))
        made["admin"] = chosen
    out = []
    for username in sorted(made):
        user = session.scalars(select(User).where(User.username == username)).one()
        area_id = user.area_id if user.role == "supervisor" else (
            user.village.area_id if user.village else None)
        out.append({"username": username, "role": user.role, "area_id": area_id,
                    "village_id": user.village_id, "password": made[username]})
    return out


def _seed_duties(session: Session) -> None:
    """A helper from a unit for three households of the first village, and a recall the
    first township asked and the county has not decided yet (the pages of issue 19)."""
    village = session.scalars(select(Village).order_by(Village.code)).first()
    township = session.scalars(select(User).where(User.username == "township1")).first()
    if village is None or township is None:
        return
    helper = administration.add_outside_helper(
        session, village, name="周建国", phone_text="13905561234", unit_name="县财政局",
        actor_id=township.id)
    for household in session.scalars(select(Household).where(
            Household.village_id == village.id).order_by(Household.code).limit(3)):
        administration.set_outside_helper(session, household, helper.id,
                                          actor_id=township.id)
    cadre = session.scalars(select(User).where(User.village_id == village.id,
                                               User.role == "cadre", User.is_leader.is_(False))
                            .order_by(User.username)).first()
    if cadre is not None:
        rotations.request(session, township, Scope.for_user(township), cadre,
                          rotation.Request("recall", clock.today(), "多次抽查不在岗，庸懒散拖"),
                          clock.today())
    _seed_move(session)


def _seed_move(session: Session) -> None:
    """A household resettled (易地扶贫搬迁) today from the last village of the first
    township into the first village of the second, by the county, with a new helper."""
    county = session.scalars(select(User).where(User.username == "county")).first()
    villages = list(session.scalars(select(Village).order_by(Village.code)))
    if county is None or len(villages) < 2:
        return
    first_township = villages[0].area.parent_id
    source = [v for v in villages if v.area.parent_id == first_township][-1]
    target = next((v for v in villages if v.area.parent_id != first_township), None)
    household = session.scalars(select(Household).where(Household.village_id == source.id)
                                .order_by(Household.code.desc())).first()
    helper = None if target is None else session.scalars(select(User).where(
        User.village_id == target.id, User.role == "cadre").order_by(User.username)).first()
    if target is None or household is None or helper is None:
        return
    # Today: no record of the household's history comes after the move.
    moves.move(session, county, Scope.for_user(county), household, moves.MoveInput(
        to_village_id=target.id, helper_id=helper.id, outside_id=None, outside_chosen=False,
        moved_on=clock.today(), reason="易地扶贫搬迁，安置到集中安置点",
        address=f"{target.name}安置点3号楼"), clock.today())
