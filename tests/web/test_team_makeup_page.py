"""The supervisors' page of team make-up and the role on the admin's person page (issue
19): teams that do not fit seed 002's rule are listed in scope, with each member's role."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry, Team, User
from tests.conftest import csrf_from


def test_the_page_lists_the_teams_that_do_not_fit_in_scope(app: Flask, world, login) -> None:
    # the world's teams have 2 members each: every one is warned about
    county = login(app.test_client(), "sup_county")
    page = county.get("/teams/makeup").get_data(as_text=True)
    # team codes as the table shows them: a bare "Tc" also turns up in the random CSRF token
    assert '<th scope="row">Ta</th>' in page and '<th scope="row">Tb</th>' in page
    assert "人数不是 3 人" in page
    assert '<th scope="row">Tc</th>' not in page and "VillageGamma" not in page  # another county
    township = login(app.test_client(), "sup_t1").get("/teams/makeup").get_data(as_text=True)
    assert "VillageAlpha" in township and "VillageBeta" not in township
    with app.app_context():
        s = db.session()
        s.add(Team(code="Ta2", village_id=world["va"], term_start=s.get(Team, world["team_a"])
                   .term_start))
        s.commit()
    page = login(app.test_client(), "sup_t1").get("/teams/makeup?lang=en").get_data(
        as_text=True)
    assert "Several teams in one village" in page and "No first secretary" in page
    assert login(app.test_client(), "cadre_a").get("/teams/makeup").status_code == 404


def test_the_admin_records_a_members_role(app: Flask, world, login) -> None:
    client = login(app.test_client(), "admin")
    path = f"/admin/users/{world['cadre_a2']}"
    answer = client.post(path, data={
        "csrf_token": csrf_from(client, path), "name": "CadreAMember", "phone": "",
        "email": "", "village_code": "34080101", "team_code": "Ta",
        "team_role": "township_member"})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:1000]
    with app.app_context():
        s = db.session()
        assert s.get(User, world["cadre_a2"]).team_role == "township_member"
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "user.edit")).first()
    page = login(app.test_client(), "sup_t1").get("/teams/makeup").get_data(as_text=True)
    assert "乡镇队员" in page
    # a supervisor's page still saves: the role is a cadre's field only
    sup = f"/admin/users/{world['sup_t1']}"
    saved = client.post(sup, data={"csrf_token": csrf_from(client, sup), "name": "SupTownOne",
                                   "phone": "", "email": ""})
    assert saved.status_code == 303
