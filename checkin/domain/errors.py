"""RuleViolation: the one error every domain rule raises when an input breaks a rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Lang = Literal["zh", "en"]

# code -> (Chinese, English); placeholders are the violation's params.
_TEXTS: dict[str, tuple[str, str]] = {
    "invalid_latitude": (
        "纬度 {lat} 无效，应在 -90 到 90 之间",
        "Latitude {lat} is not between -90 and 90",
    ),
    "invalid_longitude": (
        "经度 {lon} 无效，应在 -180 到 180 之间",
        "Longitude {lon} is not between -180 and 180",
    ),
    "invalid_accuracy": (
        "定位精度 {accuracy_m} 无效",
        "Accuracy {accuracy_m} is not a valid number of metres",
    ),
    "recorded_at_naive": ("记录时间缺少时区", "The recorded time has no time zone offset"),
    "recorded_at_in_future": (
        "记录时间比服务器时间超前 {ahead_minutes} 分钟，请校准手机时间",
        "The recorded time is {ahead_minutes} minutes ahead of the server; check the phone's clock",
    ),
    "leave_bad_kind": ("假别 {kind} 无效", "Unknown leave kind {kind}"),
    "leave_dates_reversed": ("结束日期早于开始日期", "The end date is before the start date"),
    "leave_backdated": (
        "请假须事先申请，开始日期不能早于 {earliest}",
        "Leave must be asked for beforehand: it cannot start before {earliest}",
    ),
    "leave_too_long": (
        "一次请假最多 {max_days} 天，本次 {days} 天",
        "One leave is at most {max_days} days, this one is {days}",
    ),
    "leave_overlaps": (
        "与 {other_start} 至 {other_end} 的请假重叠",
        "Overlaps the leave from {other_start} to {other_end}",
    ),
    "leave_bad_state": (
        "请假状态为 {status}，不能改为 {target}",
        "A leave that is {status} cannot become {target}",
    ),
    "return_in_future": ("销假日期不能晚于今天", "The return date cannot be after today"),
    "return_before_start": (
        "销假日期不能早于请假开始日期 {start}",
        "The return date cannot be before the leave starts ({start})",
    ),
}

# Values of enum-like params, as a Chinese reader knows them.
_ZH_WORDS: dict[str, str] = {
    "pending": "待审批",
    "approved": "已批准",
    "rejected": "已驳回",
    "closed": "已销假",
    "personal": "事假",
    "sick": "病假",
    "official": "公差",
    "training": "培训",
}


class _KeepMissing(dict[str, object]):
    """Leaves a placeholder as it is when its param was not given, instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class RuleViolation(Exception):
    """An input breaks a domain rule; `code` is stable, `field` names the offending input."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        field: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.code = code
        self.field = field
        self.params: dict[str, object] = dict(params or {})
        self.message = message if message is not None else self.text("en")
        super().__init__(self.message)

    def text(self, lang: Lang = "zh") -> str:
        """The violation as a sentence in Chinese or English (the code itself if unknown)."""
        pair = _TEXTS.get(self.code)
        if pair is None:
            return self.code
        if lang == "zh":
            words = {
                k: _ZH_WORDS.get(v, v) if isinstance(v, str) else v for k, v in self.params.items()
            }
            return pair[0].format_map(_KeepMissing(words))
        return pair[1].format_map(_KeepMissing(self.params))

    def __repr__(self) -> str:
        return f"RuleViolation({self.code!r}, field={self.field!r}, params={self.params!r})"
