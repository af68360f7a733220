"""Every page that shows a month or a year has one picker (templates/macros.html,
period_picker): a month or year field and previous / next links that keep the page's other
query arguments; next is not offered past the current period; a value that is not a period
is said so on the page (never a 5xx, never silently another period)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from flask import Flask

from checkin.web import period

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 20 November 2026, noon in Shanghai


def _links(html: str) -> dict[str, str]:
    """rel -> href of the picker's previous and next links."""
    picker = html[html.index('period-picker"'):]
    picker = picker[:picker.index("</form>")]
    return {rel: unescape(href) for href, rel in re.findall(
        r'<a class="period-step" href="([^"]+)" rel="(prev|next)"', picker)}


MONTH_PAGES = [("sup_county", "/attendance/month"), ("sup_county", "/bulletin"),
               ("sup_county", "/spotchecks/findings"), ("cadre_a", "/my/attendance")]


@pytest.mark.parametrize(("who", "path"), MONTH_PAGES)
def test_a_month_page_steps_back_and_forward_to_the_current_month(
        app: Flask, client, world, login, who: str, path: str) -> None:
    app.config["FIXED_NOW"] = NOW
    login(client, who)
    html = client.get(f"{path}?month=2026-10").get_data(as_text=True)
    assert 'type="month"' in html and 'value="2026-10"' in html
    assert 'max="2026-11"' in html  # nothing after the current month is offered
    links = _links(html)
    assert "month=2026-09" in links["prev"] and "month=2026-11" in links["next"]
    current = client.get(f"{path}?month=2026-11").get_data(as_text=True)
    assert "next" not in _links(current)  # December has not begun
    assert 'aria-disabled="true"' in current
    january = _links(client.get(f"{path}?month=2026-01").get_data(as_text=True))
    assert "month=2025-12" in january["prev"] and "month=2026-02" in january["next"]


@pytest.mark.parametrize(("who", "path"), [("sup_county", "/attendance/year"),
                                           ("sup_t1", "/cadres/{cadre}")])
def test_a_year_page_steps_back_and_forward_to_the_current_year(
        app: Flask, client, world, login, who: str, path: str) -> None:
    app.config["FIXED_NOW"] = NOW
    login(client, who)
    path = path.format(cadre=world["cadre_a"])
    links = _links(client.get(f"{path}?year=2025").get_data(as_text=True))
    assert "year=2024" in links["prev"] and "year=2026" in links["next"]
    assert "next" not in _links(client.get(f"{path}?year=2026").get_data(as_text=True))


def test_the_picker_keeps_the_filters_and_starts_paging_again(app: Flask, client, world,
                                                             login) -> None:
    app.config["FIXED_NOW"] = NOW
    login(client, "sup_county")
    township = world["t1"]
    html = client.get(f"/attendance/month?month=2026-10&township={township}&sort=absent"
                      "&page=3").get_data(as_text=True)
    links = _links(html)
    for href in links.values():
        assert f"township={township}" in href and "sort=absent" in href
        assert "page=" not in href
    picker = html[html.index('class="period-picker"'):]
    picker = picker[:picker.index("</form>")]
    assert f'name="township" value="{township}"' in picker
    assert 'name="sort" value="absent"' in picker and 'name="page"' not in picker


def test_the_leave_register_month_is_optional(app: Flask, client, world, login) -> None:
    app.config["FIXED_NOW"] = NOW
    login(client, "sup_county")
    html = client.get("/attendance/leaves/register?status=approved").get_data(as_text=True)
    assert 'type="month"' in html and not _links(html)  # every month: nothing to step
    html = client.get("/attendance/leaves/register?status=approved&month=2026-10"
                      ).get_data(as_text=True)
    links = _links(html)
    assert "month=2026-09" in links["prev"] and "status=approved" in links["prev"]
    assert "month=2026-11" in links["next"]


BAD = [("sup_county", "/attendance/month?month=2026-13", "不是月份"),
       ("sup_county", "/attendance/month?month=2026-00", "不是月份"),
       ("sup_county", "/attendance/month?month=%EF%BC%92026-11", "不是月份"),
       ("sup_county", "/attendance/year?year=abc", "不是年份"),
       ("sup_county", "/attendance/year?year=99999", "不是年份"),
       ("sup_county", "/attendance/leaves/register?month=x", "不是月份"),
       ("sup_county", "/bulletin?month=2026-13", "不是月份"),
       ("sup_county", "/spotchecks/findings?month=abc", "不是月份"),
       ("cadre_a", "/my/attendance?month=2026-13", "不是月份"),
       ("sup_t1", "/cadres/{cadre}?year=abc", "不是年份")]


@pytest.mark.parametrize(("who", "path", "words"), BAD)
def test_a_bad_period_is_said_so_and_the_current_one_shown(
        app: Flask, client, world, login, who: str, path: str, words: str) -> None:
    app.config["FIXED_NOW"] = NOW
    login(client, who)
    response = client.get(path.format(cadre=world["cadre_a"]))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert words in html and 'role="alert"' in html
    assert 'value="2026-11"' in html or 'value="2026"' in html or 'value=""' in html


def test_a_bad_period_is_said_so_in_english(app: Flask, client, world, login) -> None:
    app.config["FIXED_NOW"] = NOW
    login(client, "sup_county")
    html = client.get("/attendance/month?month=2026-13&lang=en").get_data(as_text=True)
    assert "is not a month" in html and "Showing the current one." in html


