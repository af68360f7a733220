"""Table tests for RuleViolation: stable code, offending field, sentences in both languages."""

from __future__ import annotations

from datetime import date

import pytest

from checkin.domain.errors import RuleViolation


@pytest.mark.parametrize(
    "code, params, zh, en",
    [
        (
            "leave_backdated",
            {"earliest": date(2026, 11, 22)},
            "请假须事先申请，开始日期不能早于 2026-11-22",
            "Leave must be asked for beforehand: it cannot start before 2026-11-22",
        ),
        (
            "leave_too_long",
            {"days": 91, "max_days": 90},
            "一次请假最多 90 天，本次 91 天",
            "One leave is at most 90 days, this one is 91",
        ),
        (
            "leave_bad_state",
            {"status": "closed", "target": "approved"},
            "请假状态为 已销假，不能改为 已批准",
            "A leave that is closed cannot become approved",
        ),
        ("no_such_code", {}, "no_such_code", "no_such_code"),
    ],
)
def test_violation_reads_as_a_sentence_in_chinese_and_english(code, params, zh, en):
    error = RuleViolation(code, field="start_date", params=params)
    assert (error.text("zh"), error.text("en")) == (zh, en)
    assert error.message == en == str(error)  # the default message is the English sentence
    assert (error.code, error.field) == (code, "start_date")


def test_a_missing_param_leaves_its_placeholder():
    assert (
        RuleViolation("leave_overlaps").text("en")
        == "Overlaps the leave from {other_start} to {other_end}"
    )


def test_an_explicit_message_wins():
    error = RuleViolation("leave_overlaps", "custom words", field="start_date")
    assert (error.message, str(error), error.params) == ("custom words", "custom words", {})
