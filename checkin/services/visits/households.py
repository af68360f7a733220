"""Households with their last contact and visit and where they stand on the cadence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, NamedTuple, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from checkin.domain import cadence, standing
from checkin.domain.policy import Policy
from checkin.models import Household, HouseholdContact, Team, User, Visit
from checkin.platform import keyset
from checkin.platform.among import among
from checkin.scope import Scope
from checkin.services.people import directory


class HouseholdRef(NamedTuple):
    """What the cadence reads of a household: a row, not an ORM object, for pages that
    classify a province's 220,000 households and show a page of them (household_refs)."""

    id: int
    code: str
    village_id: int
    status: str
    helper_id: int
    helper_grace_from: date | None
    visited_before: date | None
    contacted_before: date | None


H = TypeVar("H", Household, HouseholdRef)


@dataclass(frozen=True)
class HouseholdRow(Generic[H]):
    household: H
    last_contact: date | None  # any contact, a visit included
    last_visit: date | None
    due: cadence.DueState

    @property
    def status(self) -> str:
        return self.household.status

    @property
    def owes(self) -> standing.DueItem | None:
        """What the household owes first (a visit or a contact) and by when."""
        return standing.what_is_due(self.due)


def superseded() -> Select[str | None]:
    """Visits that a correction replaced: their replacement counts instead."""
    return select(Visit.corrects_id).where(Visit.corrects_id.is_not(None))


def last_dates(session: Session, household_ids: Sequence[int]
               ) -> dict[int, tuple[date | None, date | None]]:
    """(last contact of any kind, last visit in person) per household, from the row the
    database keeps of each (household_contacts, kept by triggers on visits): corrected
    visits count as their correction."""
    rows = session.execute(
        select(HouseholdContact.household_id, HouseholdContact.last_contact,
               HouseholdContact.last_visit)
        .where(among(session, HouseholdContact.household_id, household_ids)))
    return {hid: (contact, visit) for hid, contact, visit in rows}


def household_rows(session: Session, scope: Scope, today: date, policy: Policy, *,
                   village_id: int | None = None, helper_id: int | None = None,
                   query: str = "", due: str | None = None, limit: int = 2000,
                   under: str | None = None) -> list[HouseholdRow]:
    households = directory.households(session, scope, village_id=village_id,
                                      helper_id=helper_id, query=query, limit=limit,
                                      under=under)
    return [r for r in rows_of(session, households, today, policy)
            if due is None or r.due.state == due]


def ref_rows(session: Session, scope: Scope, today: date, policy: Policy, *,
             under: str | None = None) -> list[HouseholdRow[HouseholdRef]]:
    """Every household of the scope (under the area path `under`) where it stands, as light
    rows read with their dates in one statement: a province's 220,000 households."""
    stmt = directory.households_query(scope, under=under).outerjoin(
        HouseholdContact, HouseholdContact.household_id == Household.id).with_only_columns(
        *(getattr(Household, name) for name in HouseholdRef._fields),
        HouseholdContact.last_contact, HouseholdContact.last_visit)
    refs: list[HouseholdRef] = []
    dates: dict[int, tuple[date | None, date | None]] = {}
    for *fields, contact, visit in session.execute(stmt):
        ref = HouseholdRef(*fields)
        refs.append(ref)
        dates[ref.id] = (contact, visit)
    return _classified(session, refs, dates, today, policy)


def rows_of(session: Session, households: Sequence[H], today: date, policy: Policy
            ) -> list[HouseholdRow[H]]:
    """The households where they stand: two queries for all of them, none per row."""
    return _classified(session, households, last_dates(session, [h.id for h in households]),
                       today, policy)


