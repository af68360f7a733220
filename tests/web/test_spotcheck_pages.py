"""Spot-check, bulletin and team-report pages: what supervisors do with them on a phone, and
what cadres never see."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry, SpotcheckBatch, SpotcheckResult, TeamReport
from tests.conftest import csrf_from
from tests.spotcheck_helpers import LAST_WEEK, MONTH, NOW, WEEK, last_week_visits


@pytest.fixture
def wednesday(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


@pytest.fixture
def login_en(login):
    """Sign in and read English, so the assertions do not follow the translations."""
    def do(client, username: str):
        login(client, username)
        client.set_cookie("lang", "en")
        return client

    return do


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_queue_says_whom_to_call(wednesday, world, login_en) -> None:
    client = login_en(wednesday.test_client(), "sup_t1")
    html = page(client, "/spotchecks")
    assert "CadreALeader" in html and 'href="tel:0556-1234567"' in html
    assert "Never spot-checked" in html
    assert "CadreBLeader" not in html
    done = page(client, "/spotchecks?status=done")
    assert "HeadA0" in done or "HeadA2" in done


def test_a_long_queue_is_paged_with_n_of_m(wednesday, world, login_en, monkeypatch) -> None:
    """The queue showed the first 300 checks and no more (a province draws thousands a
    week); now a page at a time, every check once, with "N of M"."""
    from checkin.platform import keyset

    with wednesday.app_context():
        last_week_visits(db.session(), world)
        db.session().commit()
    client = login_en(wednesday.test_client(), "sup_county")
    token = csrf_from(client, "/spotchecks")
    client.post("/spotchecks/draw", data={"csrf_token": token, "area": world["county"],
                                          "week": WEEK})
    item = re.compile(r'href="/spotchecks/items/(\d+)"')
    whole = list(dict.fromkeys(item.findall(page(client, "/spotchecks"))))
    assert len(whole) >= 3
    monkeypatch.setattr(keyset, "PAGE_SIZE", 2)
    seen: list[str] = []
    url = "/spotchecks"
    while True:
        html = page(client, url)
        seen += dict.fromkeys(item.findall(html))
        assert f"of {len(whole)}" in html
        found = re.search(r'href="([^"]+)" rel="next"', html)
        if found is None:
            break
        url = found.group(1).replace("&amp;", "&")
    assert seen == whole


def test_drawing_from_the_page(wednesday, world, login_en) -> None:
    with wednesday.app_context():
        last_week_visits(db.session(), world)
        db.session().commit()
    client = login_en(wednesday.test_client(), "sup_county")
    token = csrf_from(client, "/spotchecks")
    response = client.post("/spotchecks/draw", data={"csrf_token": token,
                                                     "area": world["county"], "week": WEEK})
    assert response.status_code == 302
    batch_url = response.headers["Location"]
    html = page(client, batch_url)
    assert "Re-drawn from the frozen candidates: identical" in html
    assert "spotcheck-verify" in html
    again = client.post("/spotchecks/draw", data={"csrf_token": token,
                                                  "area": world["county"], "week": WEEK})
    assert again.headers["Location"] == batch_url
    listing = page(client, "/spotchecks/batches")
    assert WEEK in listing and "CountyOne县" in listing
    # an area outside the jurisdiction is not a choice
    township = login_en(wednesday.test_client(), "sup_t1")
    token = csrf_from(township, "/spotchecks")
    refused = township.post("/spotchecks/draw", data={"csrf_token": token,
                                                      "area": world["county"], "week": WEEK})
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/spotchecks")


def test_recording_a_result_on_the_phone(wednesday, world, login_en) -> None:
    client = login_en(wednesday.test_client(), "sup_t1")
    url = f"/spotchecks/items/{world['presence_a']}"
    html = page(client, url)
    assert 'name="method"' in html and "map-data" in html and "js/spotcheck.js" in html
    token = csrf_from(client, url)
    saved = client.post(f"{url}/result", data={
        "csrf_token": token, "method": "field", "outcome": "not_confirmed",
        "note": "村部无人，电话未接", "lat": "30.851", "lon": "116.361", "accuracy_m": "15"},
        follow_redirects=True)
    assert saved.status_code == 200
    html = saved.get_data(as_text=True)
    assert "Result saved" in html
    assert "村部无人" in html and "30.85100" in html
    assert f'action="{url}/result"' not in html  # no second result form
    assert "Correct a mistaken result" in html  # a correction is a new record
    # a second supervisor's save, made on a page loaded before: refused, nothing changed
    county = login_en(wednesday.test_client(), "sup_county")
    token = csrf_from(county, url)
    late = county.post(f"{url}/result", data={"csrf_token": token, "method": "phone",
                                              "outcome": "confirmed"}, follow_redirects=True)
    assert "Another supervisor recorded a result" in late.get_data(as_text=True)
    with wednesday.app_context():
        stored = db.session().scalars(select(SpotcheckResult).where(
            SpotcheckResult.item_id == world["presence_a"])).one()
        assert stored.outcome == "not_confirmed" and stored.checked_by_id == world["sup_t1"]
    findings = page(county, f"/spotchecks/findings?month={MONTH}")
    assert "CadreALeader" in findings and "村部无人" in findings


def test_phone_checks_drop_a_stray_position_and_satisfaction(wednesday, world, login_en) -> None:
    client = login_en(wednesday.test_client(), "sup_t1")
    url = f"/spotchecks/items/{world['presence_a']}"
    token = csrf_from(client, url)
    client.post(f"{url}/result", data={"csrf_token": token, "method": "phone",
                                       "outcome": "confirmed", "satisfaction": "satisfied",
                                       "lat": "30.8", "lon": "116.3"})
    with wednesday.app_context():
        stored = db.session().scalars(select(SpotcheckResult).where(
            SpotcheckResult.item_id == world["presence_a"])).one()
        assert stored.lat is None and stored.satisfaction is None


def test_an_incomplete_form_is_shown_again(wednesday, world, login_en) -> None:
    client = login_en(wednesday.test_client(), "sup_t1")
    url = f"/spotchecks/items/{world['presence_a']}"
    token = csrf_from(client, url)
    response = client.post(f"{url}/result", data={"csrf_token": token, "method": "phone"})
    assert response.status_code == 400 and 'name="outcome"' in response.get_data(as_text=True)


def test_the_bulletin_page_print_and_exports(wednesday, world, login_en) -> None:
    client = login_en(wednesday.test_client(), "sup_county")
    html = page(client, f"/bulletin?area={world['county']}&month={MONTH}")
    assert "VillageAlpha村" in html and "VillageBeta村" in html and "UnitOne局" in html
    assert "VillageGamma" not in html
    printable = page(client, f"/bulletin/print?area={world['county']}&month={MONTH}")
    assert "data-print" in printable and "css/spotcheck.css" in printable
    response = client.get(f"/bulletin.xlsx?area={world['county']}&month={MONTH}")
    assert response.status_code == 200 and "spreadsheetml" in response.content_type
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    rows = list(book.active.iter_rows(values_only=True))
    # November is not over: provisional (暂定), no award yet
    assert book.properties.title == "CountyOne县 2026年11月 驻村工作队月通报（暂定）"
    assert rows[0][:5] == ("排名", "工作队", "村", "派出单位", "得分")
    assert {r[2] for r in rows[1:]} == {"VillageAlpha村", "VillageBeta村"}
    assert {r[9] for r in rows[1:]} <= {"", None}  # an empty cell
    finished = client.get(f"/bulletin.xlsx?area={world['county']}&month=2026-10")
    book = openpyxl.load_workbook(io.BytesIO(finished.data))
    rows = list(book.active.iter_rows(values_only=True))
    assert book.properties.title == "CountyOne县 2026年10月 驻村工作队月通报"
    assert {r[2] for r in rows[1:]} == {"VillageAlpha村", "VillageBeta村"}
    assert "流动红旗" in {r[9] for r in rows[1:]}
    csv = client.get(f"/bulletin.csv?area={world['county']}&month={MONTH}")
    assert csv.status_code == 200 and "VillageBeta村" in csv.get_data(as_text=True)
    assert client.get(f"/bulletin?area={world['t3']}").status_code == 404
    assert client.get("/bulletin?month=2027-01").status_code == 404
    assert client.get("/bulletin.pdf").status_code == 404


def test_cadres_find_nothing_of_spot_checks(wednesday, world, login_en) -> None:
    client = login_en(wednesday.test_client(), "cadre_a")
    for url in ("/spotchecks", "/spotchecks/batches", f"/spotchecks/items/{world['presence_a']}",
                f"/spotchecks/batches/{world['batch_a']}", "/spotchecks/findings",
                "/bulletin/print", "/bulletin.xlsx", "/team-reports", "/warning-talks"):
        assert client.get(url).status_code == 404, url
    # issue 15: /bulletin is the team's own rows of published bulletins; none is published
    own = page(client, "/bulletin")
    assert "has been published yet" in own and "Spot check" not in own
    token = csrf_from(client, "/")
    assert client.post(f"/spotchecks/items/{world['presence_a']}/result",
                       data={"csrf_token": token, "method": "phone",
                             "outcome": "confirmed"}).status_code == 404
    assert client.post("/spotchecks/draw", data={"csrf_token": token}).status_code == 404
    home = page(client, "/")
    assert "/spotchecks" not in home and "/bulletin/" not in home and "/bulletin." not in home


def test_the_team_leader_writes_and_finalises_the_report(wednesday, world, login_en) -> None:
    leader = login_en(wednesday.test_client(), "cadre_a")
    html = page(leader, f"/team/report?period={WEEK}")
    assert "ReportRemarkA" in html and "CadreAMember" in html and 'name="remarks"' in html
    assert "SpotNote" not in html and "抽查" not in html
    token = csrf_from(leader, f"/team/report?period={WEEK}")
    leader.post("/team/report", data={"csrf_token": token, "period": WEEK,
                                       "remarks": "本周走访 3 户", "action": "save"})
    assert "本周走访 3 户" in page(leader, f"/team/report?period={WEEK}")
    # Wednesday: this week is not over; finalising waits for Friday
    early = leader.post("/team/report", data={"csrf_token": token, "period": WEEK,
                                              "remarks": "x", "action": "finalise"},
                        follow_redirects=True)
    assert "can be finalised from the last working day" in early.get_data(as_text=True)
    final = leader.post("/team/report", data={"csrf_token": token, "period": LAST_WEEK,
                                              "remarks": "上周小结", "action": "finalise"},
                        follow_redirects=True)
    assert "The report is final" in final.get_data(as_text=True)
    with wednesday.app_context():
        report = db.session().scalars(select(TeamReport).where(
            TeamReport.period == LAST_WEEK)).one()
        assert report.status == "final" and report.figures["period"] == LAST_WEEK
        actions = {e.action for e in db.session().scalars(select(AuditEntry).where(
            AuditEntry.entity == "team_report"))}
        assert actions == {"team_report.remarks", "team_report.finalise"}
    again = leader.post("/team/report", data={"csrf_token": token, "period": LAST_WEEK,
                                              "remarks": "改", "action": "save"},
                        follow_redirects=True)
    assert "final and cannot be changed" in again.get_data(as_text=True)
    member = login_en(wednesday.test_client(), "cadre_a2")
    shown = page(member, f"/team/report?period={LAST_WEEK}")
    assert "上周小结" in shown and 'name="remarks"' not in shown
    token = csrf_from(member, "/")
    assert member.post("/team/report", data={"csrf_token": token, "period": WEEK,
                                             "remarks": "x"}).status_code == 404


def test_the_report_counts_days_and_visits(wednesday, world, login_en) -> None:
    with wednesday.app_context():
        last_week_visits(db.session(), world)
        db.session().commit()
    client = login_en(wednesday.test_client(), "sup_t1")
    html = page(client, f"/team-reports/{world['team_a']}?period={LAST_WEEK}")
    rows = re.findall(r"<tr><td>(Cadre\w+)(?:.*?)</td>\s*((?:<td class=\"num\">\d+</td>)+)",
                      html, re.S)
    counts = {name: [int(n) for n in re.findall(r">(\d+)<", cells)] for name, cells in rows}
    # on post, official, training, leave, absent, visits, contacts: 3 visits each last week
    assert counts["CadreALeader"][5] == 3 and counts["CadreAMember"][5] == 3
    assert counts["CadreALeader"][4] == 7  # no check-in last week: 7 days absent
    listing = page(client, f"/team-reports?period={WEEK}")
    assert "VillageAlpha村" in listing and "VillageBeta" not in listing
    assert client.get(f"/team-reports/{world['team_b']}").status_code == 404
    assert client.get("/team-reports?period=2027-W01").status_code == 404
    with wednesday.app_context():
        assert db.session().scalars(select(SpotcheckBatch)).first() is not None
