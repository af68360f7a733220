"""Supervisors' pages measure days on post against what is expected by today (the target
pro-rated to the term's days so far, issue 14), not only the year's 200: in June a cadre
with 100 days is on track."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from flask import Flask

# 12:00 on 30 June 2026 in Shanghai. A term begun on 1 January: by the end of today
# 200 × 181 / 365 = 99.2 -> 100 are owed; while today has nothing counted yet it is not
# owed (it has not ended), so by the end of yesterday: 200 × 180 / 365 = 98.6 -> 99.
MIDYEAR = datetime(2026, 6, 30, 4, 0, tzinfo=UTC)


def test_the_year_page_shows_the_target_expected_by_today(app: Flask, client, world,
                                                          login, make_checkin) -> None:
    app.config["FIXED_NOW"] = MIDYEAR
    make_checkin("cadre_b2")  # checked in today: today is owed, and counted
    html = login(client, "sup_county").get("/attendance/year?year=2026").get_data(
        as_text=True)
    assert "截至今天应达" in html and "截至今天 100" in html  # the column and the chart
    row = html[html.index("CadreAMember"):].split("</tr>")[0]
    numbers = re.findall(r'<td class="num[^"]*">(\d+)', row)
    # on post, official, training, leave, counted, expected by today, target, forecast
    assert numbers[4:7] == ["0", "99", "200"]
    assert "below-expected" in row
    row = html[html.index("CadreBMember"):].split("</tr>")[0]
    assert re.findall(r'<td class="num[^"]*">(\d+)', row)[4:7] == ["1", "100", "200"]
    csv_text = client.get("/attendance/year.csv?year=2026").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    header = next(r for r in table if "姓名" in r)
    member = next(r for r in table if r and r[0] == "CadreAMember")
    assert member[header.index("截至今天应达")] == "99"
    assert member[header.index("目标天数")] == "200"


def test_a_year_that_is_over_expects_the_whole_target(app: Flask, client, world,
                                                      login) -> None:
    app.config["FIXED_NOW"] = MIDYEAR
    html = login(client, "sup_county").get("/attendance/year?year=2025").get_data(
        as_text=True)
    assert "截至今天 " not in html  # no second line: by today is the whole target


def test_the_cadres_file_shows_the_target_expected_by_today(app: Flask, client, world,
                                                           login) -> None:
    app.config["FIXED_NOW"] = MIDYEAR
    html = login(client, "sup_t1").get(f"/cadres/{world['cadre_a2']}?year=2026").get_data(
        as_text=True)
    assert "截至今天应达 99 天" in html
    client.set_cookie("lang", "en")
    html = client.get(f"/cadres/{world['cadre_a2']}?year=2026").get_data(as_text=True)
    assert "99 expected by today" in html
