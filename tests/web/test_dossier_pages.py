"""The cadre's file (一人一档) as a page: the year's calendar with why, check-ins with the
daily log, visits, leave and make-ups, spot checks (supervisors only), bulletin rows and
totals; paged, printable, exportable; and every cadre's name links to it."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, date, datetime

import openpyxl
import pytest
from flask import Flask

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def fixed(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def made_up(client, token_for, day: str = "2026-11-03") -> None:
    body = {"id": str(uuid.uuid4()), "day": day, "reason": "手机没电MakeupReason"}
    asked = client.post("/api/v1/attendance/corrections", json=body,
                        headers=token_for("cadre_a"))
    assert asked.status_code == 201, asked.get_json()
    decided = client.post(f"/api/v1/attendance/corrections/{body['id']}/decision",
                          json={"approve": True}, headers=token_for("sup_t1"))
    assert decided.status_code == 200, decided.get_json()


def test_a_supervisor_reads_the_whole_file(fixed, client, world, login, token_for,
                                           make_checkin) -> None:
    make_checkin("cadre_a", day=date(2026, 11, 2), note="走访五保户DailyLog")
    make_checkin("cadre_a", day=date(2026, 11, 4), counts_for_day=False, accuracy_m=650,
                 distance_m=100, flags="low_accuracy",
                 reasons=[{"code": "low_accuracy",
                           "params": {"accuracy_m": 650, "limit_m": 200}}])
    made_up(client, token_for)
    page = login(client, "sup_t1").get(f"/cadres/{world['cadre_a']}?year=2026&month=11")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "CadreALeader" in html and "驻村干部档案" in html
    assert "走访五保户DailyLog" in html and "NoteA 日纪实" in html  # the daily log
    assert "补卡" in html and "手机没电MakeupReason" in html  # the make-up and why
    assert "精度 650 米" in html  # why the day of 4 November did not count
    assert "SpotNoteA" in html and "抽查" in html  # spot checks, for supervisors
    assert "200" in html  # the target of DOMAIN.md
    assert 'href="/visits/' in html  # visits link to their page
    assert 'class="cat-makeup"' in html


def test_the_cadres_own_file_has_no_spot_checks(fixed, client, world, login) -> None:
    cadre = login(client, "cadre_a")
    own = cadre.get(f"/cadres/{world['cadre_a']}?year=2026")
    assert own.status_code == 200
    html = own.get_data(as_text=True)
    assert "NoteA 日纪实" in html
    for word in ("SpotNote", "SpotSeed", "抽查", "黄牌", "红旗"):
        assert word not in html
    assert cadre.get(f"/cadres/{world['cadre_a']}/print").status_code == 200
    assert cadre.get(f"/cadres/{world['cadre_a2']}").status_code == 404


@pytest.mark.parametrize(("who", "whose"), [
    ("sup_t2", "cadre_a"), ("sup_t1", "cadre_b"), ("sup_county", "cadre_c"),
    ("cadre_a", "cadre_b"), ("sup_t1", "sup_t1")])
def test_outside_the_scope_is_not_found(fixed, client, world, login, who, whose) -> None:
    login(client, who)
    for path in ("", "/print", "/dossier.xlsx"):
        assert client.get(f"/cadres/{world[whose]}{path}").status_code == 404, path


def test_check_ins_are_paged(fixed, client, world, login, make_checkin) -> None:
    for n in range(130):
        make_checkin("cadre_a", day=date(2026, 1 + n // 28, 1 + n % 28),
                     note=f"Log{n:03d}x")
    login(client, "sup_t1")
    first = client.get(f"/cadres/{world['cadre_a']}?year=2026").get_data(as_text=True)
    # 100 rows: the world's check-in of today and the latest 99 of these
    assert len(re.findall(r"Log\d{3}x", first)) == 99
    assert "cp=2" in first
    second = client.get(f"/cadres/{world['cadre_a']}?year=2026&cp=2").get_data(as_text=True)
    assert len(re.findall(r"Log\d{3}x", second)) == 31


def test_the_print_view_is_an_a4_document(fixed, client, world, login) -> None:
    login(client, "sup_county")
    page = client.get(f"/cadres/{world['cadre_a']}/print?year=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "dossier-print" in html and "CadreALeader" in html and "NoteA 日纪实" in html
    css = client.get("/static/css/dossier.css").get_data(as_text=True)
    assert "size: A4" in css


def test_the_file_exports_as_a_workbook(fixed, client, world, login) -> None:
    login(client, "sup_t1")
    answer = client.get(f"/cadres/{world['cadre_a']}/dossier.xlsx?year=2026")
    assert answer.status_code == 200 and "spreadsheetml" in answer.content_type
    book = openpyxl.load_workbook(io.BytesIO(answer.data), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("日期", "类别", "说明")
    assert len(rows) == 1 + 365
    assert any(r[4] and "NoteA 日纪实" in r[4] for r in rows[1:])


def test_a_cadres_name_links_to_the_file_everywhere(fixed, client, world, login,
                                                    make_leave) -> None:
    make_leave("cadre_a", start_date=date(2026, 11, 25), end_date=date(2026, 11, 26))
    login(client, "sup_t1")
    link = f'href="/cadres/{world["cadre_a"]}'
    for path in ("/attendance/today", "/attendance/month", "/attendance/year",
                 "/attendance/leaves", "/visits", "/cadres", f"/villages/{world['va']}",
                 "/spotchecks"):
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert link in html, path


def test_the_file_in_english(fixed, client, world, login) -> None:
    login(client, "sup_t1")
    client.set_cookie("lang", "en")
    html = client.get(f"/cadres/{world['cadre_a']}").get_data(as_text=True)
    assert "Cadre's file" in html and "Daily work log" in html


def test_a_cadre_finds_its_own_file(fixed, client, world, login) -> None:
    page = login(client, "cadre_a").get("/my/attendance").get_data(as_text=True)
    assert f'href="/cadres/{world["cadre_a"]}?year=2026"' in page and "我的档案" in page


def test_the_page_reads_in_a_bounded_number_of_queries(fixed, app, client, world, login,
                                                       make_checkin, make_visit) -> None:
    from sqlalchemy import event

    login(client, "sup_county")

    def count() -> int:
        seen = []
        engine = app.extensions["checkin_engine"]

        def note(*_args) -> None:
            seen.append(1)
        event.listen(engine, "before_cursor_execute", note)
        try:
            assert client.get(f"/cadres/{world['cadre_a']}?year=2026").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", note)
        return len(seen)

    few = count()
    for day in range(1, 25):
        make_checkin("cadre_a", day=date(2026, 10, day), counts_for_day=day % 2 == 0,
                     flags="" if day % 2 == 0 else "low_accuracy")
        make_visit("cadre_a", day=date(2026, 10, day))
    assert count() == few
