"""Importing a roster: check every row first, then create or update records by code.

A file with any problem imports nothing. Importing the same file twice changes nothing;
a changed row updates its record (and the change is audited).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from checkin.db import Base
from checkin.domain import attendance, boundary, coordinates, team_makeup
from checkin.domain.passwords import new_password
from checkin.domain.personal_data import mask
from checkin.domain.policy import DEFAULT_POLICY, Policy
from checkin.domain.refusal import Refusal
from checkin.models import Area, Household, OpeningBalance, SendingUnit, Team, User, Village
from checkin.platform import audit, clock, hashing
from checkin.platform.among import among
from checkin.roster.convert import USERNAME, typed_rows
from checkin.roster.problems import Problem, rejected
from checkin.roster.read import RawSheet
from checkin.roster.schema import SHEETS
from checkin.services.attendance import opening
from checkin.services.people import accounts, administration

Progress = Callable[[str, int, int], None]
# The sheet a reference points into, by the word naming it in a problem.
REF_KIND = {"parent area": "areas", "township": "areas", "area": "areas", "village": "villages",
            "sending unit": "units", "team": "teams", "helper": "cadres"}
LEVEL_RANK = {"province": 0, "city": 1, "county": 2, "township": 3, "village": 4}
CHINA = (3.8, 53.6, 73.5, 135.1)  # lat min, lat max, lon min, lon max


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    new_accounts: list[tuple[str, str]] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # columns ignored, and the like
    # What the file leaves that the rules advise against (a team's make-up): it imports.
    warnings: list[Problem] = field(default_factory=list)
    # Every change, field by field: {entity, key, action, fields: {name: [old, new]}}.
    changes: list[dict[str, Any]] = field(default_factory=list)

    def count(self, bucket: dict[str, int], entity: str) -> None:
        bucket[entity] = bucket.get(entity, 0) + 1


@dataclass(frozen=True)
class Loc:
    """Where a row is: its sheet (one of several of its kind, maybe in another file) and row."""

    sheet: RawSheet
    number: int


Row = tuple[Loc, dict[str, Any]]


@dataclass
class Rows:
    """Typed rows by sheet key, every sheet of a kind merged in file order; each row knows its
    sheet, for locating problems."""

    by_sheet: dict[str, list[Row]] = field(default_factory=dict)
    # Codes of rows that are in a file but could not be read (a problem of their own says
    # why), by sheet key; a kind whose code column is missing altogether is `blind`.
    broken: dict[str, set[str]] = field(default_factory=dict)
    blind: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, sheets: list[RawSheet], problems: list[Problem]) -> Rows:
        rows = cls()
        order = {spec.key: n for n, spec in enumerate(SHEETS)}
        for sheet in sorted(sheets, key=lambda s: order[s.spec.key]):  # areas first
            key = sheet.spec.key
            merged = rows.by_sheet.setdefault(key, [])
            broken = rows.broken.setdefault(key, set())
            merged += [(Loc(sheet, number), row)
                       for number, row in typed_rows(sheet, problems, broken)]
            if sheet.spec.columns[0].key in sheet.missing:
                rows.blind.add(key)
        return rows

    def unreadable(self, kind: str, value: Any) -> bool:
        """Whether `value` names a row of kind `kind` that is in a file but could not be
        read: its own problem is the root cause; what refers to it is not a second one."""
        return kind in self.blind or value in self.broken.get(kind, ())

    def get(self, key: str) -> list[Row]:
        return self.by_sheet.get(key, [])

    def where(self, loc: Loc, column: str) -> dict[str, Any]:
        sheet = loc.sheet
        return {"sheet": sheet.name, "row": loc.number,
                "column": sheet.headers.get(column, column), "letter": sheet.letter(column)}


def import_roster(session: Session, sheets: list[RawSheet], *, actor_id: int | None,
                  progress: Progress | None = None,
                  initial_password: str | None = None,
                  policy: Policy = DEFAULT_POLICY,
                  found: Iterable[Problem] = (),
                  force_password_change: bool = True) -> ImportResult:
    """Import every sheet or nothing; new accounts get `initial_password` or a random one,
    to be changed at their first sign-in (not for the demo: `force_password_change`).
    A village without a radius gets the policy's default fence radius. `found` are the
    problems met reading the files: they are told with the rest, in one pass."""
    checked = check_roster(session, sheets, found)
    passwords = None
    if initial_password is None:
        passwords = initial_passwords(checked.new_usernames(),
                                      lambda *_: None, hashing.method_in_use())
    return apply_roster(session, checked, actor_id=actor_id, progress=progress,
                        initial_password=initial_password, passwords=passwords, policy=policy,
                        force_password_change=force_password_change)


@dataclass
class Checked:
    """A roster whose every row was checked against the database: ready to apply."""

    sheets: list[RawSheet]
    rows: Rows
    known: Known

    def new_usernames(self) -> list[str]:
        names = [row["username"] for kind in ("cadres", "supervisors")
                 for _, row in self.rows.get(kind)]
        return [name for name in dict.fromkeys(names) if name not in self.known.users]


def check_roster(session: Session, sheets: list[RawSheet],
                 found: Iterable[Problem] = ()) -> Checked:
    """Every row checked, every problem found in one pass (refused with all of them)."""
    problems: list[Problem] = list(found)
    rows = Rows.of(sheets, problems)
    known = Known.load(session, rows)
    Checker(rows, known, problems).check_all()
    if problems:
        raise rejected(once(problems))
    return Checked(sheets, rows, known)


def initial_passwords(usernames: list[str], progress: Callable[[int, int], None],
                      method: str) -> dict[str, tuple[str, str]]:
    """A random initial password and its hash for each new account, hashed in parallel."""
    plain = [new_password() for _ in usernames]
    digests = hashing.hash_many(plain, method, progress)
    return dict(zip(usernames, zip(plain, digests, strict=True), strict=True))


def apply_roster(session: Session, checked: Checked, *, actor_id: int | None,
                 progress: Progress | None = None, initial_password: str | None = None,
                 passwords: dict[str, tuple[str, str]] | None = None,
                 policy: Policy = DEFAULT_POLICY, dry_run: bool = False,
                 force_password_change: bool = True) -> ImportResult:
    """Write a checked roster (flushes, never commits). New accounts get `initial_password`,
    or their entry of `passwords`; a dry run writes no password at all."""
    applier = Applier(session, checked.rows, checked.known, actor_id,
                      progress or (lambda *_: None))
    applier.initial_password = initial_password
    applier.force_password_change = force_password_change
    applier.passwords = passwords or {}
    applier.dry_run = dry_run
    applier.fence_radius_m = policy.default_fence_radius_m
    result = applier.apply_all()
    result.notes = ignored_columns(checked.sheets)
    result.warnings = makeup_notes(session, checked)
    return result


def makeup_notes(session: Session, checked: Checked) -> list[Problem]:
    """Warnings (never refusals) on the make-up of the teams the file names or puts cadres
    in (domain/team_makeup.py), found on what the file leaves in the database: a team
    without a first secretary, not of 3, without a township member, a village of several
    teams. Each names the team's row of the file when it has one."""
    session.flush()
    codes = {row["code"]: loc for loc, row in checked.rows.get("teams")}
    for loc, row in checked.rows.get("cadres"):
        codes.setdefault(row["team_code"], loc)
    if not codes:
        return []
    teams = {team.id: team for code in codes
             if (team := checked.known.teams.get(code)) is not None and team.id is not None}
    villages = sorted({team.village_id for team in teams.values()})
    rows = session.execute(
        select(Team.id, Team.village_id, User.id, User.is_leader, User.team_role)
        .outerjoin(User, (User.team_id == Team.id) & (User.role == "cadre")
                   & User.active.is_(True))
        .where(among(session, Team.village_id, villages))).all()
    found = team_makeup.makeup_warnings(team_makeup.facts(
        [(team_id, village_id, user_id, bool(leader), role)
         for team_id, village_id, user_id, leader, role in rows]))
    notes = []
    for warning in found:
        team = teams.get(warning.team_id)
        if team is None:
            continue  # a team of the same village the file does not name
        loc = codes[team.code]
        notes.append(Problem(f"makeup_{warning.code}", sheet=loc.sheet.name, row=loc.number,
                             params={"team": team.code, "size": warning.size,
                                     "count": warning.count}))
    return notes


