"""Phone numbers as the signed-in reader may see them: the edge finds how the reader stands
to the number's owner and asks the one table (checkin/domain/personal_data.py). Pages use
`household_number` / `person_number` (Jinja globals) and the `tel` macro; the API and the
exports call the same functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, request
from flask_login import current_user

from checkin import db
from checkin.domain.personal_data import (
    Purpose,
    Shown,
    Tie,
    Whose,
    mask,
    may_export_full,
    shown,
    shows_full,
)
from checkin.domain.refusal import Refusal
from checkin.models import Household, SpotcheckItem, User
from checkin.platform import audit


def _reader() -> Any:
    return current_user if current_user and current_user.is_authenticated else None


def household_tie(reader: Any, household: Household, purpose: Purpose,
                  checker: User | None = None) -> Tie:
    if purpose in (Purpose.SPOTCHECK_CALL, Purpose.EXPORT):
        # The check is the reader's to make: assigned to them, or to nobody yet.
        return Tie.CHECKER if checker is None or checker.id == reader.id else Tie.NONE
    if purpose is Purpose.VISIT and household.helper_id == reader.id:
        return Tie.HELPER
    return Tie.NONE


def person_tie(reader: Any, person: User, purpose: Purpose) -> Tie:
    if person.id == reader.id:
        return Tie.SELF
    if purpose is Purpose.TEAM:
        same = reader.team_id is not None and person.team_id == reader.team_id
        return Tie.TEAMMATE if same else Tie.NONE
    if reader.role == "supervisor" and purpose in (Purpose.SUPERVISE, Purpose.SPOTCHECK_CALL):
        return Tie.IN_SCOPE  # these pages load people through the reader's scope only
    return Tie.NONE


def household_number(household: Household | None, purpose: str,
                     checker: User | None = None) -> Shown | None:
    """The household's phone as the signed-in reader may see it on `purpose`'s page."""
    reader = _reader()
    if household is None or not household.phone:
        return None
    if reader is None:
        return shown(household.phone, False)
    why = Purpose(purpose)
    full = shows_full(Whose.HOUSEHOLD, why, reader.role,
                      household_tie(reader, household, why, checker))
    return shown(household.phone, full)


def person_number(person: User | None, purpose: str) -> Shown | None:
    reader = _reader()
    if person is None or not person.phone:
        return None
    if reader is None:
        return shown(person.phone, False)
    why = Purpose(purpose)
    return shown(person.phone, shows_full(Whose.PERSON, why, reader.role,
                                          person_tie(reader, person, why)))


def text(number: Shown | None) -> str | None:
    """What an API answer or an export cell carries."""
    return None if number is None else number.text


def masked(number: str | None) -> str:
    return mask(number) if number else ""


@dataclass
class ExportNumbers:
    """Households' phones in one export: masked, or (asked for with `?numbers=full` and
    allowed) whole where the rule lets the reader have them, counted for the audit log."""

    full: bool
    export: str = ""
    whole_rows: int = field(default=0)

    @classmethod
    def asked(cls, export: str) -> ExportNumbers:
        """A request for full numbers by someone the rule does not allow is refused (403,
        with an `access.denied` entry, as every refusal for a role): nothing is exported."""
        if request.args.get("numbers") != "full":
            return cls(full=False, export=export)
        if not may_export_full(export, current_user.role):
            audit.record(db.session(), actor_id=current_user.id, action="access.denied",
                         entity="export", entity_id=export,
                         detail={"numbers": "full", "path": request.path[:200]},
                         address=request.remote_addr)
            db.keep_writes()
            raise Refusal("full_numbers_not_allowed")
        return cls(full=True, export=export)

    def phone_of(self, item: SpotcheckItem, checker: User | None) -> str:
        household = item.household
        if household is None or not household.phone:
            return ""
        if self.full and shows_full(Whose.HOUSEHOLD, Purpose.EXPORT, current_user.role,
                                    household_tie(current_user, household, Purpose.EXPORT,
                                                  checker)):
            self.whole_rows += 1
            return household.phone
        return mask(household.phone)

    def audit(self, entity: str, entity_id: object) -> None:
        """Who exported which table with how many whole numbers (once it is written)."""
        if not self.full:
            return
        audit.record(db.session(), actor_id=current_user.id,
                     action="personal_data.export_full", entity=entity, entity_id=entity_id,
                     detail={"export": self.export, "rows_with_full_numbers": self.whole_rows},
                     address=request.remote_addr)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(household_number=household_number,
                                 person_number=person_number,
                                 may_export_full=may_export_full)
    app.jinja_env.filters["masked"] = masked
