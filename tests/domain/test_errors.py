"""Table tests for Refusal: a stable code, the offending field, and named params; the
sentence comes from the edge's table, in Chinese and English."""

from __future__ import annotations

from datetime import date

import pytest

from checkin import refusals
from checkin.domain.refusal import Refusal
from tests.lang import speaking


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
def test_refusal_reads_as_a_sentence_in_chinese_and_english(code, params, zh, en):
    refusal = Refusal(code, field="start_date", **params)
    with speaking("zh-CN"):
        assert refusals.message(refusal) == zh
    with speaking("en"):
        assert refusals.message(refusal) == en
    assert (refusal.code, refusal.field, refusal.params) == (code, "start_date", params)
    assert str(refusal) == code  # no sentence inside the domain: that is the edge's


def test_a_missing_param_leaves_its_placeholder():
    with speaking("en"):
        assert (refusals.message(Refusal("leave_overlaps"))
                == "Overlaps the leave from %(other_start)s to %(other_end)s")


def test_the_api_field_carries_the_sentence():
    with speaking("en"):
        assert refusals.fields(Refusal("position_required", field="lat")) == {
            "lat": "A visit in person needs the position."}
        assert refusals.fields(Refusal("no_proposal")) == {}