def once(problems: list[Problem]) -> list[Problem]:
    """Each problem once, in the order found (root causes are found first)."""
    seen: dict[tuple[Any, ...], Problem] = {}
    for p in problems:
        key = (p.code, p.sheet, p.row, p.column, repr(sorted(p.params.items())))
        seen.setdefault(key, p)
    return list(seen.values())


def ignored_columns(sheets: list[RawSheet]) -> list[Problem]:
    return [Problem("ignored_column", sheet=sheet.name, row=1, column=header, letter=letter,
                    params={"name": header})
            for sheet in sheets for letter, header in sheet.ignored]


@dataclass
class Known:
    """What the database already holds, by code, for checking references."""

    areas: dict[str, Area]
    units: dict[str, SendingUnit]
    villages: dict[str, Village]
    teams: dict[str, Team]
    users: dict[str, User]
    households: dict[str, Household]

    @classmethod
    def load(cls, session: Session, rows: Rows) -> Known:
        """The records the files name, by their codes (and every ancestor of the areas
        named, for paths), in chunks of ids: a one-row import into a province reads a
        handful of rows, not the province."""
        names = named_codes(rows)
        areas = _by_code(session, Area, Area.code, names["areas"])
        ancestors = {int(part) for area in areas.values()
                     for part in area.path.strip("/").split("/") if part}
        ancestors -= {area.id for area in areas.values()}
        for chunk in _chunks(sorted(ancestors)):
            for area in session.scalars(select(Area).where(among(session, Area.id, chunk))):
                areas[area.code] = area
        return cls(areas, _by_code(session, SendingUnit, SendingUnit.code, names["units"]),
                   _by_code(session, Village, Village.code, names["villages"]),
                   _by_code(session, Team, Team.code, names["teams"]),
                   _by_code(session, User, User.username, names["users"]),
                   _by_code(session, Household, Household.code, names["households"]))


