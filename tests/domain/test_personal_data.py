"""Who sees a number in full (PIPL: the minimum necessary), and how it is masked."""

from __future__ import annotations

import pytest

from checkin.domain.personal_data import (
    FULL,
    Purpose,
    Tie,
    Whose,
    mask,
    may_export_full,
    shown,
    shows_full,
)

H, P = Whose.HOUSEHOLD, Whose.PERSON


@pytest.mark.parametrize(("number", "masked"), [
    ("13800000001", "138****0001"),
    ("+8613912345678", "139****5678"),
    ("0556-8123456", "0556-****456"),
    ("010-12345678", "010-****678"),
    ("05568123456", "0556-****456"),
    ("340828199001011234", "3408**********1234"),
    ("34082819900101123X", "3408**********123X"),
    ("12345", "***45"),
    ("7", "*"),
])
def test_masks(number: str, masked: str) -> None:
    assert mask(number) == masked


@pytest.mark.parametrize(("whose", "purpose", "role", "tie", "full"), [
    # a household's number: its helper on the visit pages, the checker on the spot check
    (H, Purpose.VISIT, "cadre", Tie.HELPER, True),
    (H, Purpose.VISIT, "cadre", Tie.TEAMMATE, False),  # another helper's household
    (H, Purpose.VISIT, "cadre", Tie.NONE, False),
    (H, Purpose.VISIT, "supervisor", Tie.IN_SCOPE, False),
    (H, Purpose.LIST, "supervisor", Tie.IN_SCOPE, False),
    (H, Purpose.LIST, "admin", Tie.NONE, False),
    (H, Purpose.SPOTCHECK_CALL, "supervisor", Tie.CHECKER, True),
    (H, Purpose.SPOTCHECK_CALL, "supervisor", Tie.IN_SCOPE, False),  # someone else's check
    (H, Purpose.SPOTCHECK_CALL, "admin", Tie.CHECKER, False),  # admins do not call
    (H, Purpose.SPOTCHECK_CALL, "cadre", Tie.CHECKER, False),
    (H, Purpose.EXPORT, "supervisor", Tie.CHECKER, True),
    (H, Purpose.EXPORT, "supervisor", Tie.IN_SCOPE, False),
    (H, Purpose.EXPORT, "admin", Tie.NONE, False),
    # a person's number: supervisors over them, team-mates, the accounts admin, oneself
    (P, Purpose.SUPERVISE, "supervisor", Tie.IN_SCOPE, True),
    (P, Purpose.SUPERVISE, "supervisor", Tie.NONE, False),
    (P, Purpose.SUPERVISE, "admin", Tie.NONE, False),
    (P, Purpose.SPOTCHECK_CALL, "supervisor", Tie.IN_SCOPE, True),
    (P, Purpose.TEAM, "cadre", Tie.TEAMMATE, True),
    (P, Purpose.TEAM, "cadre", Tie.NONE, False),
    (P, Purpose.ACCOUNTS, "admin", Tie.NONE, True),
    (P, Purpose.ACCOUNTS, "supervisor", Tie.IN_SCOPE, False),
    (P, Purpose.LIST, "cadre", Tie.SELF, True),
    (H, Purpose.LIST, "cadre", Tie.SELF, True),
])
def test_who_sees_full(whose: Whose, purpose: Purpose, role: str, tie: Tie, full: bool) -> None:
    assert shows_full(whose, purpose, role, tie) is full


def test_no_household_number_is_whole_on_a_plain_list() -> None:
    assert not [row for row in FULL if row[0] is H and row[1] is Purpose.LIST]
    assert not [row for row in FULL if row[0] is H and row[2] == "admin"]


@pytest.mark.parametrize(("export", "role", "allowed"), [
    ("spotcheck_week", "supervisor", True),
    ("spotcheck_week", "admin", False),
    ("spotcheck_week", "cadre", False),
    ("visits", "supervisor", False),
    ("overdue", "supervisor", False),
])
def test_full_exports(export: str, role: str, allowed: bool) -> None:
    assert may_export_full(export, role) is allowed


def test_shown() -> None:
    assert shown(None, True) is None
    assert shown("", False) is None
    whole = shown("13800000001", True)
    assert whole is not None and whole.full and whole.text == "13800000001"
    masked = shown("13800000001", False)
    assert masked is not None and not masked.full and masked.text == "138****0001"