def test_an_export_of_a_bad_month_is_not_another_month(app: Flask, client, world,
                                                       login) -> None:
    app.config["FIXED_NOW"] = NOW
    login(client, "sup_county")
    assert client.get("/bulletin.xlsx?month=2026-13").status_code == 404


@pytest.mark.parametrize(("raw", "found"), [
    ("2026-11", (2026, 11)), ("2026-1", (2026, 1)), (" 2026-02 ", (2026, 2)),
    ("2026-13", None), ("2026-00", None), ("1999-12", None), ("2101-01", None),
    ("26-11", None), ("2026-11-01", None), ("２０２６-11", None), ("", None),
    ("abc", None), ("-2026-1", None)])
def test_which_texts_are_months(raw: str, found: tuple[int, int] | None) -> None:
    assert period.parse_month(raw) == found


@pytest.mark.parametrize(("raw", "found"), [
    ("2026", 2026), ("2000", 2000), ("2100", 2100), ("1999", None), ("99999", None),
    ("abc", None), ("-1", None), ("", None), ("２０２６", None)])
def test_which_texts_are_years(raw: str, found: int | None) -> None:
    assert period.parse_year(raw) == found


@pytest.mark.parametrize(("year", "month", "previous", "following"), [
    (2026, 11, "2026-10", None), (2026, 10, "2026-09", "2026-11"),
    (2026, 1, "2025-12", "2026-02"), (2025, 12, "2025-11", "2026-01"),
    (2000, 1, None, "2000-02"), (2027, 3, "2027-02", None)])
def test_a_months_neighbours(year: int, month: int, previous: str | None,
                             following: str | None) -> None:
    found = period.month_period(year, month, NOW.date())
    assert (found.previous, found.following) == (previous, following)


def test_team_reports_step_by_week_and_by_month(app: Flask, client, world, login) -> None:
    app.config["FIXED_NOW"] = NOW  # 2026-11-20 is in 2026-W47
    login(client, "sup_county")
    links = _links(client.get("/team-reports?period=2026-W46").get_data(as_text=True))
    assert "period=2026-W45" in links["prev"] and "period=2026-W47" in links["next"]
    assert "next" not in _links(client.get("/team-reports?period=2026-W47").get_data(
        as_text=True))
    links = _links(client.get("/team-reports?period=2026-10").get_data(as_text=True))
    assert "period=2026-09" in links["prev"] and "period=2026-11" in links["next"]
    links = _links(client.get("/team-reports?period=2026-W01").get_data(as_text=True))
    assert "period=2025-W52" in links["prev"] and "period=2026-W02" in links["next"]


def test_a_bad_team_report_period_is_said_so(app: Flask, client, world, login) -> None:
    app.config["FIXED_NOW"] = NOW
    login(client, "sup_county")
    response = client.get("/team-reports?period=2026-W99")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "不是报告周期" in html and 'value="2026-W47" selected' in html
    cadre = login(app.test_client(), "cadre_a")
    assert "不是报告周期" in cadre.get("/team/report?period=x").get_data(as_text=True)
    assert client.get("/team-reports?period=2027-W01").status_code == 404  # not begun


@pytest.mark.parametrize(("path", "field"), [("/bulletin", "area"), ("/rounds", "duty")])
def test_a_page_with_a_filter_beside_the_month_has_one_form_and_one_button(
        app: Flask, client, world, login, path: str, field: str) -> None:
    """The month and the page's own filter are sent together: choosing an area and a month
    takes one press, and the filter is not also kept in a hidden input that would win."""
    app.config["FIXED_NOW"] = NOW
    login(client, "sup_county")
    html = client.get(f"{path}?month=2026-10&{field}={world['t1']}").get_data(as_text=True)
    assert html.count('class="period-picker"') == 1
    picker = html[html.index('class="period-picker"'):]
    picker = picker[:picker.index("</form>")]
    assert f'<select name="{field}"' in picker and f'name="{field}" value=' not in picker
    assert html.count(">显示</button>") + html.count(">查看</button>") == 1


def test_the_bulletin_page_shows_its_teams_a_page_at_a_time(
        app: Flask, client, world, login, monkeypatch) -> None:
    """A province's bulletin holds thousands of teams: the page shows them a page at a
    time with how many there are; the print is the whole bulletin."""
    from checkin.web import bulletins

    monkeypatch.setattr(bulletins, "TEAMS_PAGE", 1)
    app.config["FIXED_NOW"] = NOW
    login(client, "sup_county")
    first = client.get("/bulletin?month=2026-10").get_data(as_text=True)
    assert "第 1–1 条，共 2 条" in first
    cursor = re.search(r'href="[^"]*after=([^"&]+)[^"]*" rel="next"', first)
    assert cursor
    second = client.get(f"/bulletin?month=2026-10&after={cursor.group(1)}"
                        ).get_data(as_text=True)
    assert "第 2–2 条，共 2 条" in second
    shown = [m for m in ("VillageAlpha村", "VillageBeta村")
             if m in first[first.index("bl-rows"):]]
    assert len(shown) == 1
    whole = client.get("/bulletin/print?month=2026-10").get_data(as_text=True)
    assert "VillageAlpha村" in whole and "VillageBeta村" in whole