CHUNK = 5000  # codes per query: a bound list far below every driver's limit


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _by_code(session: Session, model: type[Any], column: Any, codes: set[str]
             ) -> dict[str, Any]:
    found: dict[str, Any] = {}
    key = column.key
    for chunk in _chunks(sorted(codes)):
        for record in session.scalars(select(model).where(column.in_(chunk))):
            found[getattr(record, key)] = record
    return found


def named_codes(rows: Rows) -> dict[str, set[str]]:
    """Every code the files name, by the kind of record it names."""
    out: dict[str, set[str]] = {kind: set() for kind in (
        "areas", "units", "villages", "teams", "users", "households")}

    def add(kind: str, sheet: str, *columns: str) -> None:
        for _, row in rows.get(sheet):
            out[kind].update(row[c] for c in columns if row.get(c) is not None)

    add("areas", "areas", "code", "parent_code")
    add("areas", "villages", "code", "township_code")  # a village is an area too
    add("areas", "supervisors", "area_code")
    add("units", "units", "code")
    add("units", "teams", "unit_code")
    add("units", "cadres", "unit_code")
    add("villages", "villages", "code")
    add("villages", "teams", "village_code")
    add("villages", "households", "village_code")
    add("teams", "teams", "code")
    add("teams", "cadres", "team_code")
    add("users", "cadres", "username")
    add("users", "supervisors", "username")
    add("users", "households", "helper_username")
    add("households", "households", "code")
    return out


