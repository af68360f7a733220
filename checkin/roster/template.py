"""The downloadable roster template: one sheet per kind of record, Chinese headers, and one
example row per sheet, fictional and marked 示例 in its first cell so it can never import."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from checkin.roster.schema import SHEETS


def template_xlsx() -> bytes:
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    required = PatternFill("solid", fgColor="FDE68A")
    example = PatternFill("solid", fgColor="E5E7EB")
    grey = Font(italic=True, color="6B7280")
    for spec in SHEETS:
        sheet = book.create_sheet(spec.zh)
        sheet.append([c.zh for c in spec.columns])
        sheet.append([c.example for c in spec.columns])
        for cell, column in zip(sheet[1], spec.columns, strict=True):
            cell.font = bold
            if column.required:
                cell.fill = required
            sheet.column_dimensions[cell.column_letter].width = max(12, len(column.zh) * 3)
        for cell in sheet[2]:  # the example row: fictional (示例), refused if imported
            cell.fill, cell.font = example, grey
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
