"""What can be wrong with a roster file, in words for a person, in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    "file_too_large": ("文件超过 {limit_mb} MB 的上限", "the file is larger than {limit_mb} MB"),
    "file_type": ("只接受 .xlsx 或 .csv 文件", "only .xlsx and .csv files are accepted"),
    "not_xlsx": ("不是有效的 .xlsx 文件（{detail}）", "not a valid .xlsx file ({detail})"),
    "zip_bomb": ("文件解压后过大，疑似压缩炸弹，已拒绝",
                 "the file expands to too much data (a zip bomb?) and was refused"),
    "encoding": ("CSV 文件既不是 UTF-8 也不是 GBK 编码", "the CSV file is neither UTF-8 nor GBK"),
    "csv_malformed": ("CSV 格式错误：{detail}", "malformed CSV: {detail}"),
    "unknown_sheet": ("无法识别的工作表「{name}」，应为：{expected}",
                      "unknown sheet “{name}”; expected one of: {expected}"),
    "duplicate_sheet": ("工作表重复出现", "this sheet appears more than once"),
    "no_sheets": ("文件中没有可导入的工作表", "the file holds no sheet to import"),
    "too_many_rows": ("超过 {limit} 行的上限，请分成几个文件导入",
                      "more than {limit} rows; split the file"),
    "missing_header": ("缺少列「{name}」", "the column “{name}” is missing"),
    "unknown_header": ("无法识别的列名「{name}」", "unknown column “{name}”"),
    "formula": ("单元格含有公式，请粘贴为数值", "the cell holds a formula; paste values instead"),
    "too_long": ("内容超过 {limit} 个字符", "longer than {limit} characters"),
    "required": ("必填项为空", "required, but empty"),
    "not_number": ("「{value}」不是数字", "“{value}” is not a number"),
    "latitude": ("纬度 {value} 超出 -90 到 90 的范围", "latitude {value} is outside -90..90"),
    "longitude": ("经度 {value} 超出 -180 到 180 的范围", "longitude {value} is outside -180..180"),
    "outside_china": ("坐标 ({lat}, {lon}) 不在中国境内，经纬度是否填反？",
                      "position ({lat}, {lon}) is outside China; are latitude and longitude "
                      "swapped?"),
    "radius": ("半径 {value} 米应在 50 到 20000 之间", "radius {value} m must be 50..20000"),
    "not_date": ("「{value}」不是日期（应为 2026-01-31）",
                 "“{value}” is not a date (write 2026-01-31)"),
    "date_order": ("任期结束早于任期开始", "the term ends before it starts"),
    "not_bool": ("「{value}」应为 是 或 否", "“{value}” must be yes or no (是/否)"),
    "not_choice": ("「{value}」应为以下之一：{choices}", "“{value}” must be one of: {choices}"),
    "duplicate_code": ("编码 {value} 在第 {first_row} 行已出现",
                       "{value} already appears in row {first_row}"),
    "unknown_ref": ("找不到{what}「{value}」", "unknown {what_en} “{value}”"),
    "bad_parent_level": ("上级区域「{value}」的级别不对",
                         "parent area “{value}” has the wrong level"),
    "not_township": ("「{value}」不是乡镇", "“{value}” is not a township"),
    "not_cadre": ("账号「{value}」不是驻村干部", "account “{value}” is not a cadre"),
    "role_conflict": ("账号「{value}」已是其他角色", "account “{value}” already has another role"),
    "two_leaders": ("工作队 {value} 有不止一位第一书记",
                    "team {value} has more than one first secretary"),
    "username": ("账号只能包含字母、数字、点、横线和下划线",
                 "a username holds only letters, digits, dot, dash and underscore"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, located by sheet, row and column where that applies."""

    code: str
    sheet: str | None = None  # the sheet's name as written in the file
    row: int | None = None
    column: str | None = None  # the header as written in the file
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "zh") -> str:
        zh, en = MESSAGES[self.code]
        template = zh if lang == "zh" else en
        message = template.format(**self.params)
        return self.location(lang) + message

    def location(self, lang: str) -> str:
        parts: list[str] = []
        if lang == "zh":
            if self.sheet:
                parts.append(f"工作表「{self.sheet}」")
            if self.row:
                parts.append(f"第 {self.row} 行")
            if self.column:
                parts.append(f"「{self.column}」列")
            return "".join(parts) + ("：" if parts else "")
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts) + (": " if parts else "")


class RosterRejected(Exception):
    """The file cannot be imported; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