class Checker:
    def __init__(self, rows: Rows, known: Known, problems: list[Problem]) -> None:
        self.rows, self.known, self.problems = rows, known, problems
        self.area_levels = {code: a.level for code, a in known.areas.items()}
        self.area_levels.update({r["code"]: r["level"] for _, r in rows.get("areas")})
        self.villages = set(known.villages) | {r["code"] for _, r in rows.get("villages")}
        self.units = set(known.units) | {r["code"] for _, r in rows.get("units")}
        self.teams = set(known.teams) | {r["code"] for _, r in rows.get("teams")}
        self.roles = {name: u.role for name, u in known.users.items()}
        self.roles.update({r["username"]: "cadre" for _, r in rows.get("cadres")})
        self.unknown: dict[tuple[str, Any], list[tuple[Loc, str]]] = {}

    def problem(self, code: str, key: str, number: Loc, column: str, **params: Any) -> None:
        self.problems.append(Problem(code, params=params, **self.rows.where(number, column)))

    def check_all(self) -> None:
        for spec in SHEETS:
            self.unique(spec.key, spec.columns[0].key)
        self.check_areas()
        self.check_villages()
        self.check_teams()
        self.check_cadres()
        self.check_supervisors()
        self.check_households()
        self.tell_unknown_refs()

    def tell_unknown_refs(self) -> None:
        """One problem per unknown code, at its first reference, with how many more rows
        name it: a missing village is one problem, not one per team and household."""
        for (what, value), places in self.unknown.items():
            first, column = places[0]
            if len(places) == 1:
                self.problem("unknown_ref", first.sheet.spec.key, first, column, value=value,
                             what=what)
            else:
                self.problem("unknown_ref_many", first.sheet.spec.key, first, column,
                             value=value, what=what, more=len(places) - 1)

    def unique(self, key: str, column: str) -> None:
        first: dict[str, Loc] = {}
        for number, row in self.rows.get(key):
            value = row[column]
            seen = first.get(value)
            if seen is None:
                first[value] = number
            elif seen.sheet is number.sheet:
                self.problem("duplicate_code", key, number, column, value=value,
                             first_row=seen.number)
            else:
                self.problem("duplicate_code_elsewhere", key, number, column, value=value,
                             first_sheet=seen.sheet.name, first_row=seen.number)

    def ref(self, key: str, number: Loc, column: str, value: Any, pool: set[str] | dict[str, Any],
            what: str) -> bool:
        if value is None or value in pool:
            return True
        if not self.rows.unreadable(REF_KIND[what], value):
            # `what` names the kind of record in English; the table's WORDS translate it.
            self.unknown.setdefault((what, value), []).append((number, column))
        return False

    def position(self, key: str, number: Loc, row: dict[str, Any]) -> None:
        lat, lon = row.get("lat"), row.get("lon")
        if lat is None and lon is None:
            return
        if lat is None or lon is None:
            self.problem("required", key, number, "lat" if lat is None else "lon")
        elif not -90 <= lat <= 90:
            self.problem("latitude", key, number, "lat", value=lat)
        elif not -180 <= lon <= 180:
            self.problem("longitude", key, number, "lon", value=lon)
        elif not (CHINA[0] <= lat <= CHINA[1] and CHINA[2] <= lon <= CHINA[3]):
            self.problem("outside_china", key, number, "lat", lat=lat, lon=lon)

    def check_areas(self) -> None:
        for number, row in self.rows.get("areas"):
            parent = row.get("parent_code")
            if parent is None:
                continue
            if self.ref("areas", number, "parent_code", parent, self.area_levels,
                        "parent area") and (
                LEVEL_RANK[self.area_levels[parent]] >= LEVEL_RANK[row["level"]]
            ):
                self.problem("bad_parent_level", "areas", number, "parent_code", value=parent)

    def check_villages(self) -> None:
        for number, row in self.rows.get("villages"):
            township = row["township_code"]
            if self.ref("villages", number, "township_code", township, self.area_levels,
                        "township") and self.area_levels[township] != "township":
                self.problem("not_township", "villages", number, "township_code", value=township)
            self.position("villages", number, row)
            radius = row.get("radius_m")
            if radius is not None and not 50 <= radius <= 20000:
                self.problem("radius", "villages", number, "radius_m", value=radius)
            if row.get("boundary"):
                try:
                    boundary.parse(row["boundary"], system_of(row, self.known.villages.get(
                        row["code"])))
                except Refusal as refused:
                    self.problem(refused.code, "villages", number, "boundary",
                                 **refused.params)

    def check_teams(self) -> None:
        for number, row in self.rows.get("teams"):
            self.ref("teams", number, "village_code", row["village_code"], self.villages,
                     "village")
            self.ref("teams", number, "unit_code", row.get("unit_code"), self.units,
                     "sending unit")
            if row.get("term_end") is not None and row["term_end"] < row["term_start"]:
                self.problem("date_order", "teams", number, "term_end")

    def check_person(self, key: str, number: Loc, row: dict[str, Any], role: str) -> None:
        username = row["username"]
        if not USERNAME.match(username):
            self.problem("username", key, number, "username")
        existing = self.known.users.get(username)
        if existing is not None and existing.role != role:
            self.problem("role_conflict", key, number, "username", value=username)

    def check_cadres(self) -> None:
        leaders: dict[str, Loc] = {}
        for number, row in self.rows.get("cadres"):
            self.check_person("cadres", number, row, "cadre")
            self.ref("cadres", number, "team_code", row["team_code"], self.teams,
                     "team")
            self.ref("cadres", number, "unit_code", row.get("unit_code"), self.units,
                     "sending unit")
            self.check_opening(number, row)
            if row.get("is_leader"):
                if row["team_code"] in leaders:
                    self.problem("two_leaders", "cadres", number, "is_leader",
                                 value=row["team_code"])
                leaders[row["team_code"]] = number

    def team_term(self, code: str) -> tuple[date, date | None] | None:
        """The term a team has after this import: its row's, else the stored one."""
        for _, row in self.rows.get("teams"):
            if row["code"] == code:
                return row["term_start"], row.get("term_end")
        team = self.known.teams.get(code)
        return None if team is None else (team.term_start, team.term_end)

    def check_opening(self, number: Loc, row: dict[str, Any]) -> None:
        """The opening balance columns: whole days in range; a go-live date for them; no
        more days than the team's term had before go-live (as on the admin page)."""
        present = [key for key in OPENING_DAYS if key in row]
        if present and "go_live" not in row:
            self.problem("opening_needs_go_live", "cadres", number, present[0])
            return
        bad = False
        for key in present:
            value = row[key]
            if value is not None and (not float(value).is_integer() or not 0 <= value <= 366):
                self.problem("opening_bad_days", "cadres", number, key, value=plain(value))
                bad = True
        go_live = row.get("go_live")
        if go_live is None and "go_live" in row and any(row[key] for key in present):
            self.problem("opening_needs_go_live", "cadres", number, "go_live")
            return
        term = self.team_term(row["team_code"])
        if bad or go_live is None or term is None:
            return
        balance = opening_of(row, None)
        try:
            attendance.validate_opening(balance, go_live.year, *term)
        except Refusal as exc:
            self.problem(exc.code, "cadres", number, "opening_on_post" if present else
                         "go_live", **exc.params)

    def check_supervisors(self) -> None:
        cadres = {r["username"] for _, r in self.rows.get("cadres")}
        for number, row in self.rows.get("supervisors"):
            self.check_person("supervisors", number, row, "supervisor")
            if row["username"] in cadres:
                self.problem("role_conflict", "supervisors", number, "username",
                             value=row["username"])
            self.ref("supervisors", number, "area_code", row["area_code"], self.area_levels,
                     "area")

    def check_households(self) -> None:
        for number, row in self.rows.get("households"):
            self.ref("households", number, "village_code", row["village_code"], self.villages,
                     "village")
            helper = row["helper_username"]
            if self.ref("households", number, "helper_username", helper, self.roles,
                        "helper") and self.roles[helper] != "cadre":
                self.problem("not_cadre", "households", number, "helper_username", value=helper)
            self.position("households", number, row)
            for key in ("visited_before", "contacted_before"):
                if row.get(key) is not None and row[key] > clock.today():
                    self.problem("date_in_future", "households", number, key,
                                 value=row[key].isoformat())


