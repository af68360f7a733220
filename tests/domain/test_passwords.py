"""Password rules: zxcvbn's judgement, the account's own words, the refusal codes."""

from __future__ import annotations

import secrets

import pytest

from checkin.domain.passwords import check_password
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
    check_password("zhangwei1990x")
    with pytest.raises(Refusal):
        check_password("zhangwei1990x", ("zhangwei1990", "张伟"))


@pytest.mark.parametrize("password", [
    "correct-horse-42", "a-new-long-secret", "training-room-1", "初始密码-山前村-2026",
    *(secrets.token_urlsafe(9) for _ in range(5)), "mountain-river-teapot-lantern-" * 10])
def test_good_and_random_passwords_pass(password: str) -> None:
    check_password(password)
