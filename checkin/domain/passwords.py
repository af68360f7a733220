"""Password rules: long enough, of enough kinds of character, not the account's own name,
not easy to guess as zxcvbn judges it, not one of the last few, and not too old.

The length, kinds, history and age are settings (等保 2.0 level 3 asks for them): by default
at least 8 characters of 3 of the kinds lower case, upper case, digits, punctuation and
other letters (Chinese counts as one kind), the last 5 passwords refused, no expiry. A
passphrase of `PASSPHRASE_LENGTH` characters or more needs no mix of kinds: its length is
its strength (NIST SP 800-63B), and zxcvbn still judges it.

zxcvbn (Dropbox's estimator) knows the passwords of public breach lists, names, words,
keyboard walks (qwer1234, 1qaz2wsx), dates, repeats and sequences, and what the account
itself is called: it scores 0-4 by the guesses an attacker would need. Score 3 or more
passes ("safely unguessable": some 10^8 guesses and up), as does every random password
the commands make (`new_password()`, 14 characters of every kind, scores 4).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from zxcvbn import zxcvbn

from checkin.domain.refusal import Refusal

MIN_LENGTH = 8
MIN_SCORE = 3
SCORED_LENGTH = 72  # zxcvbn takes time that grows with length; the rest adds strength only
PASSPHRASE_LENGTH = 20


@dataclass(frozen=True)
class PasswordRules:
    min_length: int = MIN_LENGTH
    min_kinds: int = 3
    history: int = 5        # the current password and this many before it are refused
    max_age_days: int = 0   # 0: passwords never expire


DEFAULT_RULES = PasswordRules()


def kinds_of(password: str) -> int:
    """How many kinds of character: lower, upper, digit, ASCII punctuation, other."""
    kinds = set()
    for char in password:
        if char in string.ascii_lowercase:
            kinds.add("lower")
        elif char in string.ascii_uppercase:
            kinds.add("upper")
        elif char in string.digits:
            kinds.add("digit")
        elif char in string.punctuation or char == " ":
            kinds.add("punctuation")
        else:
            kinds.add("other")
    return len(kinds)


def contains_username(password: str, username: str | None) -> bool:
    return bool(username) and len(username or "") >= 3 and \
        (username or "").lower() in password.lower()


def expired(changed_at: datetime | None, now: datetime, rules: PasswordRules) -> bool:
    """A password older than the rules allow (never when expiry is off or not known)."""
    return bool(rules.max_age_days) and changed_at is not None and \
        now - changed_at > timedelta(days=rules.max_age_days)


def new_password(length: int = 14) -> str:
    """A random password of every kind the rules count (for resets and new accounts)."""
    alphabet = string.ascii_letters + string.digits + "-_.!"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if kinds_of(candidate) >= 4:
            return candidate


def check_password(password: str, user_inputs: Iterable[str | None] = (),
                   rules: PasswordRules = DEFAULT_RULES) -> None:
    """Raise a Refusal when `password` may not be used; `user_inputs` are the account's
    own words (username first, then the name), which count as guessable."""
    if len(password) < rules.min_length:
        raise Refusal("password_too_short", field="password", min_length=rules.min_length)
    words = [word for word in user_inputs if word]
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=words, max_length=SCORED_LENGTH)
    if result["score"] < MIN_SCORE:
        common = any(match.get("pattern") == "dictionary"
                     and match.get("dictionary_name") == "passwords"
                     for match in result["sequence"])
        raise Refusal("password_common" if common else "password_weak", field="password")
    if words and contains_username(password, words[0]):
        raise Refusal("password_has_username", field="password")
    if len(password) < PASSPHRASE_LENGTH and kinds_of(password) < rules.min_kinds:
        raise Refusal("password_kinds", field="password", kinds=rules.min_kinds,
                      passphrase=PASSPHRASE_LENGTH)
