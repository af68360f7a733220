"""Evidence on the supervisors' pages (issue 15): the today board says exactly why a
check-in does not count, a reused photo links to the earlier photo and its visit,
photo flags are on the visits list and in its filter (each once), and a household's
position is confirmed only from the visit that proposed it when its evidence holds."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Household, Photo, Visit
from checkin.platform import clock
from tests.conftest import csrf_from


def test_the_today_board_says_why_a_check_in_does_not_count(app: Flask, client, world,
                                                            login, make_checkin) -> None:
    make_checkin("cadre_a2", counts_for_day=False, accuracy_m=650, distance_m=100,
                 flags="low_accuracy",
                 reasons=[{"code": "low_accuracy", "params": {"accuracy_m": 650,
                                                              "limit_m": 200}}])
    make_checkin("cadre_b2", counts_for_day=False, in_fence=False, distance_m=2400,
                 flags="outside_fence",
                 reasons=[{"code": "outside_fence", "params": {"distance_m": 2400,
                                                               "radius_m": 1500}}])
    html = login(client, "sup_county").get("/attendance/today").get_data(as_text=True)
    html = html[html.index('id="map-data"'):]  # the board's lines, not the map's marks
    html = html[html.index("</script>"):]
    member_a = html[html.index("CadreAMember"):][:800]
    assert "精度 650 米，超过 200 米的上限" in member_a
    assert "围栏外" not in member_a and "100 米" not in member_a.split("精度")[0]
    member_b = html[html.index("CadreBMember"):][:800]
    assert "距村中心 2400 米，超出 1500 米的范围" in member_b
    client.set_cookie("lang", "en")
    html = client.get("/attendance/today").get_data(as_text=True)
    assert "Accuracy 650 m is worse than the 200 m limit" in html


def _reused_photo(app: Flask, make_visit, world, whose: str = "cadre_a"
                  ) -> tuple[str, str, int]:
    """A new visit of cadre_a whose photo duplicates the world's photo of `whose`."""
    with app.app_context():
        s = db.session()
        first = s.scalars(select(Visit).join(Photo, Photo.visit_id == Visit.id)
                          .where(Visit.user_id == world[whose])).one()
        earlier = s.scalars(select(Photo).where(Photo.visit_id == first.id)).one()
        first_id, earlier_id, key = first.id, earlier.id, earlier.sha256
    second = make_visit("cadre_a", note="SecondVisit")
    with app.app_context():
        s = db.session()
        s.add(Photo(visit_id=second.id, county_id=None, sha256=key, thumb_sha256=key,
                    width=40, height=30, original_format="JPEG", original_width=40,
                    original_height=30, phash=0, band0=0, band1=0, band2=0, band3=0,
                    flags="duplicate_photo", duplicate_of_id=earlier_id))
        s.commit()
    return first_id, second.id, earlier_id


def test_a_reused_photo_links_to_the_earlier_photo_and_its_visit(app: Flask, client, world,
                                                                  login, make_visit) -> None:
    first, second, earlier = _reused_photo(app, make_visit, world)
    html = login(client, "sup_t1").get(f"/visits/{second}").get_data(as_text=True)
    assert "照片重复使用" in html
    assert f'href="/visits/{first}"' in html
    assert f"/api/v1/photos/{earlier}/thumb" in html


def test_an_earlier_photo_out_of_scope_is_not_linked(app: Flask, client, world, login,
                                                     make_visit) -> None:
    first, second, earlier = _reused_photo(app, make_visit, world, whose="cadre_b")
    html = login(client, "sup_t1").get(f"/visits/{second}").get_data(as_text=True)
    assert "照片重复使用" in html
    assert f"/visits/{first}" not in html and f"/photos/{earlier}/" not in html


def test_photo_flags_on_the_visits_list_and_in_its_filter(app: Flask, client, world, login,
                                                          make_visit) -> None:
    _first, second, _earlier = _reused_photo(app, make_visit, world)
    login(client, "sup_t1")
    html = client.get("/visits").get_data(as_text=True)
    assert 'value="duplicate_photo"' in html and 'value="no_exif_time"' in html
    row = html[html.index(f"/visits/{second}"):][:1500]
    assert "tag-photo" in row
    only = client.get("/visits?flag=duplicate_photo").get_data(as_text=True)
    assert f"/visits/{second}" in only and only.count('class="stack"') == 1


