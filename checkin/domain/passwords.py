"""Password rules: long enough and not easy to guess, as zxcvbn judges it.

zxcvbn (Dropbox's estimator) knows the passwords of public breach lists, names, words,
keyboard walks (qwer1234, 1qaz2wsx), dates, repeats and sequences, and what the account
itself is called: it scores 0-4 by the guesses an attacker would need. Score 3 or more
passes ("safely unguessable": some 10^8 guesses and up), as does every random password
the commands make (secrets.token_urlsafe(9) scores 4).
"""

from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn

from checkin.domain.refusal import Refusal

MIN_LENGTH = 8
MIN_SCORE = 3
SCORED_LENGTH = 72  # zxcvbn takes time that grows with length; the rest adds strength only


def check_password(password: str, user_inputs: Iterable[str | None] = ()) -> None:
    """Raise a Refusal when `password` may not be used; `user_inputs` are the account's
    own words (username, name), which count as guessable."""
    if len(password) < MIN_LENGTH:
        raise Refusal("password_too_short", field="password", min_length=MIN_LENGTH)
    words = [word for word in user_inputs if word]
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=words, max_length=SCORED_LENGTH)
    if result["score"] >= MIN_SCORE:
        return
    common = any(match.get("pattern") == "dictionary"
                 and match.get("dictionary_name") == "passwords"
                 for match in result["sequence"])
    raise Refusal("password_common" if common else "password_weak", field="password")
