"""Password rules: zxcvbn's judgement, the account's own words, the refusal codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from checkin.domain.passwords import (
    PasswordRules,
    check_password,
    expired,
    kinds_of,
    new_password,
)
from checkin.domain.refusal import Refusal


@pytest.mark.parametrize(("password", "code"), [
    ("short", "password_too_short"), ("12345678", "password_common"),
    ("password123", "password_common"), ("Password2024!", "password_common"),
    ("iloveyou2024", "password_common"), ("1qaz2wsx3edc", "password_common"),
    ("qwer1234tyui", "password_common"), ("abc123abc123", "password_weak"),
    ("aaaaaaaaaaaa", "password_weak"),
])
def test_easy_passwords_are_refused(password: str, code: str) -> None:
    with pytest.raises(Refusal) as refused:
        check_password(password)
    assert refused.value.code == code and refused.value.field == "password"


def test_the_account_s_own_words_count_as_guessable() -> None:
    two_kinds = PasswordRules(min_kinds=2)  # this rule alone, not the mix of kinds
    check_password("zhangwei1990x", (), two_kinds)
    with pytest.raises(Refusal):
        check_password("zhangwei1990x", ("zhangwei1990", "张伟"), two_kinds)


@pytest.mark.parametrize("password", [
    "correct-horse-42", "training-room-1", "初始密码-山前村-2026", "a-New-long-secret",
    *(new_password() for _ in range(20)), "mountain-river-teapot-lantern-" * 10,
    "a new long secret of mine"])
def test_good_and_random_passwords_pass(password: str) -> None:
    check_password(password)


@pytest.mark.parametrize(("password", "rules", "code"), [
    ("a-new-long-secret", PasswordRules(), "password_kinds"),        # 2 kinds, 17 characters
    ("Gx7TqLmBvRwZ", PasswordRules(), None),                         # 3 kinds
    ("gx7tqlmbvrwz", PasswordRules(), "password_kinds"),
    ("gx7tqlmbvrwz", PasswordRules(min_kinds=2), None),
    ("correct-horse-42", PasswordRules(min_length=20), "password_too_short"),
    ("vz-wangli-83-Qk", PasswordRules(), "password_has_username"),   # the username in it
])
def test_the_rules_as_set(password: str, rules: PasswordRules, code: str | None) -> None:
    if code is None:
        check_password(password, ("wangli", "王丽"), rules)
        return
    with pytest.raises(Refusal) as refused:
        check_password(password, ("wangli", "王丽"), rules)
    assert refused.value.code == code


@pytest.mark.parametrize(("password", "kinds"), [
    ("abc", 1), ("aB", 2), ("aB3", 3), ("aB3-", 4), ("aB3-张", 5), ("张伟", 1), ("a b", 2),
])
def test_kinds_of_characters(password: str, kinds: int) -> None:
    assert kinds_of(password) == kinds


NOW = datetime(2026, 12, 2, tzinfo=UTC)


@pytest.mark.parametrize(("changed", "days", "too_old"), [
    (NOW - timedelta(days=400), 0, False),   # expiry off by default
    (NOW - timedelta(days=91), 90, True),
    (NOW - timedelta(days=89), 90, False),
    (None, 90, False),                       # not known: not judged
])
def test_expiry(changed: datetime | None, days: int, too_old: bool) -> None:
    assert expired(changed, NOW, PasswordRules(max_age_days=days)) is too_old