class Applier:
    def __init__(self, session: Session, rows: Rows, known: Known, actor_id: int | None,
                 progress: Progress) -> None:
        self.session, self.rows, self.known = session, rows, known
        self.actor_id, self.progress = actor_id, progress
        self.result = ImportResult()
        self._pending_password: str | None = None
        self._audits: list[tuple[str, str, Any, dict[str, Any] | None]] = []
        self._boundaries: list[tuple[Village, Any]] = []
        self.initial_password: str | None = None
        self.force_password_change = True
        self.fence_radius_m = DEFAULT_POLICY.default_fence_radius_m
        self._shared_hash: str | None = None
        self.passwords: dict[str, tuple[str, str]] = {}
        self.dry_run = False
        self._username = ""

    def apply_all(self) -> ImportResult:
        self.apply_areas()
        self.apply_units()
        self.apply_villages()
        self.apply_teams()
        self.apply_people()
        self.apply_openings()
        self.apply_households()
        self._write_audits()
        return self.result

    def upsert(self, entity: str, pool: dict[str, Any], code: str, make: Callable[[], Base],
               values: dict[str, Any], key_attr: str = "code") -> Any:
        record = pool.get(code)
        if record is None:
            record = make()
            setattr(record, key_attr, code)
            for name, value in values.items():
                setattr(record, name, value)
            self.session.add(record)
            pool[code] = record
            self.result.count(self.result.created, entity)
            self._audit("roster.create", entity, record, None)
            self.change(entity, code, "create", {k: (None, v) for k, v in values.items()})
            return record
        changed = {k: v for k, v in values.items() if getattr(record, k) != v}
        if not changed:
            self.result.count(self.result.unchanged, entity)
            return record
        self.change(entity, code, "update",
                    {k: (getattr(record, k), v) for k, v in changed.items()})
        before = audit.snapshot(record)
        for name, value in changed.items():
            setattr(record, name, value)
        self.result.count(self.result.updated, entity)
        self._audit("roster.update", entity, record, before)
        return record

    def change(self, entity: str, key: str, action: str,
               fields: dict[str, tuple[Any, Any]]) -> None:
        # Kept with the import's result: phone numbers masked (no plain copy beside the
        # columns that may be sealed at rest; domain/personal_data.py).
        self.result.changes.append({"entity": entity, "key": key, "action": action, "fields": {
            name: ([masked(old), masked(new)] if name in MASKED_FIELDS
                   else [plain(old), plain(new)]) for name, (old, new) in fields.items()}})

    def _audit(self, action: str, entity: str, record: Any, before: dict[str, Any] | None) -> None:
        # Written after one flush at the end, when every new record has its id.
        self._audits.append((action, entity, record, before))

    def _write_audits(self) -> None:
        self.session.flush()
        for action, entity, record, before in self._audits:
            audit.record(self.session, actor_id=self.actor_id, action=action, entity=entity,
                         entity_id=record.id, before=before, after=audit.snapshot(record))
        self._audits.clear()
        for village, before in self._boundaries:  # with both shapes, as the admin's page
            administration.audit_boundary(self.session, village, before,
                                          actor_id=self.actor_id)
        self._boundaries.clear()

    def apply_areas(self) -> None:
        rows = sorted(self.rows.get("areas"), key=lambda nr: LEVEL_RANK[nr[1]["level"]])
        for index, (_, row) in enumerate(rows, 1):
            values: dict[str, Any] = {"name": row["name"], "level": row["level"]}
            if "parent_code" in row:  # a missing column keeps the parent; an empty cell clears
                parent = self.known.areas.get(row["parent_code"]) if row["parent_code"] else None
                values["parent_id"] = parent.id if parent else None
            self.upsert("area", self.known.areas, row["code"], Area, values)
            self.session.flush()  # children need their parent's id
            self.progress("areas", index, len(rows))
        self.fix_paths()

    def fix_paths(self) -> None:
        """Recompute materialized paths top-down, so moves in the file are reflected: the
        areas read in Python; below a moved area, the areas and villages the files do not
        name in SQL (nearest move first), and the villages read are told the same."""
        areas = sorted(self.known.areas.values(), key=lambda a: LEVEL_RANK[a.level])
        by_id = {a.id: a for a in areas}
        moved: list[tuple[str, str]] = []
        for area in areas:
            parent = by_id.get(area.parent_id) if area.parent_id else None
            path = (parent.path if parent else "/") + f"{area.id}/"
            if area.path != path:
                if area.path:  # a new area has no path yet, and nothing below it
                    moved.append((area.path, path))
                area.path = path
        if not moved:
            return
        self.session.flush()
        moved.sort(key=lambda pair: -len(pair[0]))  # the deepest first: its rows are its
        for old, new in moved:
            for table, column in ((Area.__table__, Area.__table__.c.path),
                                  (Village.__table__, Village.__table__.c.area_path)):
                self.session.execute(
                    update(table).where(column.startswith(old, autoescape=True))
                    .values({column.key: literal(new) + func.substr(column, len(old) + 1)}))
        for village in self.known.villages.values():
            for old, new in moved:
                if village.area_path.startswith(old):
                    set_committed_value(village, "area_path", new + village.area_path[len(old):])
                    break

    def apply_units(self) -> None:
        for _, row in self.rows.get("units"):
            self.upsert("unit", self.known.units, row["code"], SendingUnit, {"name": row["name"]})

    def apply_villages(self) -> None:
        rows = self.rows.get("villages")
        for index, (_, row) in enumerate(rows, 1):
            township = self.known.areas[row["township_code"]]
            node = self.upsert("area", self.known.areas, row["code"], Area, {
                "name": row["name"], "level": "village", "parent_id": township.id})
            self.session.flush()
            path = f"{township.path}{node.id}/"
            if node.path != path:
                node.path = path
            stored = self.known.villages.get(row["code"])
            values: dict[str, Any] = {"area_id": node.id, "name": row["name"],
                                      "area_path": path}
            system = system_of(row, stored)
            values["lat"], values["lon"] = coordinates.to_wgs84(row["lat"], row["lon"], system)
            values["coord_source"] = system
            # A missing column keeps what is stored (a new village gets the defaults); an
            # empty cell clears: the policy's fence, no landline, the default status.
            if "radius_m" in row or stored is None:
                values["radius_m"] = row.get("radius_m") or self.fence_radius_m
            if "landline" in row:
                values["landline"] = row["landline"]
            if "poverty_status" in row or stored is None:
                values["poverty_status"] = row.get("poverty_status") or "poor"
            if "boundary" in row:  # a missing column keeps it; an empty cell: the circle
                shape = boundary.parse(row["boundary"], system) if row["boundary"] else None
                values["boundary"] = None if shape is None else boundary.to_wkt(shape)
                values["boundary_source"] = None if shape is None else system
            before = None if stored is None or "boundary" not in row \
                else administration.fence_state(stored)
            village = self.upsert("village", self.known.villages, row["code"], Village, values)
            if before is not None and (before[1]["boundary"], before[1]["boundary_source"]) \
                    != (village.boundary, village.boundary_source):
                self._boundaries.append((village, before))
            self.progress("villages", index, len(rows))

    def apply_teams(self) -> None:
        self.session.flush()
        for _, row in self.rows.get("teams"):
            values: dict[str, Any] = {
                "village_id": self.known.villages[row["village_code"]].id,
                "term_start": row["term_start"]}
            if "unit_code" in row:
                unit = self.known.units.get(row["unit_code"]) if row["unit_code"] else None
                values["unit_id"] = unit.id if unit else None
            if "term_end" in row:
                values["term_end"] = row["term_end"]
            self.upsert("team", self.known.teams, row["code"], Team, values)

    def new_user(self) -> User:
        if self.dry_run:
            return User(password_hash="!", session_epoch=0, active=True)  # never written
        if self._username in self.passwords:
            password, digest = self.passwords[self._username]
        elif self.initial_password:
            # scrypt is slow on purpose; one shared password needs hashing only once.
            if self._shared_hash is None:
                self._shared_hash = accounts.hash_password(self.initial_password)
            password, digest = self.initial_password, self._shared_hash
        else:
            password = new_password()
            digest = accounts.hash_password(password)
        self._pending_password = password
        return User(password_hash=digest, session_epoch=0, active=True,
                    must_change_password=self.force_password_change)

    def apply_people(self) -> None:
        self.session.flush()
        for _, row in self.rows.get("cadres"):
            team = self.known.teams[row["team_code"]]
            stored = self.known.users.get(row["username"])
            values: dict[str, Any] = {"role": "cadre", "team_id": team.id,
                                      "village_id": team.village_id}
            if "unit_code" in row or stored is None:
                unit = self.known.units.get(row["unit_code"]) if row.get("unit_code") else None
                values["unit_id"] = unit.id if unit else team.unit_id
            if "is_leader" in row or stored is None:
                values["is_leader"] = bool(row.get("is_leader"))
            if "team_role" in row or stored is None:
                values["team_role"] = row.get("team_role") or None
            self.person(row, values)
        for _, row in self.rows.get("supervisors"):
            area = self.known.areas[row["area_code"]]
            self.person(row, {"role": "supervisor", "area_id": area.id})
        self.session.flush()
        for _, row in self.rows.get("cadres"):
            if row.get("is_leader"):
                team = self.known.teams[row["team_code"]]
                leader = self.known.users[row["username"]]
                if team.leader_id != leader.id:
                    self.change("team", team.code, "update",
                                {"leader": (None, leader.username)})
                    before = audit.snapshot(team)
                    team.leader_id = leader.id
                    self._audit("roster.update", "team", team, before)

    def apply_openings(self) -> None:
        """Each cadre row's opening balance (when its file has the columns), audited as the
        admin page's are, with the values before and after."""
        self.session.flush()
        for _, row in self.rows.get("cadres"):
            if "go_live" not in row:
                continue  # no such column: every balance stays as it is
            cadre = self.known.users[row["username"]]
            go_live = row["go_live"]
            year = clock.today().year if go_live is None else go_live.year
            stored = opening.row_of(self.session, cadre.id, year) if cadre.id else None
            if go_live is None:
                if stored is not None:
                    self.change("opening_balance", f"{row['username']}:{year}", "delete",
                                {"go_live": (stored.go_live, None)})
                    opening.write_clear(self.session, self.actor_id, cadre.id, year,
                                        via="roster")
                continue
            balance = opening_of(row, stored)
            if stored is not None and opening.as_domain(stored) == balance:
                continue
            if stored is not None:  # checked with the stored days it keeps, as a whole
                team = self.known.teams[row["team_code"]]
                try:
                    attendance.validate_opening(balance, year, team.term_start, team.term_end)
                except Refusal as exc:
                    raise rejected([Problem(exc.code, sheet="cadres", row=0,
                                            column="开账日期", params=exc.params)]) from exc
            old = opening.as_domain(stored) if stored is not None else None
            self.change("opening_balance", f"{row['username']}:{year}",
                        "create" if stored is None else "update",
                        {name: (None if old is None else getattr(old, name),
                                getattr(balance, name)) for name in opening.FIELDS
                         if old is None or getattr(old, name) != getattr(balance, name)})
            opening.write_balance(self.session, self.actor_id, cadre.id, year, balance,
                                  "名册导入", via="roster")

    def person(self, row: dict[str, Any], values: dict[str, Any]) -> None:
        self._pending_password = None
        self._username = row["username"]
        values = {"username": row["username"], "name": row["name"], **values}
        if "phone" in row:
            values["phone"] = row["phone"]
        self.upsert("user", self.known.users, row["username"], self.new_user, values,
                    key_attr="username")
        if self._pending_password and not self.dry_run:
            self.result.new_accounts.append((row["username"], self._pending_password))

    def apply_households(self) -> None:
        self.session.flush()
        rows = self.rows.get("households")
        for index, (_, row) in enumerate(rows, 1):
            stored = self.known.households.get(row["code"])
            values: dict[str, Any] = {
                "head_name": row["head_name"], "status": row["status"],
                "village_id": self.known.villages[row["village_code"]].id,
                "helper_id": self.known.users[row["helper_username"]].id,
            }
            if "address" in row or stored is None:
                values["address"] = row.get("address") or ""
            if "phone" in row:
                values["phone"] = row["phone"]
            for key in ("visited_before", "contacted_before"):
                if key in row:  # a missing column keeps the date; an empty cell clears it
                    values[key] = row[key]
            if "lat" in row or "lon" in row or stored is None:
                # The position and the map it was read from go together; a file without the
                # position columns keeps a field-confirmed position.
                lat, lon = row.get("lat"), row.get("lon")
                system = system_of(row, stored)
                if lat is not None and lon is not None:
                    lat, lon = coordinates.to_wgs84(lat, lon, system)
                values.update({"lat": lat, "lon": lon, "coord_source": system})
            self.upsert("household", self.known.households, row["code"], Household, values)
            if index % 1000 == 0 or index == len(rows):
                self.progress("households", index, len(rows))


