"""Password rules: long enough and not one of the passwords everybody tries first."""

from __future__ import annotations

from checkin.domain.refusal import Refusal

MIN_LENGTH = 8

# The most common passwords in public breach lists, plus the usual Chinese keyboard walks.
COMMON_PASSWORDS = frozenset((
    "12345678", "123456789", "1234567890", "password", "password1", "password123",
    "qwertyuiop", "qwerty123", "11111111", "00000000", "88888888", "66666666", "12341234",
    "87654321", "11223344", "a1234567", "abc12345", "abcd1234", "1qaz2wsx", "qazwsxedc",
    "iloveyou", "5201314520", "woaini1314", "admin123", "administrator", "passw0rd",
    "p@ssw0rd", "sunshine", "princess", "football", "baseball", "welcome1", "zxcvbnm1",
    "asdfghjkl", "q1w2e3r4", "1q2w3e4r", "123qweasd", "123123123", "147258369", "aaaaaaaa",
    "99999999", "12344321", "computer", "changeme", "letmein1", "trustno1", "superman",
    "123456abc",
))


def check_password(password: str) -> None:
    """Raise a Refusal when `password` may not be used."""
    if len(password) < MIN_LENGTH:
        raise Refusal("password_too_short", field="password", min_length=MIN_LENGTH)
    if password.lower() in COMMON_PASSWORDS:
        raise Refusal("password_common", field="password")
