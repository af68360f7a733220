"""Risk score: every record has a chance, forged-looking traces and neglected cadres weigh most."""

from __future__ import annotations

import re

import pytest

from checkin.domain.risk import (
    BASE_WEIGHT,
    FLAG_WEIGHTS,
    CadreHistory,
    RiskReason,
    score_record,
)
from checkin.reasons import risk_text
from tests.lang import speaking

CLEAN = CadreHistory(failed_checks=0, checks=4, days_since_last_check=0)


def reason_text(reason: RiskReason, lang: str) -> str:
    with speaking(lang):
        return risk_text(reason)


def codes(flags: list[str], history: CadreHistory = CLEAN, kind: str = "visit") -> list[str]:
    return [r.code for r in score_record(flags, history, kind).reasons]  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["checkin", "visit"])
def test_a_clean_record_of_a_recently_checked_cadre_still_has_the_base_chance(kind: str) -> None:
    result = score_record([], CLEAN, kind)  # type: ignore[arg-type]
    assert result.score == BASE_WEIGHT[kind] > 0  # type: ignore[index]
    assert [r.code for r in result.reasons] == ["base"]


@pytest.mark.parametrize(
    ("flag", "weight"),
    [
        ("duplicate_photo", 4.0),
        ("impossible_travel", 4.0),
        ("synced_too_late", 3.0),
        ("clock_disagrees", 3.0),
        ("exif_gps_far", 2.5),
        ("outside_fence", 2.0),
        ("far_from_household", 2.0),
        ("clock_skew", 1.5),
        ("photo_old", 1.5),
        ("low_accuracy", 1.0),
        ("late_sync", 0.5),
        ("no_exif_time", 0.5),
    ],
)
def test_each_flag_adds_its_weight_to_the_base(flag: str, weight: float) -> None:
    result = score_record([flag], CLEAN, "visit")
    assert result.score == pytest.approx(1.0 + weight)
    assert RiskReason(flag, weight) in result.reasons


def test_reused_photos_and_impossible_travel_weigh_the_most() -> None:
    strongest = max(FLAG_WEIGHTS.values())
    assert {f for f, w in FLAG_WEIGHTS.items() if w == strongest} == {
        "duplicate_photo",
        "impossible_travel",
    }


@pytest.mark.parametrize(
    ("flags", "score"),
    [
        (["outside_fence", "low_accuracy"], 4.0),
        (["duplicate_photo", "exif_gps_far", "photo_old"], 9.0),
        (["late_sync", "late_sync", "late_sync"], 1.5),  # a flag counts once
    ],
)
def test_flags_add_up(flags: list[str], score: float) -> None:
    assert score_record(flags, CLEAN, "checkin").score == pytest.approx(score)


def test_an_unknown_flag_counts_visibly_instead_of_failing() -> None:
    result = score_record(["new_rule"], CLEAN, "checkin")
    assert result.score == pytest.approx(2.0)
    assert RiskReason("other_flag", 1.0, {"flag": "new_rule"}) in result.reasons


@pytest.mark.parametrize(
    ("failed", "checks", "added"),
    [
        (0, 10, 0.0),
        (1, 10, 1.5),
        (2, 2, 3.0),
        (3, 9, 4.5),
        (7, 9, 4.5),  # capped at three failures
    ],
)
def test_earlier_failed_spot_checks_add_risk(failed: int, checks: int, added: float) -> None:
    history = CadreHistory(failed_checks=failed, checks=checks, days_since_last_check=0)
    assert score_record([], history, "checkin").score == pytest.approx(1.0 + added)


@pytest.mark.parametrize(
    ("days", "added", "code"),
    [
        (0, 0.0, None),
        (9, 0.2, "not_checked_for"),
        (45, 1.0, "not_checked_for"),
        (90, 2.0, "not_checked_for"),
        (400, 2.0, "not_checked_for"),  # a quarter or more is the maximum
        (None, 2.0, "never_checked"),  # never checked counts as the maximum
    ],
)
def test_time_since_the_last_check_adds_risk_up_to_a_quarter(
    days: int | None, added: float, code: str | None
) -> None:
    history = CadreHistory(failed_checks=0, checks=0, days_since_last_check=days)
    result = score_record([], history, "visit")
    assert result.score == pytest.approx(1.0 + added)
    assert {r.code for r in result.reasons} == {"base"} | ({code} if code else set())


def test_score_is_the_sum_of_its_reasons_heaviest_first() -> None:
    history = CadreHistory(failed_checks=1, checks=3, days_since_last_check=30)
    result = score_record(["late_sync", "duplicate_photo", "outside_fence"], history, "visit")
    weights = [r.weight for r in result.reasons]
    assert result.score == pytest.approx(sum(weights))
    assert weights == sorted(weights, reverse=True)
    assert codes(["late_sync", "duplicate_photo"], history)[0] == "duplicate_photo"


@pytest.mark.parametrize(
    ("failed", "checks", "days"),
    [(-1, 0, 0), (0, -1, 0), (3, 2, 0), (0, 0, -1)],
)
def test_an_impossible_history_is_refused(failed: int, checks: int, days: int) -> None:
    with pytest.raises(ValueError):
        CadreHistory(failed_checks=failed, checks=checks, days_since_last_check=days)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        score_record([], CLEAN, "meeting")  # type: ignore[arg-type]


ALL_REASONS = [
    r
    for flags, history, kind in [
        ([*FLAG_WEIGHTS, "new_rule"], CadreHistory(2, 5, 17), "visit"),
        ([], CadreHistory(0, 0, None), "checkin"),
    ]
    for r in score_record(flags, history, kind).reasons  # type: ignore[arg-type]
]


@pytest.mark.parametrize("reason", ALL_REASONS, ids=lambda r: r.code)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_reason_reads_as_a_sentence_in_chinese_and_english(
    reason: RiskReason, lang: str
) -> None:
    text = reason_text(reason, lang)
    assert text and text != reason.code
    assert "{" not in text and "?" not in text
    has_chinese = re.search(r"[\u4e00-\u9fff]", text) is not None
    assert has_chinese == (lang == "zh")
    for value in reason.params.values():
        if value not in ("checkin", "visit"):
            assert str(value) in text


@pytest.mark.parametrize(
    ("reason", "zh", "en"),
    [
        (
            RiskReason("failed_checks", 3.0, {"failed": 2, "checks": 5}),
            "5 次抽查中有 2 次",
            "2 of 5",
        ),
        (RiskReason("not_checked_for", 1.0, {"days": 45}), "已 45 天未被抽查", "for 45 days"),
        (RiskReason("base", 1.0, {"kind": "checkin"}), "打卡记录", "check-in"),
        (RiskReason("base", 1.0, {"kind": "visit"}), "走访记录", "visit"),
    ],
)
def test_reason_texts_carry_their_numbers(reason: RiskReason, zh: str, en: str) -> None:
    assert zh in reason_text(reason, "zh")
    assert en in reason_text(reason, "en")


def test_a_reason_code_without_text_falls_back_to_the_code() -> None:
    assert reason_text(RiskReason("mystery", 1.0), "en") == "mystery"
