"""The week's list and the serious findings as tables to export (checkin/exports.py):
typed cells (days as dates, times as times, risk as a number), in the page's words."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from checkin.models import Area, SpotcheckBatch, SpotcheckItem, User
from checkin.scope import Scope
from checkin.services.spotchecks import results, worklist

CHUNK = 500

PhoneOf = Callable[[SpotcheckItem, User | None], str]
"""The household's phone of a check as the reader may have it, given the check's checker
(the edge decides: checkin/personal_data.py)."""


def no_phone(_item: SpotcheckItem, _checker: User | None) -> str:
    return ""


def kind_word(kind: str) -> str:
    return _("Presence check") if kind == "presence" else _("Visit back-check")


def outcome_word(outcome: str | None) -> str:
    return {"confirmed": _("Confirmed"), "not_confirmed": _("Not confirmed"),
            "unreachable": _("Could not reach anyone")}.get(outcome or "", "")


def verdict_word(verdict: str | None) -> str:
    return {"pass": _("Passed"), "fail": _("Serious finding"),
            "excused": _("Away on approved leave"), "no_contact": _("Nothing established"),
            "excused_on_appeal": _("Excused on appeal")}.get(verdict or "", "")


def flag_words(flags: str) -> str:
    words = {"early_result": _("Recorded before the window"),
             "far_from_village": _("Far from the village"),
             "field_without_position": _("Field check without a position")}
    return "; ".join(words.get(f, f) for f in flags.split(",") if f)


def _township_names(session: Session, items: Sequence[SpotcheckItem]) -> dict[int, str]:
    parents = {i.village.area.parent_id for i in items if i.village.area is not None}
    return {a.id: a.name for a in session.query(Area).filter(Area.id.in_(parents))}


def _rows(session: Session, judged: dict[int, results.Judged], items: Sequence[SpotcheckItem],
          phone_of: PhoneOf) -> Iterator[list[Any]]:
    towns = _township_names(session, items)
    checkers = results.checkers_of(session, [i.id for i in items])
    for item in items:
        j = judged.get(item.id)
        r = item.result
        checker = checkers.get(item.id)
        yield [
            towns.get(item.village.area.parent_id or 0, "") if item.village.area else "",
            item.village.name, kind_word(item.kind), item.user.name,
            item.household.head_name if item.household else "",
            item.day,
            item.window_start.strftime("%H:%M") if item.window_start else "",
            item.window_end.strftime("%H:%M") if item.window_end else "",
            round(item.risk, 2), checker.name if checker else "",
            outcome_word(j.outcome if j else None), verdict_word(j.verdict if j else None),
            (_("Corrected") if j and j.corrected else ""),
            r.recorded_at if r else None, r.distance_m if r else None,
            flag_words(r.flags) if r else "", phone_of(item, checker)]



def _headers() -> list[str]:
    return [_("Township"), _("Village"), _("Check"), _("Cadre"), _("Household"), _("Day"),
            _("From"), _("To"), _("Risk"), _("Checker"), _("Outcome"), _("Verdict"),
            _("Corrected"), _("Recorded"), _("Distance from the village centre (m)"),
            _("Flags"), _("Household's phone")]


def week_list(session: Session, scope: Scope, batch: SpotcheckBatch,
              phone_of: PhoneOf = no_phone) -> tuple[list[str], Iterator[list[Any]]]:
    """Every check of the batch, in township then draw order, read in chunks."""
    def rows() -> Iterator[list[Any]]:
        towns: list[int | None] = [t.id for t in worklist.townships(session, scope, batch.id)]
        for town in towns or [None]:
            number = 1
            while True:
                items, page = worklist.township_page(session, scope, batch.id, town, number,
                                                     size=CHUNK)
                judged = {j.item.id: j for j in results.judge(session, items)}
                yield from _rows(session, judged, items, phone_of)
                if page.number >= page.pages:
                    break
                number += 1
    return _headers(), rows()


def findings(session: Session, scope: Scope, first: date, last: date,
             phone_of: PhoneOf = no_phone) -> tuple[list[str], Iterator[list[Any]]]:
    found = results.serious_findings(session, scope, first, last)
    judged = {j.item.id: j for j in found}
    return _headers(), _rows(session, judged, [j.item for j in found], phone_of)