def _classified(session: Session, households: Sequence[H],
                dates: dict[int, tuple[date | None, date | None]], today: date,
                policy: Policy) -> list[HouseholdRow[H]]:
    since = helper_since(session, households)
    rows = []
    for household in households:
        contact, visit = with_register(household, *dates.get(household.id, (None, None)))
        state = cadence.household_due(household.status, contact, visit,
                                      since.get(household.helper_id, today), today, policy,
                                      household.helper_grace_from)
        rows.append(HouseholdRow(household, contact, visit, state))
    return rows


HOUSEHOLD_LIKE = (int, str, int)
SCAN = 2000  # households read at a time while a due filter fills a page


def household_key(household: Household) -> tuple[int, str, int]:
    return (household.village_id, household.code, household.id)


def household_slice(session: Session, scope: Scope, today: date, policy: Policy, *,
                    cursor: str, size: int, due: str | None = None,
                    village_id: int | None = None, helper_id: int | None = None,
                    query: str = "") -> tuple[list[HouseholdRow], str | None]:
    """`size` of the scope's households after the cursor, by village and code, and the next
    page's cursor (None on the last): paged in SQL, so a province's 220,000 are all
    reachable with nothing loaded beyond the page. A due state is computed, not stored: with
    a `due` filter the households are read on, SCAN at a time, until the page is full."""
    stmt = directory.households_query(scope, village_id=village_id, helper_id=helper_id,
                                      query=query)
    order = directory.HOUSEHOLD_ORDER
    if due is None:
        chunk, next_cursor = keyset.slice_after(session, stmt, order, household_key, cursor,
                                                HOUSEHOLD_LIKE, size)
        return rows_of(session, chunk, today, policy), next_cursor
    found: list[HouseholdRow] = []
    after: str | None = cursor
    while after is not None and len(found) <= size:
        chunk, after = keyset.slice_after(session, stmt, order, household_key, after,
                                          HOUSEHOLD_LIKE, SCAN)
        found += [r for r in rows_of(session, chunk, today, policy) if r.due.state == due]
    if len(found) > size:
        return found[:size], keyset.encode(household_key(found[size - 1].household))
    return found, None


def with_register(household: Household | HouseholdRef, contact: date | None,
                  visit: date | None) -> tuple[date | None, date | None]:
    """The last contact and visit, counting the ones before go-live that the roster brought
    (the county's register): a recorded one that is newer wins."""
    visit = cadence.latest(visit, household.visited_before)
    return cadence.latest(contact, household.contacted_before, visit), visit


def helper_since(session: Session, households: Sequence[Household | HouseholdRef]
                 ) -> dict[int, date]:
    """The day a helper's duty began: the start of their team's term."""
    helper_ids = {h.helper_id for h in households}
    rows = session.execute(select(User.id, Team.term_start).join(Team, User.team_id == Team.id)
                           .where(among(session, User.id, helper_ids)))
    return {user_id: start for user_id, start in rows}


def sort_for_cadre(rows: list[HouseholdRow], helper_id: int) -> list[HouseholdRow]:
    """Mine first, then the rest of the village; within each, overdue, due, then ok."""
    return sorted(rows, key=cadre_order(helper_id))


def cadre_order(helper_id: int) -> Callable[[HouseholdRow], tuple[int | str, ...]]:
    """The key of that order, of ints and strings (a keyset cursor carries it)."""
    def key(row: HouseholdRow) -> tuple[int | str, ...]:
        rank, _far, _distance, deadline = cadence.sort_key(row.due, None)
        return (int(row.household.helper_id != helper_id), rank, deadline.isoformat(),
                row.household.code, row.household.id)
    return key


def household_row(session: Session, household: Household, today: date, policy: Policy
                  ) -> HouseholdRow:
    """One household where it stands, as household_rows computes it for a list."""
    contact, visit = with_register(household, *last_dates(session, [household.id]).get(
        household.id, (None, None)))
    since = helper_since(session, [household]).get(household.helper_id, today)
    state = cadence.household_due(household.status, contact, visit, since, today, policy,
                                  household.helper_grace_from)
    return HouseholdRow(household, contact, visit, state)
