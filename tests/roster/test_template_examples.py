"""The template's example rows are fictional and marked 示例: imported as they are, they are
refused, each with one clear problem, and nothing is written."""

from __future__ import annotations

import io

import openpyxl
from flask import Flask

from checkin.roster.schema import SHEETS
from checkin.roster.template import template_xlsx
from tests.roster.test_roster_import import ROWS, problems_of, xlsx


def test_the_template_as_downloaded_imports_nothing(app: Flask) -> None:
    texts = problems_of(app, template_xlsx())
    zh = [t for t in texts if "示例" in t and "模板" in t]
    en = [t for t in texts if "example row" in t]
    assert len(zh) == len(SHEETS) == len(en), texts
    assert len(texts) == 2 * len(SHEETS), texts  # nothing else: no knock-on problems


def test_the_template_holds_no_real_code_or_place() -> None:
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows(min_row=2)
             for c in row if c.value is not None]
    assert cells
    for text in cells:
        assert "3408" not in text and "岳西" not in text and "汤池" not in text, text
        assert "温泉" not in text and "张三" not in text, text
    for sheet in book.worksheets:
        assert str(sheet.cell(2, 1).value).startswith("示例"), sheet.title


def test_an_example_row_pasted_into_a_real_file_is_refused(app: Flask) -> None:
    rows = {k: [list(line) for line in v] for k, v in ROWS.items()}
    rows["农户"].append(["示例-H1", "示例户主", "340828101201", "贫困户", "zhangsan"])
    texts = problems_of(app, xlsx(rows))
    assert any("第 4 行" in t and "示例" in t for t in texts), texts
    assert len(texts) == 2, texts
