"""Who sees a phone or identity number in full, and how it is masked otherwise (PIPL art. 6:
the minimum necessary). One table decides for every page, API answer and export.

A number belongs to a household (a villager: the data subject the issue is about) or to a
person who signs in (a cadre, a supervisor). It is shown in full only where the reader must
call it: the household's own helper on the visit pages, the checker working a spot check,
supervisors calling the cadres of their jurisdiction, team-mates calling each other, an
admin keeping the accounts, and anyone their own. Everywhere else it is masked
(138****0001, 0556-****567, 3408**********1234). The village office's landline is an
office's number, not a person's, and is not masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Whose(StrEnum):
    HOUSEHOLD = "household"  # a villager's number
    PERSON = "person"  # a cadre's or a supervisor's number


class Purpose(StrEnum):
    VISIT = "visit"  # a cadre's own households, the visit form, the households API
    SPOTCHECK_CALL = "spotcheck_call"  # the spot-check list, a check's page, its API
    SUPERVISE = "supervise"  # today on post, the leave inbox, the directory, a cadre's file
    TEAM = "team"  # a cadre's team-mates on home
    ACCOUNTS = "accounts"  # an admin's person page
    LIST = "list"  # any other list or table (supervisors' household lists, ...)
    EXPORT = "export"  # a table downloaded; full only when asked for and allowed


class Tie(StrEnum):
    """How the reader stands to the number's owner, found by the edge."""

    SELF = "self"  # the reader's own number
    HELPER = "helper"  # the household's responsible helper
    CHECKER = "checker"  # the check is the reader's to make (theirs, or nobody's yet)
    IN_SCOPE = "in_scope"  # a supervisor over the person's village
    TEAMMATE = "teammate"  # the same work team
    NONE = "none"


FULL: frozenset[tuple[Whose, Purpose, str, Tie]] = frozenset({
    (Whose.HOUSEHOLD, Purpose.VISIT, "cadre", Tie.HELPER),
    (Whose.HOUSEHOLD, Purpose.SPOTCHECK_CALL, "supervisor", Tie.CHECKER),
    (Whose.HOUSEHOLD, Purpose.EXPORT, "supervisor", Tie.CHECKER),
    (Whose.PERSON, Purpose.SPOTCHECK_CALL, "supervisor", Tie.IN_SCOPE),
    (Whose.PERSON, Purpose.SUPERVISE, "supervisor", Tie.IN_SCOPE),
    (Whose.PERSON, Purpose.TEAM, "cadre", Tie.TEAMMATE),
    (Whose.PERSON, Purpose.ACCOUNTS, "admin", Tie.NONE),
})
"""(whose number, on what, reader's role, tie) that show the number in full. Nothing else
does, except one's own number."""

# Exports that may carry full numbers, and who may ask for them; the rows still go through
# FULL one by one (a supervisor's full export of the week's list has full numbers only for
# the checks that are theirs to make).
FULL_EXPORTS: frozenset[tuple[str, str]] = frozenset({("spotcheck_week", "supervisor")})


def shows_full(whose: Whose, purpose: Purpose, role: str, tie: Tie) -> bool:
    if tie is Tie.SELF:
        return True
    return (whose, purpose, role, tie) in FULL


def may_export_full(export: str, role: str) -> bool:
    return (export, role) in FULL_EXPORTS


MOBILE = re.compile(r"^(\+?86)?(1\d{2})(\d{4})(\d{4})$")
IDENTITY = re.compile(r"^(\d{4})\d{10}(\d{3}[\dXx])$")
LANDLINE = re.compile(r"^(0\d{2,3})-?(\d+)(-\d+)?$")


def mask(number: str) -> str:
    """138****0001; 0556-****567 (area code, then the last three digits); an identity
    number's region and last four (3408**********1234); anything else its last two."""
    text = number.strip().replace(" ", "")
    found = MOBILE.match(text)
    if found:
        return f"{found.group(2)}****{found.group(4)}"
    found = IDENTITY.match(text)
    if found:
        return f"{found.group(1)}{'*' * 10}{found.group(2)}"
    found = LANDLINE.match(text)
    if found and len(found.group(2)) >= 5:
        return f"{found.group(1)}-****{found.group(2)[-3:]}"
    if len(text) <= 2:
        return "*" * len(text)
    return "*" * (len(text) - 2) + text[-2:]


@dataclass(frozen=True)
class Shown:
    """A number as one reader sees it: the text, and whether it is whole (a tel: link)."""

    text: str
    full: bool


def shown(number: str | None, full: bool) -> Shown | None:
    if not number:
        return None
    return Shown(number, True) if full else Shown(mask(number), False)
