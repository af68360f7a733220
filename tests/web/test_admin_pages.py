"""The admin's pages for what the roster import set (issue 14): a paged account list with
search; editing a person; a password reset shown once; disabling and enabling; a village's
fence typed from the map it was read on; a household's helper. Each change is audited, each
refusal says why in the reader's language, and a refused change changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from checkin import db
from checkin.domain import coordinates
from checkin.models import AuditEntry, Household, User, Village
from tests.conftest import PASSWORD, csrf_from

Login = Callable[..., FlaskClient]


def _admin(client: FlaskClient, login: Login) -> FlaskClient:
    return login(client, "admin")


def _audits(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == action).order_by(AuditEntry.id)))


def _get(app: Flask, model: Any, key: int) -> Any:
    with app.app_context():
        return db.session().get(model, key)


def _post(client: FlaskClient, path: str, form_page: str, **data: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf_from(client, form_page), **data})


def test_no_one_but_an_admin_reaches_the_pages(client: FlaskClient, world, login: Login
                                               ) -> None:
    login(client, "sup_county")
    for path in ("/admin/users", f"/admin/users/{world['cadre_a']}", "/admin/villages",
                 f"/admin/villages/{world['va']}"):
        assert client.get(path).status_code in (403, 404), path
    answer = client.post(f"/admin/users/{world['cadre_a']}/password",
                         data={"csrf_token": csrf_from(client, "/")})
    assert answer.status_code in (403, 404)


def test_the_list_is_paged_and_searched(app: Flask, client: FlaskClient, world,
                                        login: Login) -> None:
    with app.app_context():
        s = db.session()
        for n in range(130):
            s.add(User(username=f"zz{n:03d}", name=f"批量{n}", role="cadre",
                       village_id=world["va"], password_hash="x"))
        s.commit()
        total = s.scalar(select(func.count()).select_from(User))
    _admin(client, login)
    first = client.get("/admin/users").get_data(as_text=True)
    assert f"100 of {total}" in first.replace("100 / ", "100 of ") or \
        f"共 {total}" in first, first[:2000]
    following = re.search(r'rel="next" href="([^"]+)"', first)
    assert following, "no next page"
    second = client.get(following.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "zz129" in second and "zz129" not in first
    found = client.get("/admin/users?q=批量12").get_data(as_text=True)
    assert "zz012" in found and "zz120" in found and "zz013" not in found
    # LIKE's own characters are searched for, not obeyed
    assert "zz0" not in client.get("/admin/users?q=%25").get_data(as_text=True)


def test_an_edit_is_checked_audited_and_a_refusal_changes_nothing(
        app: Flask, client: FlaskClient, world, login: Login) -> None:
    _admin(client, login)
    page = f"/admin/users/{world['cadre_a2']}"
    done = _post(client, page, page, name="新名字", phone="１３９ ００００ ００００",
                 email="a@example.cn", village_code="34080101", team_code="Ta")
    assert done.status_code == 303
    person = _get(app, User, world["cadre_a2"])
    assert (person.name, person.phone, person.email) == ("新名字", "13900000000", "a@example.cn")
    [entry] = _audits(app, "user.edit")
    assert entry.actor_id == world["admin"] and entry.before_digest != entry.after_digest
    assert entry.detail["changed"] == ["email", "name", "phone"]

    refused = _post(client, page, page, name="又改了", phone="不是电话", email="",
                    village_code="34080101", team_code="Ta")
    assert refused.status_code == 422
    assert "不是电话" in refused.get_data(as_text=True) and "电话号码" in \
        refused.get_data(as_text=True)
    assert _get(app, User, world["cadre_a2"]).name == "新名字"
    assert len(_audits(app, "user.edit")) == 1


def test_a_cadre_moves_village_only_with_a_team_of_that_village_and_no_households_left(
        app: Flask, client: FlaskClient, world, login: Login) -> None:
    _admin(client, login)
    page = f"/admin/users/{world['cadre_a2']}"
    wrong_team = _post(client, page, page, name="CadreAMember", phone="", email="",
                       village_code="34080201", team_code="Ta")
    assert wrong_team.status_code == 422
    assert "Ta" in wrong_team.get_data(as_text=True)
    still_helps = _post(client, page, page, name="CadreAMember", phone="", email="",
                        village_code="34080201", team_code="Tb")
    assert still_helps.status_code == 422
    assert "仍帮扶本村 1 户" in still_helps.get_data(as_text=True)
    assert _get(app, User, world["cadre_a2"]).village_id == world["va"]
    with app.app_context():
        s = db.session()
        for household in s.scalars(select(Household).where(
                Household.helper_id == world["cadre_a2"])):
            household.helper_id = world["cadre_a"]
        s.commit()
    moved = _post(client, page, page, name="CadreAMember", phone="", email="",
                  village_code="34080201", team_code="Tb")
    assert moved.status_code == 303
    person = _get(app, User, world["cadre_a2"])
    assert person.village_id == world["vb"]


def test_a_reset_password_is_shown_once_and_must_be_changed(
        app: Flask, client: FlaskClient, world, login: Login) -> None:
    victim = app.test_client()
    login(victim, "cadre_a")
    assert victim.get("/").status_code == 200
    _admin(client, login)
    page = f"/admin/users/{world['cadre_a']}"
    answer = _post(client, f"{page}/password", page)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    shown = re.search(r'<p class="code big">([^<]+)</p>', answer.get_data(as_text=True))
    assert shown
    assert shown.group(1) not in client.get(page).get_data(as_text=True)
    assert victim.get("/").status_code in (302, 401)  # the old session ended
    assert app.test_client().post("/api/v1/tokens", json={
        "username": "cadre_a", "password": PASSWORD}).status_code == 401
    fresh = app.test_client()
    fresh.post("/login", data={"username": "cadre_a", "password": shown.group(1),
                               "csrf_token": csrf_from(fresh)})
    assert fresh.get("/").headers["Location"].startswith("/account/password")
    [entry] = _audits(app, "user.password")
    assert entry.actor_id == world["admin"] and entry.detail == {"must_change": True}


def test_disable_ends_sessions_enable_restores_and_no_one_disables_themselves(
        app: Flask, client: FlaskClient, world, login: Login) -> None:
    victim = app.test_client()
    login(victim, "sup_t1")
    _admin(client, login)
    page = f"/admin/users/{world['sup_t1']}"
    assert _post(client, f"{page}/active", page, active="0").status_code == 303
    assert victim.get("/").status_code in (302, 401)
    assert app.test_client().post("/api/v1/tokens", json={
        "username": "sup_t1", "password": PASSWORD}).status_code == 401
    assert _post(client, f"{page}/active", page, active="1").status_code == 303
    login(app.test_client(), "sup_t1")
    assert [e.action for e in _audits(app, "user.disable") + _audits(app, "user.enable")] \
        == ["user.disable", "user.enable"]
    own = f"/admin/users/{world['admin']}"
    refused = _post(client, f"{own}/active", own, active="0")
    assert refused.status_code == 303
    assert "不能停用自己" in client.get(own).get_data(as_text=True)
    assert _get(app, User, world["admin"]).active


def test_a_fence_read_off_amap_is_stored_in_wgs84_with_its_source(
        app: Flask, client: FlaskClient, world, login: Login) -> None:
    _admin(client, login)
    page = f"/admin/villages/{world['va']}"
    gcj_lat, gcj_lon = coordinates.from_wgs84(30.85, 116.36, "gcj02")
    done = _post(client, f"{page}/fence", page, system="gcj02", lat=f"{gcj_lat:.7f}",
                 lon=f"{gcj_lon:.7f}", radius_m="２０００")
    assert done.status_code == 303
    village = _get(app, Village, world["va"])
    assert village.coord_source == "gcj02" and village.radius_m == 2000
    assert abs(village.lat - 30.85) < 1e-5 and abs(village.lon - 116.36) < 1e-5
    [entry] = _audits(app, "village.fence")
    assert entry.detail["before"]["radius_m"] == 1500 and entry.detail["after"]["radius_m"] \
        == 2000


@pytest.mark.parametrize(("values", "says"), [
    ({"lat": "116.36", "lon": "30.85", "radius_m": "1500"}, "经纬度是否写反"),
    ({"lat": "30.85", "lon": "116.36", "radius_m": "10"}, "50"),
    ({"lat": "北纬30", "lon": "116.36", "radius_m": "1500"}, "不是数字"),
    ({"lat": "nan", "lon": "116.36", "radius_m": "1500"}, "不是数字"),
    ({"lat": "30.85", "lon": "116.36", "radius_m": "1e400"}, "不是数字"),
])
def test_a_wrong_fence_is_refused_and_nothing_changes(
        app: Flask, client: FlaskClient, world, login: Login, values: dict[str, str],
        says: str) -> None:
    _admin(client, login)
    page = f"/admin/villages/{world['va']}"
    answer = _post(client, f"{page}/fence", page, system="wgs84", **values)
    assert answer.status_code == 422
    assert says in answer.get_data(as_text=True)
    village = _get(app, Village, world["va"])
    assert (village.lat, village.lon, village.radius_m) == (30.85, 116.36, 1500)
    assert _audits(app, "village.fence") == []


def test_a_household_gets_a_helper_of_its_own_village_only(
        app: Flask, client: FlaskClient, world, login: Login) -> None:
    _admin(client, login)
    with app.app_context():
        household = db.session().scalars(select(Household).where(
            Household.code == "Ha0")).one()
        household_id = household.id
    page = f"/admin/villages/{world['va']}"
    assert "CadreAMember" in client.get(page).get_data(as_text=True)
    moved = _post(client, f"/admin/households/{household_id}/helper", page,
                  helper_id=str(world["cadre_a2"]))
    assert moved.status_code == 303
    assert _get(app, Household, household_id).helper_id == world["cadre_a2"]
    elsewhere = _post(client, f"/admin/households/{household_id}/helper", page,
                      helper_id=str(world["cadre_b"]))
    assert elsewhere.status_code == 303
    assert _get(app, Household, household_id).helper_id == world["cadre_a2"]
    assert "本村" in client.get(page).get_data(as_text=True)
    junk = _post(client, f"/admin/households/{household_id}/helper", page, helper_id="x")
    assert junk.status_code in (303, 422)
    assert _get(app, Household, household_id).helper_id == world["cadre_a2"]
    [entry] = _audits(app, "household.helper")
    assert entry.detail == {"before": world["cadre_a"], "after": world["cadre_a2"]}
