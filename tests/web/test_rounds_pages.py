"""The pages of duties over several villages (巡村): the admin assigns and ends a duty,
the holder sees their month and checks in, supervisors see who met their cadence in their
jurisdiction and download it."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import func, select

from checkin import db
from checkin.models import AuditEntry, RoundCheckin, RoundDuty, User
from checkin.platform import clock
from checkin.services.rounds import duties
from tests.conftest import _user as new_user
from tests.conftest import csrf_from


@pytest.fixture
def admin(app: Flask, world, login):
    return login(app.test_client(), "admin")


def _assign(client, **fields):
    form = {"username": "cadre_a2", "kind": "envoy", "villages": "34080101, 34080201",
            "start": (clock.today() - timedelta(days=30)).isoformat(), "weekday": "",
            "title": "", **fields, "csrf_token": csrf_from(client, "/admin/rounds")}
    return client.post("/admin/rounds", data=form)


def _duties(app: Flask) -> list[RoundDuty]:
    with app.app_context():
        return list(db.session().scalars(select(RoundDuty)))


def test_the_admin_assigns_a_duty_and_it_is_audited(app, admin) -> None:
    answer = _assign(admin, title="东片特派")
    assert answer.status_code == 302
    [duty] = _duties(app)
    assert duty.kind == "envoy" and duty.title == "东片特派"
    page = admin.get("/admin/rounds").get_data(as_text=True)
    assert "VillageAlpha村、VillageBeta村" in page
    with app.app_context():
        entry = db.session().scalar(select(AuditEntry).where(
            AuditEntry.action == "round_duty.assign"))
        assert entry is not None and entry.detail["villages"] == ["34080101", "34080201"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"villages": "34080101, 99999999"}, "未知的村代码 99999999"),
    ({"villages": ""}, "请选择该职责的村"),
    ({"kind": "district_secretary"}, "请选择管区书记每周固定在岗的日子"),
    ({"kind": "district_secretary", "weekday": "2"}, "一个管区的村须都在同一个乡镇"),
    ({"villages": "34080101, 34090101"}, "同一职责的村须都在同一个县"),
    ({"username": "admin"}, "承担职责的须是在用的驻村干部或督查账号"),
    ({"username": "nobody"}, "承担职责的须是在用的驻村干部或督查账号"),
    ({"start": "2026-02-30"}, "日期"),
    ({"kind": "inspector"}, "未知的职责类型"),
    ({"weekday": "9", "kind": "district_secretary", "villages": "34080101"}, "固定在岗"),
])
def test_a_bad_duty_is_refused_with_a_message_and_nothing_kept(app, admin, fields,
                                                               message) -> None:
    answer = _assign(admin, **fields)
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert _duties(app) == []


def test_ending_a_duty_keeps_it_and_is_audited(app, admin) -> None:
    _assign(admin)
    [duty] = _duties(app)
    token = csrf_from(admin, "/admin/rounds")
    early = (duty.start_date - timedelta(days=1)).isoformat()
    admin.post(f"/admin/rounds/{duty.id}/end", data={"end_date": early, "csrf_token": token})
    assert _duties(app)[0].end_date is None
    day = clock.today().isoformat()
    answer = admin.post(f"/admin/rounds/{duty.id}/end", data={"end_date": day,
                                                              "csrf_token": token},
                        follow_redirects=True)
    assert answer.status_code == 200 and _duties(app)[0].end_date == clock.today()
    again = admin.post(f"/admin/rounds/{duty.id}/end", data={"end_date": day,
                                                             "csrf_token": token},
                       follow_redirects=True)
    assert "该职责已经结束" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "round_duty.end")) == 1


def test_only_the_admin_assigns(app, world, login) -> None:
    client = login(app.test_client(), "sup_county")
    assert client.get("/admin/rounds").status_code == 404


def _holder_duty(app: Flask, world, username: str = "envoy1", kind: str = "envoy",
                 codes: tuple[str, ...] = ("34080101", "34080201"), weekday=None) -> int:
    with app.app_context():
        s = db.session()
        if s.scalar(select(User).where(User.username == username)) is None:
            new_user(s, username, "EnvoyOne特派员", "supervisor", area_id=world["county"])
        admin_user = s.scalar(select(User).where(User.username == "admin"))
        duty = duties.assign(s, admin_user.id, duties.DutyInput(
            username=username, kind=kind, village_codes=codes,
            start=clock.today() - timedelta(days=60), weekday=weekday))
        s.commit()
        return duty.id


def test_the_holder_sees_the_month_and_checks_in_at_a_duty_village(app, world, login) -> None:
    _holder_duty(app, world)
    client = login(app.test_client(), "envoy1")
    home = client.get("/").get_data(as_text=True)
    assert "/my/rounds" in home
    page = client.get("/my/rounds")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "VillageAlpha村" in text and "VillageBeta村" in text
    assert f"/my/rounds/{world['vb']}/checkin" in text
    checkin = client.get(f"/my/rounds/{world['vb']}/checkin")
    assert checkin.status_code == 200
    assert f'data-village-id="{world["vb"]}"' in checkin.get_data(as_text=True)
    assert client.get(f"/my/rounds/{world['vc']}/checkin").status_code == 404
    # The offline outbox is on for this supervisor: their check-ins wait without signal.
    assert '"rounds": true' in text


def test_someone_without_a_duty_has_no_rounds_page(app, world, login) -> None:
    client = login(app.test_client(), "cadre_a")
    assert client.get("/my/rounds").status_code == 404
    assert "/my/rounds" not in client.get("/").get_data(as_text=True)


def _visit(app: Flask, username: str, village_id: int, days_ago: int) -> None:
    with app.app_context():
        s = db.session()
        user = s.scalar(select(User).where(User.username == username))
        when = clock.now() - timedelta(days=days_ago)
        s.add(RoundCheckin(id=f"00000000-0000-4000-8000-{village_id:04d}{days_ago:08d}",
                           user_id=user.id, village_id=village_id, recorded_at=when,
                           received_at=when, local_day=clock.local_day(when), lat=30.9,
                           lon=116.45, accuracy_m=10, distance_m=5, in_fence=True, counts=True,
                           flags="", reasons=[], note=None, queued=False, digest="0" * 64))
        s.commit()


def test_supervisors_see_the_duties_of_their_jurisdiction_only(app, world, login) -> None:
    duty_id = _holder_duty(app, world)
    _visit(app, "envoy1", world["vb"], 0)
    county = login(app.test_client(), "sup_county")
    listing = county.get("/rounds").get_data(as_text=True)
    assert "EnvoyOne特派员" in listing
    detail = county.get(f"/rounds/{duty_id}").get_data(as_text=True)
    assert "VillageAlpha村" in detail and "VillageBeta村" in detail
    # Township 1 sees the envoy for its own village, not Beta's row.
    t1 = login(app.test_client(), "sup_t1")
    assert "EnvoyOne特派员" in t1.get("/rounds").get_data(as_text=True)
    seen = t1.get(f"/rounds/{duty_id}").get_data(as_text=True)
    assert "VillageAlpha村" in seen and "VillageBeta村" not in seen
    # Another county's township sees nothing of it.
    with app.app_context():
        s = db.session()
        new_user(s, "sup_t3", "SupTownThree", "supervisor", area_id=world["t3"])
        s.commit()
    t3 = login(app.test_client(), "sup_t3")
    assert "EnvoyOne特派员" not in t3.get("/rounds").get_data(as_text=True)
    assert t3.get(f"/rounds/{duty_id}").status_code == 404


def test_a_district_secretary_s_fixed_day_and_month_are_shown(app, world, login) -> None:
    today = clock.today()
    duty_id = _holder_duty(app, world, "district1", "district_secretary", ("34080101",),
                           weekday=today.weekday())
    _visit(app, "district1", world["va"], 0)
    page = login(app.test_client(), "sup_t1").get(f"/rounds/{duty_id}").get_data(as_text=True)
    assert "每周" in page and "固定在岗" in page
    assert "已完成" in page or "Met" in page


def test_the_export_is_one_row_per_duty_and_village(app, world, login) -> None:
    _holder_duty(app, world)
    _visit(app, "envoy1", world["vb"], 0)
    answer = login(app.test_client(), "sup_county").get("/rounds.xlsx")
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.data))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("职责", "姓名", "账号", "职责名称", "固定在岗日", "村代码", "村")
    body = rows[1:]
    assert [(r[0], r[6]) for r in body] == [("党建特派员", "VillageAlpha村"),
                                            ("党建特派员", "VillageBeta村")]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref  # header row, first column
    beta = body[1]
    assert beta[7] >= 1  # the visit of today, if today's week is in this month's report


def test_a_long_list_of_duties_is_paged(app, world, login) -> None:
    with app.app_context():
        s = db.session()
        for n in range(55):
            new_user(s, f"envoy_{n:02d}", f"Envoy{n:02d}", "supervisor", area_id=world["county"])
            duties.assign(s, None, duties.DutyInput(
                username=f"envoy_{n:02d}", kind="envoy", village_codes=("34080101",),
                start=clock.today() - timedelta(days=10)))
        s.commit()
    client = login(app.test_client(), "sup_county")
    first = client.get("/rounds").get_data(as_text=True)
    assert "第 1–50 条，共 55 条" in first and first.count("/rounds/") >= 50
    import re

    cursor = re.search(r'href="[^"]*after=([^"&]+)[^"]*" rel="next"', first)
    assert cursor
    second = client.get(f"/rounds?after={cursor.group(1)}").get_data(as_text=True)
    assert "第 51–55 条，共 55 条" in second and "Envoy54" in second
    admin = login(app.test_client(), "admin")
    assert "第 1–50 条，共 55 条" in admin.get("/admin/rounds").get_data(as_text=True)


def test_the_first_day_may_be_typed_as_an_office_types_it(app, admin) -> None:
    answer = _assign(admin, start="2026年11月1日")
    assert answer.status_code == 302
    assert _duties(app)[0].start_date == date(2026, 11, 1)


def test_the_export_holds_every_duty_across_its_slices(app, world, login,
                                                      monkeypatch) -> None:
    from checkin.web import rounds as rounds_web

    monkeypatch.setattr(rounds_web, "PAGE", 2)
    with app.app_context():
        s = db.session()
        for n in range(5):
            new_user(s, f"sliced_{n}", f"Sliced{n}", "supervisor", area_id=world["county"])
            duties.assign(s, None, duties.DutyInput(
                username=f"sliced_{n}", kind="envoy" if n % 2 else "district_secretary",
                village_codes=("34080101",), start=clock.today() - timedelta(days=3),
                weekday=1))
        s.commit()
    answer = login(app.test_client(), "sup_county").get("/rounds.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(answer.data)).active.iter_rows(
        min_row=2, values_only=True))
    assert sorted(r[1] for r in rows) == [f"Sliced{n}" for n in range(5)]
