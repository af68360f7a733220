"""Every table a supervisor can download comes as .xlsx (a title row, then the headers) and
as .csv (the same two rows first, UTF-8 with a BOM), named in Chinese; other kinds are 404."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import openpyxl
import pytest

from checkin.platform import clock

# path without its ending -> (the file's name without its ending, the first header)
EXPORTS = {
    "/visits": ("走访记录", "时间"),
    "/coverage": ("走访覆盖率", "村"),
    "/overdue": ("逾期农户", "户编码"),
    "/attendance/month": ("考勤表-{month}", "姓名"),
    "/attendance/year": ("驻村天数台账-{year}", "姓名"),
}


@pytest.mark.parametrize("path", EXPORTS)
def test_each_table_downloads_as_xlsx_and_csv(app, client, world, login, path) -> None:
    login(client, "sup_county")
    today = clock.today()
    name, first_header = EXPORTS[path]
    name = name.format(month=f"{today.year}-{today.month:02d}", year=today.year)
    sheet = client.get(f"{path}.xlsx")
    assert sheet.status_code == 200 and "spreadsheetml" in sheet.content_type
    assert f"filename*=UTF-8''{quote(name + '.xlsx')}" in sheet.headers["Content-Disposition"]
    assert sheet.headers["Cache-Control"] == "private, no-store"
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[0][0] and rows[1][0] == first_header
    table = client.get(f"{path}.csv")
    assert table.status_code == 200 and table.content_type.startswith("text/csv")
    assert table.data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(table.data.decode("utf-8-sig"))))
    assert lines[0][0] == rows[0][0] and lines[1] == [str(h) for h in rows[1]]
    assert client.get(f"{path}.pdf").status_code == 404
