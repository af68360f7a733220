"""Supervisors' today / month / year pages drill down by area and page their cadres.

The world: province 安徽省 > CountyOne县 (TownOne镇: village A, TownTwo镇: village B) and
CountyTwo县 (TownThree镇: village C). A supervisor above township level first sees one
row per child area with its totals, each linking one level down; an area outside its
jurisdiction answers 404; every list of cadres comes a page at a time, each cadre once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from checkin import db
from checkin.models import Area, User
from checkin.platform import keyset
from tests.conftest import PASSWORD

PAGES = ("/attendance/today", "/attendance/month", "/attendance/year")
CADRE_LINK = re.compile(r'class="cadre-link" href="/cadres/(\d+)')


def _area_id(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session().scalars(select(Area.id).where(Area.code == code)).one()


@pytest.fixture
def province_supervisor(app: Flask, world) -> str:
    from checkin.services.people import accounts

    with app.app_context():
        s = db.session()
        s.add(User(username="sup_province", name="SupProvince", role="supervisor",
                   area_id=_area_id(app, "34"), session_epoch=0, active=True,
                   password_hash=accounts.hash_password(PASSWORD)))
        s.commit()
    return "sup_province"


def _more_cadres(app: Flask, world, village: str, count: int, prefix: str = "Extra") -> None:
    with app.app_context():
        s = db.session()
        team = s.get(User, world[f"cadre_{village}"]).team_id
        for n in range(count):
            s.add(User(username=f"{prefix.lower()}{village}{n}", name=f"{prefix}{n:03d}",
                       role="cadre", village_id=world[f"v{village}"], team_id=team,
                       unit_id=world["unit"], password_hash="x", active=True,
                       session_epoch=0))
        s.commit()


def _child_rows(html: str) -> list[str]:
    """The names of the child areas the page lists, in order."""
    if 'class="areas"' not in html:
        return []
    table = html.split('class="areas"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row"><a href="[^"]*area=\d+[^"]*">([^<]+)</a>', table)


@pytest.mark.parametrize("path", PAGES)
def test_a_county_sees_its_townships_and_a_province_its_counties(
        app: Flask, client, world, login, province_supervisor, path: str) -> None:
    html = login(client, "sup_county").get(path).get_data(as_text=True)
    assert _child_rows(html) == ["TownOne镇", "TownTwo镇"]
    assert f"area={world['t1']}" in html and "TownThree镇" not in html

    province = app.test_client()
    html = login(province, "sup_province").get(path).get_data(as_text=True)
    assert _child_rows(html) == ["CountyOne县", "CountyTwo县"]
    county = _area_id(app, "3408")
    down = province.get(f"{path}?area={county}").get_data(as_text=True)
    assert _child_rows(down) == ["TownOne镇", "TownTwo镇"]
    # breadcrumbs: back up to the supervisor's own area, not above it
    crumbs = down.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert "安徽省" in crumbs and "CountyOne县" in crumbs


@pytest.mark.parametrize("path", PAGES)
def test_a_township_sees_its_cadres_and_no_areas(app: Flask, client, world, login,
                                                 path: str) -> None:
    html = login(client, "sup_t1").get(path).get_data(as_text=True)
    assert _child_rows(html) == [] and "CadreAMember" in html and "CadreBMember" not in html
    county = app.test_client()
    login(county, "sup_county")
    down = county.get(f"{path}?area={world['t1']}").get_data(as_text=True)
    assert _child_rows(down) == [] and "CadreAMember" in down and "CadreBMember" not in down


def test_the_child_rows_carry_the_totals(app: Flask, client, world, login) -> None:
    _more_cadres(app, world, "b", 3)
    login(client, "sup_county")
    today = client.get("/attendance/today").get_data(as_text=True)
    row = today.split(">TownTwo镇</a>", 1)[1].split("</tr>", 1)[0]
    numbers = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)]
    # 5 cadres; the world's leader checked in today (on post) or not, the rest not yet
    assert numbers[0] == 5 and sum(numbers[1:]) == 5
    year = client.get("/attendance/year").get_data(as_text=True)
    row = year.split(">TownTwo镇</a>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">(\d+)</td>', row)[0] == "5"


@pytest.mark.parametrize("path", [*PAGES, "/attendance/month.csv", "/attendance/year.xlsx",
                                  "/attendance/places"])
def test_an_area_outside_the_jurisdiction_is_not_found(app: Flask, world, login,
                                                       path: str) -> None:
    town = login(app.test_client(), "sup_t1")
    assert town.get(f"{path}?area={world['t2']}").status_code == 404
    assert town.get(f"{path}?area={world['county']}").status_code == 404  # above its own
    assert town.get(f"{path}?area={world['t1']}").status_code == 200
    county = login(app.test_client(), "sup_county")
    assert county.get(f"{path}?area={world['t3']}").status_code == 404
    assert county.get(f"{path}?area=99999999999999999999").status_code == 404
    assert county.get(f"{path}?township={world['t3']}").status_code == 404


def _walk(client, path: str) -> tuple[list[str], list[str]]:
    """Every page of `path`, following the next links: the cadre ids and the pagers."""
    seen: list[str] = []
    counts: list[str] = []
    url: str | None = path
    while url:
        html = client.get(url).get_data(as_text=True)
        assert len(html) < 400_000
        seen += CADRE_LINK.findall(html)
        counts += re.findall(r"(\d+–\d+ of \d+)", html)[:1]
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    return seen, counts


@pytest.mark.parametrize("path", ["/attendance/today", "/attendance/month?sort=absent",
                                  "/attendance/year", "/attendance/year?sort=behind"])
def test_paging_gives_every_cadre_exactly_once(app: Flask, client, world, login,
                                               path: str) -> None:
    _more_cadres(app, world, "a", 130)
    _more_cadres(app, world, "b", 80)
    login(client, "sup_county")
    sep = "&" if "?" in path else "?"
    seen, counts = _walk(client, f"{path}{sep}lang=en")
    with app.app_context():
        expected = set(map(str, db.session().scalars(select(User.id).where(
            User.role == "cadre", User.village_id.in_((world["va"], world["vb"]))))))
    assert len(seen) == len(set(seen)) == 214 and set(seen) == expected
    assert counts == ["1–100 of 214", "101–200 of 214", "201–214 of 214"]


def test_the_count_is_translated_and_a_search_narrows(app: Flask, client, world,
                                                      login) -> None:
    _more_cadres(app, world, "a", 120)
    login(client, "sup_county")
    html = client.get("/attendance/month").get_data(as_text=True)
    assert "第 1–100 条，共 124 条" in html
    found = client.get("/attendance/month?q=Extra011&lang=en").get_data(as_text=True)
    assert "1–1 of 1" in found and _child_rows(found) == []
    assert "Extra011" in found and "Extra012" not in found


def test_a_village_is_chosen_by_its_code_and_typed_ahead(app: Flask, client, world,
                                                         login) -> None:
    login(client, "sup_county")
    html = client.get("/attendance/today?village_code=34080201").get_data(as_text=True)
    assert "CadreBMember" in html and "CadreAMember" not in html and _child_rows(html) == []
    assert "CadreBMember" not in client.get(
        "/attendance/today?village_code=nothing").get_data(as_text=True)
    assert client.get("/attendance/places?kind=village&q=Village").get_json() == [
        {"code": "34080101", "name": "VillageAlpha村"},
        {"code": "34080201", "name": "VillageBeta村"}]
    assert client.get(f"/attendance/places?kind=village&q=Village&area={world['t2']}"
                      ).get_json() == [{"code": "34080201", "name": "VillageBeta村"}]
    town = login(app.test_client(), "sup_t1")
    assert town.get("/attendance/places?kind=village&q=34").get_json() == [
        {"code": "34080101", "name": "VillageAlpha村"}]
    # another jurisdiction's village, named by its code, chooses nobody
    assert "CadreB" not in town.get("/attendance/month?village_code=34080201").get_data(
        as_text=True)


def test_exports_hold_the_whole_filtered_area_not_the_page(app: Flask, client, world,
                                                           login) -> None:
    _more_cadres(app, world, "a", 150)
    login(client, "sup_county")
    for path in ("/attendance/month.csv", "/attendance/year.csv"):
        rows = list(csv.reader(io.StringIO(client.get(path).get_data(as_text=True))))
        names = [r[0] for r in rows if r and (r[0].startswith(("Extra", "Cadre")))]
        assert len(names) == 154, path
        town = list(csv.reader(io.StringIO(client.get(f"{path}?area={world['t2']}")
                                           .get_data(as_text=True))))
        assert sorted(r[0] for r in town if r and r[0].startswith(("Extra", "Cadre"))) == [
            "CadreBLeader", "CadreBMember"]


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("path", [*PAGES, "/attendance/month?area={t1}",
                                  "/attendance/year.csv", "/attendance/month.xlsx"])
def test_statements_do_not_grow_with_the_cadres(app: Flask, client, world, login,
                                                path: str) -> None:
    login(client, "sup_county")
    url = path.format(t1=world["t1"])

    def statements() -> tuple[int, int]:
        with _statements(app) as seen:
            response = client.get(url)
            assert response.status_code == 200
        return len(seen), len(response.data)

    before, size = statements()
    _more_cadres(app, world, "a", 40)
    after, _ = statements()
    assert after == before, path
    if "." not in path:  # a page (not an export) stays small
        assert size < 60_000


def test_a_page_of_a_big_area_stays_small(app: Flask, client, world, login) -> None:
    _more_cadres(app, world, "a", 400)
    login(client, "sup_county")
    for path in PAGES:
        html = client.get(path).get_data(as_text=True)
        assert len(CADRE_LINK.findall(html)) <= keyset.PAGE_SIZE + 8, path  # + chart labels
        assert len(html.encode()) < 250_000, path


@pytest.mark.parametrize("cursor", ["x", "%00", "W10=", "WyJhIl0", "WzEsMiwzXQ"])
def test_a_cursor_that_is_not_ours_gives_the_first_page(client, world, login,
                                                       cursor: str) -> None:
    login(client, "sup_county")
    for path in PAGES:
        response = client.get(f"{path}?after={cursor}&lang=en")
        assert response.status_code == 200 and "1–4 of 4" in response.get_data(as_text=True)


def _households(app: Flask, world, village: str, count: int) -> None:
    from checkin.models import Household

    with app.app_context():
        s = db.session()
        for n in range(count):
            s.add(Household(code=f"X{village}{n:04d}", head_name=f"More{n:03d}户",
                            village_id=world[f"v{village}"], status="poor",
                            helper_id=world[f"cadre_{village}"]))
        s.commit()


@pytest.mark.parametrize(("path", "link", "expected"), [
    ("/cadres", CADRE_LINK, 214), ("/households", re.compile(r'<td class="code">(\w+)</td>'),
                                   266)])
def test_the_directory_lists_are_paged_each_row_once(app: Flask, client, world, login,
                                                     path: str, link: Any,
                                                     expected: int) -> None:
    _more_cadres(app, world, "a", 130)
    _more_cadres(app, world, "b", 80)
    _households(app, world, "a", 160)
    _households(app, world, "b", 100)
    login(client, "sup_county")
    seen: list[str] = []
    counts: list[str] = []
    url: str | None = f"{path}?lang=en"
    statements: list[int] = []
    while url:
        with _statements(app) as queries:
            html = client.get(url).get_data(as_text=True)
        statements.append(len(queries))
        seen += link.findall(html)
        counts += re.findall(r"(\d+–\d+ of \d+)", html)[:1]
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == len(set(seen)) == expected
    assert counts == [f"1–100 of {expected}", f"101–200 of {expected}",
                      f"201–{expected} of {expected}"]
    assert len(set(statements[1:])) == 1  # the same statements on every later page
    town = client.get(f"{path}?area={world['t2']}&lang=en").get_data(as_text=True)
    in_a = 132 if path == "/cadres" else 163
    assert "VillageAlpha" not in town and f"of {expected - in_a}" in town
    assert client.get(f"{path}?area={world['t3']}").status_code == 404


def test_the_village_list_drills_and_searches(app: Flask, client, world, login) -> None:
    login(client, "sup_county")
    html = client.get("/villages?lang=en").get_data(as_text=True)
    assert "VillageAlpha" in html and "VillageBeta" in html and "1–2 of 2" in html
    found = client.get("/villages?q=beta&lang=en").get_data(as_text=True)
    assert "VillageAlpha" not in found and "VillageBeta" in found and "1–1 of 1" in found
    down = client.get(f"/villages?area={world['t1']}&lang=en").get_data(as_text=True)
    assert "VillageAlpha" in down and "VillageBeta" not in down
    assert login(app.test_client(), "sup_t1").get(f"/villages?area={world['t2']}"
                                                  ).status_code == 404
    typed = client.get("/households?village_code=34080201&lang=en").get_data(as_text=True)
    assert "HeadB0" in typed and "HeadA0" not in typed


def test_the_visits_list_is_paged_newest_first_each_visit_once(app: Flask, client, world,
                                                               login) -> None:
    from datetime import timedelta

    from checkin.models import Household, Visit
    from checkin.platform import clock
    from tests.conftest import new_visit

    with app.app_context():
        s = db.session()
        household = s.scalars(select(Household).where(Household.code == "Ha0")).one()
        start = clock.now() - timedelta(days=30)
        for n in range(230):  # some share a time: the id breaks the tie
            new_visit(s, household, recorded_at=start + timedelta(minutes=n // 2))
        s.commit()
        expected = set(s.scalars(select(Visit.id).where(Visit.village_id.in_(
            (world["va"], world["vb"])))))
    login(client, "sup_county")
    seen: list[str] = []
    counts: list[str] = []
    url: str | None = "/visits?lang=en"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'href="/visits/([0-9a-f-]{36})"', html)
        counts += re.findall(r"(\d+–\d+ of \d+)", html)[:1]
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert len(seen) == len(set(seen)) == len(expected) == 232 and set(seen) == expected
    assert counts == ["1–100 of 232", "101–200 of 232", "201–232 of 232"]
    cadre = client.get("/visits?cadre_code=cadre_b&lang=en").get_data(as_text=True)
    assert "1–1 of 1" in cadre
    assert client.get("/attendance/places?kind=cadre&q=CadreB").get_json() == [
        {"code": "cadre_b", "name": "CadreBLeader"}, {"code": "cadre_b2", "name": "CadreBMember"}]
    town = login(app.test_client(), "sup_t2")
    assert "0–0 of 0" in town.get("/visits?cadre_code=cadre_a&lang=en").get_data(as_text=True)


def test_overdue_and_coverage_are_paged_without_a_query_per_row(app: Flask, client, world,
                                                                login) -> None:
    login(client, "sup_county")

    def statements(url: str) -> tuple[int, str]:
        with _statements(app) as seen:
            html = client.get(url).get_data(as_text=True)
        return len(seen), html

    def total(html: str) -> int:
        return int(re.findall(r"\d+–\d+ of (\d+)", html)[0])

    overdue_before = total(statements("/overdue?lang=en")[1])
    _households(app, world, "a", 150)  # never visited: overdue
    before, html = statements("/overdue?lang=en")
    assert total(html) == overdue_before + 150 and "1–100 of" in html
    found = re.search(r'<a href="([^"]+)" rel="next">', html)
    assert found
    second = statements(found.group(1).replace("&amp;", "&"))[1]
    assert f"101–{overdue_before + 150} of {overdue_before + 150}" in second
    _households(app, world, "b", 40)
    assert statements("/overdue?lang=en")[0] == before
    rows = list(csv.reader(io.StringIO(client.get("/overdue.csv").get_data(as_text=True))))
    assert len([r for r in rows if r and r[0].startswith("X")]) == 190  # the whole list
    coverage = statements("/coverage?lang=en")[1]
    assert "1–2 of 2" in coverage


def test_a_page_shows_the_whole_cadre_though_the_totals_read_a_few_columns(
        client, world, login) -> None:
    html = login(client, "sup_county").get(f"/attendance/today?area={world['t1']}").get_data(
        as_text=True)
    assert 'href="tel:138000000097"' in html  # CadreALeader's phone, on the page's rows


@pytest.mark.parametrize("path", ["/overdue", "/coverage"])
def test_overdue_and_coverage_drill_down(app: Flask, client, world, login, path: str) -> None:
    _households(app, world, "a", 5)
    login(client, "sup_county")
    whole = client.get(f"{path}?lang=en").get_data(as_text=True)
    # the child areas to drill into
    assert f'<option value="{world["t1"]}">TownOne镇</option>' in whole
    town = client.get(f"{path}?area={world['t2']}&lang=en").get_data(as_text=True)
    assert "Xa0000" not in town and "VillageAlpha" not in town
    assert "TownTwo镇" in town.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    exported = client.get(f"{path}.csv?area={world['t1']}").get_data(as_text=True)
    assert "VillageBeta" not in exported and "VillageAlpha" in exported
    assert client.get(f"{path}?area={world['t3']}").status_code == 404
    assert login(app.test_client(), "sup_t1").get(f"{path}?area={world['t2']}"
                                                  ).status_code == 404


def test_a_supervisors_home_pages_its_villages_and_counts_them_all(app: Flask, client, world,
                                                                   login) -> None:
    """The home listed every village of the scope: 840 KB for a province's 7,366."""
    from tests.conftest import _village

    with app.app_context():
        s = db.session()
        town = s.get(Area, world["t1"])
        for n in range(130):
            _village(s, f"3408019{n:03d}", f"Many{n:03d}村", town, 30.85, 116.36)
        s.commit()
    _households(app, world, "a", 5)
    login(client, "sup_county")
    html = client.get("/?lang=en").get_data(as_text=True)
    links = re.findall(r'href="/villages/(\d+)"', html)
    assert len(links) == keyset.PAGE_SIZE
    assert "1–100 of 132" in html
    stats = re.findall(r'<p class="stat"><strong>(\d+)</strong>', html)
    assert stats[0] == "132" and stats[1] == "4"  # villages; the world's four cadres
    assert int(stats[2]) >= 5
    found = re.search(r'<a href="([^"]+)" rel="next">', html)
    assert found is not None
    rest = client.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
    more = re.findall(r'href="/villages/(\d+)"', rest)
    assert len(more) == 32 and not set(more) & set(links)


def test_the_team_reports_list_is_paged_each_team_once(app: Flask, client, world, login,
                                                      monkeypatch) -> None:
    """The list held every team of the scope: 750 KB for the bench province's teams."""
    monkeypatch.setattr(keyset, "PAGE_SIZE", 1)
    login(client, "sup_county")
    seen: list[str] = []
    url: str | None = "/team-reports?lang=en"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'href="/team-reports/(\d+)', html)
        assert "0 of 2 teams have finalised" in html
        found = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert sorted(seen) == sorted(str(world[f"team_{k}"]) for k in "ab")