MASKED_FIELDS = frozenset({"phone"})


def masked(value: Any) -> Any:
    return mask(str(value)) if value else value


# The opening balance's day columns of the cadres' sheet, and the balance's fields.
OPENING_DAYS = {"opening_on_post": "on_post_days", "opening_official": "official_days",
                "opening_training": "training_days", "opening_leave": "leave_days"}


def opening_of(row: dict[str, Any], stored: OpeningBalance | None
               ) -> attendance.OpeningBalance:
    """The balance a cadre row gives: a column it has (an empty cell is 0), else what is
    stored (else 0)."""
    days = {}
    for key, name in OPENING_DAYS.items():
        if key in row:
            days[name] = int(row[key] or 0)
        else:
            days[name] = getattr(stored, name) if stored is not None else 0
    return attendance.OpeningBalance(row["go_live"], **days)


def plain(value: Any) -> Any:
    """A value as JSON holds it: dates as ISO text."""
    return value.isoformat() if isinstance(value, date) else value


def system_of(row: dict[str, Any], stored: Village | Household | None) -> coordinates.System:
    """The map system of a row's position: its own column; without the column, the one the
    stored record was read from (the office uses the same map as before); else WGS-84."""
    if "coord_system" in row:
        return row["coord_system"] or "wgs84"
    if stored is not None and stored.coord_source:
        return stored.coord_source  # type: ignore[return-value]
    return "wgs84"
