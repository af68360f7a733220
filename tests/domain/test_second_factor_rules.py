"""The second factor's rules and the session limits, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from checkin.domain import second_factor as sf

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = datetime(2026, 12, 2, 8, 0, 10, tzinfo=UTC)
STEP = int(NOW.timestamp()) // 30


def code_at(step: int) -> str:
    return pyotp.TOTP(SECRET).generate_otp(step)


@pytest.mark.parametrize(("typed", "last", "expected"), [
    (code_at(STEP), None, STEP),                      # the current code
    (code_at(STEP - 1), None, STEP - 1),              # a phone 30 s slow
    (code_at(STEP + 1), None, STEP + 1),              # a phone 30 s fast
    (code_at(STEP - 2), None, None),                  # older than the drift
    (code_at(STEP + 2), None, None),
    (code_at(STEP), STEP, None),                      # the same code again: a replay
    (code_at(STEP - 1), STEP - 1, None),
    (code_at(STEP + 1), STEP, STEP + 1),              # the next step after the last used
    (f"{code_at(STEP)[:3]} {code_at(STEP)[3:]}", None, STEP),  # typed with a space
    ("".join(chr(ord(c) + 0xFEE0) for c in code_at(STEP)), None, STEP),  # full-width
    ("12345", None, None),                            # too short
    ("abcdef", None, None),
    ("", None, None),
])
def test_a_code_matches_its_step_once(typed: str, last: int | None,
                                      expected: int | None) -> None:
    assert sf.matching_step(SECRET, typed, NOW, last) == expected


def test_a_wrong_code_never_matches() -> None:
    right = {code_at(s) for s in range(STEP - 1, STEP + 2)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in right)
    assert sf.matching_step(SECRET, wrong, NOW, None) is None


def test_recovery_codes_are_distinct_readable_and_recognised() -> None:
    codes = sf.new_recovery_codes()
    assert len(codes) == 10 == len(set(codes))
    for code in codes:
        assert len(code) == 9 and code[4] == "-"
        assert not set(code.replace("-", "")) & set("0O1I")
        assert sf.looks_like_recovery_code(code)
        assert sf.looks_like_recovery_code(code.lower().replace("-", " "))
    assert not sf.looks_like_recovery_code("123456")
    assert not sf.looks_like_recovery_code("0000-0000")


def test_the_uri_is_what_authenticator_apps_read() -> None:
    uri = sf.provisioning_uri(SECRET, "sup_county")
    assert uri.startswith("otpauth://totp/checkin:sup_county?")
    assert f"secret={SECRET}" in uri and "issuer=checkin" in uri
    assert len(sf.new_secret()) == 32


@pytest.mark.parametrize(("role", "roles", "required"), [
    ("supervisor", ("supervisor", "admin"), True),
    ("admin", ("supervisor", "admin"), True),
    ("cadre", ("supervisor", "admin"), False),
    ("admin", (), False),
])
def test_who_must_have_a_second_factor(role: str, roles: tuple[str, ...],
                                       required: bool) -> None:
    assert sf.required_for(role, roles) is required


T0 = NOW.timestamp()


@pytest.mark.parametrize(("limits", "signed_in", "seen", "now", "ended"), [
    (sf.SessionLimits(30, 12), T0, T0, T0 + 29 * 60, None),
    (sf.SessionLimits(30, 12), T0, T0, T0 + 31 * 60, "idle"),
    (sf.SessionLimits(30, 12), T0, T0 + 11.9 * 3600, T0 + 12.1 * 3600, "lifetime"),
    (sf.SessionLimits(30, 12), T0, T0 + 11 * 3600, T0 + 11.4 * 3600, None),
    (sf.SessionLimits(0, 0), T0, T0, T0 + timedelta(days=400).total_seconds(), None),
    (sf.SessionLimits(10080, 0), T0, T0, T0 + 6 * 86400, None),   # a cadre's week
    (sf.SessionLimits(10080, 0), T0, T0, T0 + 8 * 86400, "idle"),
])
def test_a_session_ends_when_idle_or_too_old(limits: sf.SessionLimits, signed_in: float,
                                             seen: float, now: float,
                                             ended: str | None) -> None:
    assert sf.session_expired(limits, signed_in, seen, now) == ended
