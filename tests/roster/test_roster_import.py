"""Roster import: all or nothing, idempotent, audited, with errors that name sheet/row/column."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from typing import Any

import openpyxl
import pytest
from flask import Flask
from geopy.distance import geodesic
from sqlalchemy import func, select

from checkin import db
from checkin.domain.coordinates import from_wgs84
from checkin.domain.geofence import Fence, distance_m
from checkin.domain.refusal import Refusal
from checkin.models import Area, AuditEntry, Household, Team, User, Village
from checkin.refusals import problem_text
from checkin.roster.read import Limits, read_roster
from checkin.roster.schema import SHEET_BY_NAME
from checkin.services.people.roster_import import import_roster
from tests.conftest import csrf_from
from tests.lang import speaking

ROWS: dict[str, list[list[Any]]] = {
    "区域": [["代码", "名称", "级别", "上级代码"],
           ["34", "安徽省", "省", None], ["3408", "安庆市", "市", "34"],
           ["340828", "岳西县", "县", "3408"], ["340828101", "温泉镇", "乡镇", "340828"]],
    "派出单位": [["单位代码", "单位名称"], ["U1", "省农业农村厅"]],
    "村": [["村代码", "村名", "所属乡镇代码", "纬度", "经度", "半径(米)", "村部固定电话"],
          ["340828101201", "汤池村", "340828101", 30.8512, 116.3605, 1500, "0556-8123456"]],
    "工作队": [["工作队代码", "村代码", "派出单位代码", "任期开始", "任期结束"],
            ["T1", "340828101201", "U1", "2026-01-01", "2027-12-31"]],
    "驻村干部": [["账号", "姓名", "手机", "工作队代码", "第一书记"],
             ["zhangsan", "张三", "13800000001", "T1", "是"],
             ["lisi", "李四", "13800000002", "T1", "否"]],
    "督查人员": [["账号", "姓名", "所辖区域代码"], ["wenquan", "温泉镇督查", "340828101"]],
    "农户": [["户编码", "户主姓名", "村代码", "状态", "帮扶责任人账号", "纬度", "经度"],
           ["H0001", "王五", "340828101201", "贫困户", "zhangsan", 30.852, 116.361],
           ["H0002", "赵六", "340828101201", "监测户", "lisi", None, None]],
}


def xlsx(rows: dict[str, list[list[Any]]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, lines in (rows or ROWS).items():
        sheet = book.create_sheet(name)
        for line in lines:
            sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def changed(sheet: str, row: int, column: int, value: Any) -> dict[str, list[list[Any]]]:
    rows = {k: [list(line) for line in v] for k, v in ROWS.items()}
    rows[sheet][row][column] = value
    return rows


def run_import(app: Flask, data: bytes, name: str = "roster.xlsx", **limits: int):
    with app.app_context():
        session = db.session()
        try:
            result = import_roster(session, read_roster(name, data, Limits(**limits)),
                                   actor_id=None, initial_password="initial-pass-1")
        except Refusal:
            session.rollback()
            raise
        session.commit()
        return result


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        s = db.session()
        return {m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (Area, Village, Team, User, Household, AuditEntry)}


def problems_of(app: Flask, data: bytes, name: str = "roster.xlsx", **limits: int) -> list[str]:
    before = counts(app)
    with pytest.raises(Refusal) as caught:
        run_import(app, data, name, **limits)
    assert counts(app) == before, "a rejected file must change nothing"
    assert caught.value.code == "roster_rejected"
    texts = []
    for lang in ("zh", "en"):
        with speaking(lang):
            texts += [problem_text(p) for p in caught.value.problems]
    return texts


def test_a_complete_workbook_imports_everything(app: Flask) -> None:
    result = run_import(app, xlsx())
    assert result.created == {"area": 5, "unit": 1, "village": 1, "team": 1, "user": 3,
                              "household": 2}
    assert sorted(u for u, _ in result.new_accounts) == ["lisi", "wenquan", "zhangsan"]
    with app.app_context():
        s = db.session()
        village = s.scalars(select(Village)).one()
        county = s.scalars(select(Area).where(Area.code == "340828")).one()
        assert village.area_path.startswith(county.path)
        team = s.scalars(select(Team)).one()
        leader = s.scalars(select(User).where(User.username == "zhangsan")).one()
        assert team.leader_id == leader.id and leader.is_leader
        assert leader.village_id == village.id


def test_importing_the_same_file_twice_changes_nothing(app: Flask) -> None:
    data = xlsx()
    run_import(app, data)
    before = counts(app)
    again = run_import(app, data)
    assert again.created == {} and again.updated == {}
    assert counts(app) == before


def test_a_changed_row_updates_its_record_and_is_audited(app: Flask) -> None:
    run_import(app, xlsx())
    result = run_import(app, xlsx(changed("农户", 1, 1, "王五一")))
    assert result.updated == {"household": 1} and result.created == {}
    with app.app_context():
        s = db.session()
        assert s.scalars(select(Household.head_name).where(Household.code == "H0001")).one() \
            == "王五一"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "roster.update",
                                                   AuditEntry.entity == "household")).one()
        assert entry.entity == "household" and entry.before_digest != entry.after_digest


@pytest.mark.parametrize("sheet, row, column, value, expected_zh, expected_en", [
    ("村", 1, 3, 300, "工作表「村」第 2 行 D 列（纬度）：纬度 300.0 超出",
     "sheet 村, row 2, column D (纬度): latitude 300.0 is outside"),
    ("村", 1, 3, "abc", "D 列（纬度）：「abc」不是数字", "“abc” is not a number"),
    ("村", 1, 4, 20.5, "不在中国境内", "outside China"),
    ("农户", 1, 2, "999", "工作表「农户」第 2 行 C 列（村代码）：找不到村「999」",
     "unknown village “999”"),
    ("农户", 2, 4, None, "第 3 行 E 列（帮扶责任人账号）：必填项为空", "required, but empty"),
    ("农户", 2, 0, "H0001", "编码 H0001 在第 2 行已出现", "H0001 already appears in row 2"),
    ("工作队", 1, 3, "yesterday", "不是日期", "is not a date"),
    ("驻村干部", 2, 4, "maybe", "应为 是 或 否", "must be yes or no"),
    ("农户", 1, 3, "富裕户", "应为以下之一", "must be one of"),
    ("督查人员", 1, 0, "bad name!", "账号只能包含", "a username holds only"),
])
def test_each_bad_cell_is_named_and_nothing_is_imported(app: Flask, sheet, row, column, value,
                                                         expected_zh, expected_en) -> None:
    texts = problems_of(app, xlsx(changed(sheet, row, column, value)))
    assert any(expected_zh in t for t in texts), texts
    assert any(expected_en in t for t in texts), texts


def test_formulas_are_refused(app: Flask) -> None:
    texts = problems_of(app, xlsx(changed("村", 1, 1, "=HYPERLINK(\"http://x\",\"村\")")))
    assert any("含有公式" in t and "B 列（村名）" in t for t in texts), texts


def test_unknown_sheet_and_header(app: Flask) -> None:
    rows = dict(ROWS)
    rows["Sheet9"] = [["x"], [1]]
    assert any("无法识别的工作表「Sheet9」" in t for t in problems_of(app, xlsx(rows)))
    # A column that is not the roster's is ignored and noted (issue 14), not refused.
    rows = changed("村", 0, 6, "传真")
    result = run_import(app, xlsx(rows))
    with speaking("zh"):
        assert [problem_text(p) for p in result.notes] == [
            "工作表「村」第 1 行 G 列（传真）：「传真」列不属于名册，已忽略"]


def test_csv_in_gbk_imports_and_binary_garbage_is_refused(app: Flask) -> None:
    run_import(app, xlsx())
    text = "户编码,户主姓名,村代码,状态,帮扶责任人账号\nH0100,钱七,340828101201,贫困户,lisi\n"
    result = run_import(app, text.encode("gbk"), "households.csv")
    assert result.created == {"household": 1}
    texts = problems_of(app, bytes(range(256)) * 10, "农户.csv")
    assert any("既不是 UTF-8 也不是 GBK" in t for t in texts), texts


def test_a_zip_bomb_dressed_as_xlsx_is_refused_fast(app: Flask) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 2**20))
    started = time.perf_counter()
    texts = problems_of(app, buffer.getvalue())
    assert time.perf_counter() - started < 5
    assert any("压缩炸弹" in t for t in texts), texts


def test_not_a_zip_at_all(app: Flask) -> None:
    texts = problems_of(app, b"PK\x03\x04 this is not really a zip file")
    assert any("不是有效的 .xlsx 文件" in t for t in texts), texts


def test_too_many_rows_is_refused_in_bounded_time_and_memory(app: Flask) -> None:
    lines = ["户编码,户主姓名,村代码,状态,帮扶责任人账号"] + [
        f"H{n:06d},户主{n},340828101201,贫困户,lisi" for n in range(100_000)]
    data = "\n".join(lines).encode()
    tracemalloc.start()
    started = time.perf_counter()
    texts = problems_of(app, data, "农户.csv", max_rows=50_000)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert any("超过 50000 行的上限" in t for t in texts), texts[:3]
    assert elapsed < 20 and peak < 300 * 2**20, (elapsed, peak)


def test_too_large_and_wrong_type_of_file(app: Flask) -> None:
    assert any("超过" in t for t in problems_of(app, b"x" * 2048, "a.csv", max_bytes=1024))
    assert any("只接受" in t for t in problems_of(app, b"hello", "roster.txt"))


def upload_through_the_page(client, data: bytes, confirm: bool = False):
    """The admin's page: upload (a preview job), wait for it; with `confirm`, confirm and
    wait for the import. Answers the last job page."""
    token = csrf_from(client, "/admin/roster")
    sent = client.post("/admin/roster", data={"csrf_token": token, "file": (
        io.BytesIO(data), "roster.xlsx")}, content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)[:300]
    path = sent.headers["Location"]
    for _ in range(2 if confirm else 1):
        deadline = time.monotonic() + 60
        while client.get("/api/v1" + path.removeprefix("/admin").replace("/roster", "/imports")
                         ).get_json()["status"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        page = client.get(path)
        if confirm and "/confirm" in page.get_data(as_text=True) and _ == 0:
            confirmed = client.post(path + "/confirm", data={"csrf_token": csrf_from(client,
                                                                                    path)})
            assert confirmed.status_code == 303
            path = confirmed.headers["Location"]
    return page


def test_admin_uploads_through_the_page(app: Flask, world, login) -> None:
    client = login(app.test_client(), "admin")
    bad = upload_through_the_page(client, xlsx(changed("村", 1, 3, 300)))
    assert bad.status_code == 422
    assert "工作表「村」第 2 行 D 列（纬度）" in bad.get_data(as_text=True)
    good = upload_through_the_page(client, xlsx(), confirm=True)
    page = good.get_data(as_text=True)
    assert good.status_code == 200 and "initial-pass" not in page
    assert "credentials.xlsx" in page


def test_template_downloads_with_every_sheet(app: Flask, world, login) -> None:
    client = login(app.test_client(), "admin")
    response = client.get("/admin/roster/template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert {SHEET_BY_NAME[name].key for name in book.sheetnames} == {
        "areas", "units", "villages", "teams", "cadres", "supervisors", "households"}


def test_positions_from_amap_or_baidu_are_stored_as_wgs84(app: Flask) -> None:
    """A fence centre read off AMap (GCJ-02) and used as is sits 556 m off: a cadre at the
    village centre was judged by a fence shifted by a third of its radius."""
    rows = {k: [list(line) for line in v] for k, v in ROWS.items()}
    true_lat, true_lon = 30.8512, 116.3605
    amap = from_wgs84(true_lat, true_lon, "gcj02")
    baidu = from_wgs84(30.852, 116.361, "bd09")
    rows["村"][0].append("坐标系")
    rows["村"][1][3:5] = [amap[0], amap[1]]
    rows["村"][1].append("高德")
    rows["农户"][0].append("坐标系")
    rows["农户"][1][5:7] = [baidu[0], baidu[1]]
    rows["农户"][1].append("bd-09")
    rows["农户"][2].append(None)
    run_import(app, xlsx(rows))
    with app.app_context():
        session = db.session()
        village = session.scalars(select(Village)).one()
        household = session.scalars(select(Household).where(Household.code == "H0001")).one()
        assert (village.coord_source, household.coord_source) == ("gcj02", "bd09")
        assert distance_m(village.lat, village.lon, true_lat, true_lon) < 0.01
        assert distance_m(household.lat, household.lon, 30.852, 116.361) < 0.5
        fence = Fence(lat=village.lat, lon=village.lon, radius_m=village.radius_m)
    # A fix 1,200 m north-west of the true centre is inside; with the AMap centre (shifted
    # south-east) taken as is,
    # it was outside.
    fix = geodesic(meters=1200).destination((true_lat, true_lon), bearing=300)
    assert distance_m(fix.latitude, fix.longitude, fence.lat, fence.lon) < 1500
    assert distance_m(fix.latitude, fix.longitude, amap[0], amap[1]) > 1500


def test_an_unknown_coordinate_system_is_a_problem_naming_the_choices(app: Flask) -> None:
    rows = {k: [list(line) for line in v] for k, v in ROWS.items()}
    rows["村"][0].append("坐标系")
    rows["村"][1].append("谷歌")
    with pytest.raises(Refusal) as refused:
        run_import(app, xlsx(rows))
    with speaking("zh"):
        texts = [problem_text(p) for p in refused.value.problems]
    assert any("谷歌" in t and "高德" in t and "百度" in t for t in texts)
