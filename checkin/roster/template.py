"""The downloadable roster template: one sheet per kind of record, Chinese headers, examples."""

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
    for spec in SHEETS:
        sheet = book.create_sheet(spec.zh)
        sheet.append([c.zh for c in spec.columns])
        sheet.append([c.example for c in spec.columns])
        for cell, column in zip(sheet[1], spec.columns, strict=True):
            cell.font = bold
            if column.required:
                cell.fill = required
            sheet.column_dimensions[cell.column_letter].width = max(12, len(column.zh) * 3)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
