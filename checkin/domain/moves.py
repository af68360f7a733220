"""A household moves to another village (易地扶贫搬迁, relocation; issue #19): who may move
it, to whom, on which day. Pure: the service gathers the facts, this says yes or why not.

Decisions:

- Who: a supervisor whose jurisdiction holds both villages (the county for a move between
  its townships, the township inside itself), or an admin. The old village is held because
  the household is; the new one must be in the mover's jurisdiction too.
- To whom: a household always has a resident cadre (its list, the team's visits), and the
  old one lives in the other village, so a new one is needed: an active cadre of the new
  village. A responsible helper who does not live in the village (帮扶责任人) may be chosen
  too, registered for the new village; the old one was registered for the old village and
  is left behind when none is chosen.
- The day: not in the future, and not before the household's last record (a visit or
  contact, the last move): the history stays in order. A past day is allowed (the move is
  often written down after the family has gone); the new helper's grace runs from the day
  of the move with the rule of domain/helpers.py, given once per visit period.
- What goes with the household: its visits (they keep their own village, as they were
  made), its register dates, its status and its phone. The address is replaced when the
  mover gives the new one (blank keeps the old text; the roster corrects it later), the
  old one kept in the move record. What does not go: the position, which was in the old
  village. The
  confirmed and the proposed position are cleared (CLEARED_WITH_THE_VILLAGE) so that the
  first accurate visit in the new village proposes a new one; the old position is kept in
  the move record.
- A phone offline at the move: a visit or contact the old helper made on or before the
  day of the move and sends later is kept, in the old village (services/visits/recording);
  one made after that day is refused, as for any household not in the cadre's village.
- Who sees it: the household is in the new village's jurisdiction from the move on. The
  old village's supervisors who do not hold the new village no longer see the household
  nor its move (the move names the new village and helper, outside their jurisdiction);
  they still see the visits made in their village, which stay there (with their village's
  fence and name, never the new village's). The new village's supervisors see the
  household's own history on its page: the move (from which village), its helpers, and
  the day, kind and maker of each past visit with the village it was made in; the old
  visits' pages (photos, positions, notes) stay in the old village's jurisdiction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from checkin.domain.refusal import Refusal

REASON_LIMIT = 2000
ADDRESS_LIMIT = 200  # households.address
# Household columns that belong to the old village: cleared by the move.
CLEARED_WITH_THE_VILLAGE = ("lat", "lon", "proposed_lat", "proposed_lon",
                            "proposed_by_visit_id")


@dataclass(frozen=True)
class MoveFacts:
    from_village_id: int
    to_village_id: int | None  # None: no such village in the mover's jurisdiction
    old_helper_id: int
    new_helper_id: int | None
    new_helper_village_id: int | None  # None: not an active cadre
    outside_village_id: int | None  # the chosen outside helper's village; None: none chosen
    moved_on: date | None
    today: date
    last_record_day: date | None  # the household's last visit, contact or move
    reason: str
    outside_chosen: bool = False  # an outside helper was asked for (even an unknown one)
    to_village_name: str = ""  # for the sentences
    address: str = ""  # the address in the new village; blank keeps the old text


def check(facts: MoveFacts) -> None:
    """Refuse the first thing wrong, in the order a person fills in the form."""
    if facts.to_village_id is None:
        raise Refusal("move_village_not_held", field="to_village_id")
    if facts.to_village_id == facts.from_village_id:
        raise Refusal("move_same_village", field="to_village_id",
                      village=facts.to_village_name)
    if facts.new_helper_id is not None and facts.new_helper_id == facts.old_helper_id:
        raise Refusal("move_helper_stays", field="helper_id")
    if facts.new_helper_village_id != facts.to_village_id:
        raise Refusal("move_helper_not_in_village", field="helper_id",
                      village=facts.to_village_name)
    if (facts.outside_chosen or facts.outside_village_id is not None) \
            and facts.outside_village_id != facts.to_village_id:
        raise Refusal("move_outside_not_in_village", field="outside_helper_id",
                      village=facts.to_village_name)
    if facts.moved_on is None:
        raise Refusal("move_day_required", field="moved_on")
    if facts.moved_on > facts.today:
        raise Refusal("move_day_future", field="moved_on", day=facts.moved_on.isoformat())
    if facts.last_record_day is not None and facts.moved_on < facts.last_record_day:
        raise Refusal("move_day_before_history", field="moved_on",
                      day=facts.last_record_day.isoformat())
    reason = facts.reason.strip()
    if not reason:
        raise Refusal("move_reason_required", field="reason")
    if len(reason) > REASON_LIMIT:
        raise Refusal("move_reason_too_long", field="reason", limit=REASON_LIMIT)
    if len(facts.address.strip()) > ADDRESS_LIMIT:
        raise Refusal("move_address_too_long", field="address", limit=ADDRESS_LIMIT)
