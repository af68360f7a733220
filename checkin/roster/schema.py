"""The sheets of a roster file and their columns, with Chinese and English headers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text, code, phone, float, date, bool, choice, boundary (WKT/GeoJSON)
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()  # (stored value, Chinese word)
    example: str = ""


@dataclass(frozen=True)
class SheetSpec:
    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


LEVELS = (("province", "省"), ("city", "市"), ("county", "县"), ("township", "乡镇"))
HOUSEHOLD_STATUS = (("poor", "贫困户"), ("lifted", "脱贫户"), ("monitored", "监测户"),
                    ("other", "其他"))
# The map a position was read from (checkin/domain/coordinates.py): stored values first.
COORD_SYSTEMS = (("wgs84", "WGS-84"), ("wgs84", "GPS"), ("cgcs2000", "CGCS2000"),
                 ("cgcs2000", "天地图"), ("gcj02", "GCJ-02"), ("gcj02", "高德"),
                 ("gcj02", "腾讯"), ("bd09", "BD-09"), ("bd09", "百度"))
POVERTY_STATUS = (("poor", "贫困村"), ("lifted", "脱贫村"), ("other", "其他"))
# Where a team member comes from (seed 002): optional, a column absent keeps what is stored.
TEAM_ROLES = (("first_secretary", "第一书记"), ("unit_member", "派出单位队员"),
              ("township_member", "乡镇队员"))

# A row whose first cell starts with this is the template's example: it never imports.
EXAMPLE_MARK = "示例"

SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("areas", "区域", "areas", (
        Column("code", "代码", "code", kind="code", example="示例-101"),
        Column("name", "名称", "name", example="示例镇"),
        Column("level", "级别", "level", kind="choice", choices=LEVELS, example="乡镇"),
        Column("parent_code", "上级代码", "parent_code", kind="code", required=False,
               example="示例-1"),
    )),
    SheetSpec("units", "派出单位", "units", (
        Column("code", "单位代码", "code", kind="code", example="示例-U1"),
        Column("name", "单位名称", "name", example="示例派出单位"),
    )),
    SheetSpec("villages", "村", "villages", (
        Column("code", "村代码", "code", kind="code", example="示例-10101"),
        Column("name", "村名", "name", example="示例村"),
        Column("township_code", "所属乡镇代码", "township_code", kind="code", example="示例-101"),
        Column("lat", "纬度", "lat", kind="float", example="30.5000"),
        Column("lon", "经度", "lon", kind="float", example="116.5000"),
        Column("coord_system", "坐标系", "coord_system", kind="choice", required=False,
               choices=COORD_SYSTEMS, example="WGS-84"),
        Column("radius_m", "半径(米)", "radius_m", kind="float", required=False,
               example="1500"),
        # The village's boundary as its fence (WKT or GeoJSON, in the row's 坐标系): a
        # missing column keeps it, an empty cell goes back to the circle.
        Column("boundary", "村界", "boundary", kind="boundary", required=False, example=""),
        Column("landline", "村部固定电话", "landline", kind="phone", required=False,
               example="0000-0000000"),
        Column("poverty_status", "贫困状态", "poverty_status", kind="choice", required=False,
               choices=POVERTY_STATUS, example="贫困村"),
    )),
    SheetSpec("teams", "工作队", "teams", (
        Column("code", "工作队代码", "code", kind="code", example="示例-T1"),
        Column("village_code", "村代码", "village_code", kind="code", example="示例-10101"),
        Column("unit_code", "派出单位代码", "unit_code", kind="code", required=False,
               example="示例-U1"),
        Column("term_start", "任期开始", "term_start", kind="date", example="2026-01-01"),
        Column("term_end", "任期结束", "term_end", kind="date", required=False,
               example="2027-12-31"),
    )),
    SheetSpec("cadres", "驻村干部", "cadres", (
        Column("username", "账号", "username", kind="code", example="示例-zhang"),
        Column("name", "姓名", "name", example="示例干部"),
        Column("phone", "手机", "phone", kind="phone", required=False, example="10000000000"),
        Column("team_code", "工作队代码", "team_code", kind="code", example="示例-T1"),
        Column("unit_code", "派出单位代码", "unit_code", kind="code", required=False,
               example="示例-U1"),
        Column("is_leader", "第一书记", "is_leader", kind="bool", required=False, example="是"),
        Column("team_role", "队内身份", "team_role", kind="choice", required=False,
               choices=TEAM_ROLES, example="第一书记"),
        # The opening balance at go-live (开账前天数) of the go-live date's year: the days
        # before it, from the county's register. An empty 开账日期 removes this year's.
        Column("go_live", "开账日期", "go_live", kind="date", required=False, example=""),
        Column("opening_on_post", "开账前在岗天数", "opening_on_post_days", kind="float",
               required=False, example=""),
        Column("opening_official", "开账前公差天数", "opening_official_days", kind="float",
               required=False, example=""),
        Column("opening_training", "开账前培训天数", "opening_training_days", kind="float",
               required=False, example=""),
        Column("opening_leave", "开账前请假天数", "opening_leave_days", kind="float",
               required=False, example=""),
    )),
    SheetSpec("supervisors", "督查人员", "supervisors", (
        Column("username", "账号", "username", kind="code", example="示例-wang"),
        Column("name", "姓名", "name", example="示例督查"),
        Column("phone", "手机", "phone", kind="phone", required=False, example="10000000001"),
        Column("area_code", "所辖区域代码", "area_code", kind="code", example="示例-101"),
    )),
    SheetSpec("households", "农户", "households", (
        Column("code", "户编码", "code", kind="code", example="示例-H0001"),
        Column("head_name", "户主姓名", "head_name", example="示例户主"),
        Column("village_code", "村代码", "village_code", kind="code", example="示例-10101"),
        Column("address", "地址", "address", required=False, example="示例村一组"),
        Column("phone", "电话", "phone", kind="phone", required=False, example=""),
        Column("lat", "纬度", "lat", kind="float", required=False, example=""),
        Column("lon", "经度", "lon", kind="float", required=False, example=""),
        Column("coord_system", "坐标系", "coord_system", kind="choice", required=False,
               choices=COORD_SYSTEMS, example=""),
        Column("status", "状态", "status", kind="choice", choices=HOUSEHOLD_STATUS,
               example="贫困户"),
        Column("helper_username", "帮扶责任人账号", "helper_username", kind="code",
               example="示例-zhang"),
        # Before go-live, from the county's register: the cadence runs from these dates
        # until a visit recorded here is newer (not from "never").
        Column("visited_before", "上次走访日期", "last_visit", kind="date", required=False,
               example=""),
        Column("contacted_before", "上次联系日期", "last_contact", kind="date", required=False,
               example=""),
    )),
)

SHEET_BY_NAME: dict[str, SheetSpec] = {}
for _spec in SHEETS:
    SHEET_BY_NAME[_spec.key] = _spec
    SHEET_BY_NAME[_spec.zh] = _spec
SHEET_BY_NAME["干部"] = SHEET_BY_NAME["cadres"]
