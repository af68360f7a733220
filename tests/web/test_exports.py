"""Every table a supervisor can download comes as .xlsx and as .csv (UTF-8 with a BOM), named
in Chinese, ready for Excel: the headers on row 1 (the title in the workbook's properties and
the sheet's name), frozen, under an autofilter, cells typed; other kinds are 404."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta
from urllib.parse import quote

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import func, insert, select

from checkin import db
from checkin.models import Visit
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
    book = openpyxl.load_workbook(io.BytesIO(sheet.data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == first_header
    assert book.properties.title and book.active.title == name
    assert book.active.freeze_panes == "B2"
    assert book.active.auto_filter.ref == f"A1:{get_column_letter(len(rows[0]))}{len(rows)}"
    table = client.get(f"{path}.csv")
    assert table.status_code == 200 and table.content_type.startswith("text/csv")
    assert table.data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(table.data.decode("utf-8-sig"))))
    assert lines[0] == [str(h) for h in rows[0]] and len(lines) == len(rows)
    assert client.get(f"{path}.pdf").status_code == 404


def test_the_visits_export_holds_every_visit_typed_and_in_chinese(app, client, world, login,
                                                                  make_visit) -> None:
    """The export used to stop at 5,000 rows with times as text and flags as codes."""
    first = make_visit("cadre_a", flags="outside_fence,late_sync", purposes="care,policy")
    with app.app_context():
        session = db.session()
        base = {c: getattr(first, c) for c in ("user_id", "household_id", "village_id",
                                               "kind", "lat", "lon", "accuracy_m")}
        moment = clock.now() - timedelta(days=1)
        session.execute(insert(Visit), [
            base | {"id": str(uuid.uuid4()), "purposes": "care", "note": "", "flags": "",
                    "reasons": [], "queued": False, "digest": "x",
                    "recorded_at": moment - timedelta(minutes=i), "received_at": moment,
                    "local_day": clock.local_day(moment - timedelta(minutes=i))}
            for i in range(5_100)])
        session.commit()
        in_county = session.scalar(select(func.count()).select_from(Visit).where(
            Visit.village_id.in_([world["va"], world["vb"]])))
    assert in_county > 5_100
    login(client, "sup_county")
    table = client.get("/visits.csv")
    assert len(table.data.decode("utf-8-sig").splitlines()) == 1 + in_county
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/visits.xlsx").data)).active
    assert sheet.max_row == 1 + in_county
    header = [c.value for c in sheet[1]]
    newest = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert isinstance(newest["时间"], datetime)
    assert newest["时间"] == first.recorded_at.astimezone(clock.zone()).replace(
        tzinfo=None, microsecond=0)
    assert newest["标记"] == "围栏外、延迟上传"
    assert "outside_fence" not in newest["标记"] and "care" not in newest["目的"]


def test_shares_are_numbers_shown_as_percentages(client, world, login, make_visit) -> None:
    make_visit("cadre_a")
    login(client, "sup_county")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/coverage.xlsx").data)).active
    header = [c.value for c in sheet[1]]
    share = sheet.cell(row=2, column=header.index("走访覆盖率") + 1)
    assert isinstance(share.value, float) and 0 < share.value <= 1
    assert share.number_format == "0%"


def test_every_coloured_and_dated_cell_keeps_its_style(tmp_path) -> None:
    """Cells after the first of each kind copy its style (exports._styled): each still has
    its own fill and number format, and plain cells none."""
    import io
    from datetime import UTC, date, datetime

    import openpyxl

    from checkin.exports import Percent, xlsx_table

    out = io.BytesIO()
    rows = [["缺勤", date(2026, 11, n), datetime(2026, 11, n, 2, 0, tzinfo=UTC), Percent(0.5),
             "在岗", "plain"] for n in range(1, 6)]
    xlsx_table(out, "t", "t", ["a", "b", "c", "d", "e", "f"], rows,
               {"缺勤": "FFC7CE", "在岗": "C6EFCE"})
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    for row in sheet.iter_rows(min_row=2):
        absent, day, moment, share, present, plain = row
        assert absent.fill.fgColor.rgb.endswith("FFC7CE")
        assert present.fill.fgColor.rgb.endswith("C6EFCE")
        assert day.number_format == "yyyy-mm-dd" and day.is_date
        assert moment.is_date and moment.value.hour == 10  # 02:00 UTC is 10:00 in Shanghai
        assert share.number_format == "0%"
        assert plain.fill.fill_type is None and plain.number_format == "General"
