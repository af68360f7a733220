"""A second factor for sign-in (等保 2.0 level 3, 双因素): a time-based one-time code (TOTP,
RFC 6238: 6 digits, 30 s steps, as every authenticator app makes them) or one of ten
single-use recovery codes; and how long a signed-in session lives.

- A code is accepted for the step before, the current step and the step after (a phone's
  clock a little off), and never twice: a step at or before the last one used is refused, so
  a code seen over a shoulder cannot be replayed.
- Recovery codes are 10 groups of 4+4 letters and digits from an alphabet without 0/O/1/I;
  typed with or without the dash, in either case.
- Which roles must have a second factor is a setting; nobody is forced by default.
- Sessions end after a time without a request (idle) and after an absolute lifetime since
  sign-in, both per role; 0 means no limit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pyotp

STEP_S = 30
DIGITS = 6
DRIFT_STEPS = 1
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ISSUER = "checkin"


def new_secret() -> str:
    """A random base32 secret of 160 bits, as RFC 4226 recommends."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).provisioning_uri(
        name=account, issuer_name=issuer)


def clean_code(text: str) -> str:
    """What was typed, without spaces, dashes and full-width forms, upper case."""
    folded = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in text)
    return "".join(c for c in folded if c.isalnum()).upper()


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The step whose code `code` is (within the drift), if it is later than `last_step`."""
    code = clean_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S)
    current = int(now.timestamp()) // STEP_S
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Codes as shown to the person: XXXX-XXXX."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(8))
        codes.append(f"{raw[:4]}-{raw[4:]}")
    return codes


def looks_like_recovery_code(text: str) -> bool:
    code = clean_code(text)
    return len(code) == 8 and all(c in RECOVERY_ALPHABET for c in code)


def required_for(role: str, required_roles: Iterable[str]) -> bool:
    return role in set(required_roles)


@dataclass(frozen=True)
class SessionLimits:
    """Minutes without a request, and hours since sign-in, after which a session ends."""

    idle_minutes: int
    max_hours: int


def session_expired(limits: SessionLimits, signed_in_at: float, seen_at: float,
                    now: float) -> str | None:
    """"idle" or "lifetime" if the session must end now (times in epoch seconds)."""
    if limits.max_hours and now - signed_in_at > limits.max_hours * 3600:
        return "lifetime"
    if limits.idle_minutes and now - seen_at > limits.idle_minutes * 60:
        return "idle"
    return None