# Confirming a household's position (issue 15) ----------------------------------------
def _proposed(app: Flask, make_household, world, *, flags: str = "",
              photo_flags: str | None = None) -> tuple[int, str]:
    """A household without a position whose position a visit of cadre_a proposed."""
    household = make_household("cadre_a", lat=None, lon=None)
    with app.app_context():
        s = db.session()
        visit = Visit(id=str(uuid.uuid4()), user_id=world["cadre_a"], household_id=household.id,
                      village_id=world["va"], kind="visit", purposes="care", note="",
                      lat=30.851, lon=116.361, accuracy_m=10, recorded_at=clock.now(),
                      received_at=clock.now(), local_day=clock.today(), flags=flags,
                      reasons=[], queued=False, digest="x")
        s.add(visit)
        s.flush()
        if photo_flags is not None:
            s.add(Photo(visit_id=visit.id, county_id=None, sha256="1" * 64,
                        thumb_sha256="1" * 64, width=4, height=3, original_format="JPEG",
                        original_width=4, original_height=3, phash=0, band0=0, band1=0,
                        band2=0, band3=0, flags=photo_flags))
        row = s.get(Household, household.id)
        row.proposed_lat, row.proposed_lon, row.proposed_by_visit_id = 30.851, 116.361, visit.id
        s.commit()
        return household.id, visit.id


def _confirm(client, household_id: int, visit_id: str):
    token = csrf_from(client, f"/visits/{visit_id}")
    return client.post(f"/households/{household_id}/position", data={"csrf_token": token},
                       headers={"Referer": f"/visits/{visit_id}"}, follow_redirects=True)


def test_a_position_is_confirmed_from_a_visit_whose_evidence_holds(
        app: Flask, client, world, login, make_household) -> None:
    household_id, visit_id = _proposed(app, make_household, world, photo_flags="no_exif_time")
    login(client, "sup_t1")
    client.set_cookie("lang", "en")
    html = client.get(f"/visits/{visit_id}").get_data(as_text=True)
    assert "Confirm the household position" in html
    assert "The household&#39;s position is confirmed." in _confirm(
        client, household_id, visit_id).get_data(as_text=True)
    with app.app_context():
        assert db.session().get(Household, household_id).lat == 30.851


@pytest.mark.parametrize(("flags", "photo_flags"), [
    ("outside_fence", "photo_old,duplicate_photo"),  # the visit
    ("outside_fence", None),
    ("", "duplicate_photo"),
    ("", "photo_old"),
])
def test_no_position_is_confirmed_from_a_visit_whose_evidence_fails(
        app: Flask, client, world, login, make_household, flags: str,
        photo_flags: str | None) -> None:
    household_id, visit_id = _proposed(app, make_household, world, flags=flags,
                                       photo_flags=photo_flags)
    login(client, "sup_t1")
    client.set_cookie("lang", "en")
    html = client.get(f"/visits/{visit_id}").get_data(as_text=True)
    assert "Confirm the household position" not in html
    assert "evidence does not hold" in html
    refused = _confirm(client, household_id, visit_id).get_data(as_text=True)
    assert "evidence does not hold" in refused
    with app.app_context():
        assert db.session().get(Household, household_id).lat is None


def test_the_button_is_only_on_the_proposing_visit(app: Flask, client, world, login,
                                                   make_household, make_visit) -> None:
    household_id, visit_id = _proposed(app, make_household, world)
    other = make_visit("cadre_a", household_id=household_id)
    login(client, "sup_t1")
    client.set_cookie("lang", "en")
    html = client.get(f"/visits/{other.id}").get_data(as_text=True)
    assert "Confirm the household position" not in html
    assert f'href="/visits/{visit_id}"' in html and "by another visit" in html


def test_no_exif_time_is_shown_once(app: Flask, client, world, login, make_household) -> None:
    _household, visit_id = _proposed(app, make_household, world,
                                     photo_flags="no_exif_time,no_exif_time")
    login(client, "sup_t1")
    client.set_cookie("lang", "en")
    html = client.get(f"/visits/{visit_id}").get_data(as_text=True)
    assert html.count("No time in the photo") == 1
    listed = client.get("/visits").get_data(as_text=True)
    row = listed[listed.index(f"/visits/{visit_id}"):][:1500]
    assert row.count("No time in the photo") == 1
