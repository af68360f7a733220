"""Phone numbers masked except where the reader must call (PIPL: the minimum necessary):
attacks through the pages, the API and the exports (checkin/domain/personal_data.py)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry, Household, SpotcheckAssignment, SpotcheckItem, User

LEADER_A = "13800000097"  # given to the world's cadre_a
HA0, HA1, HB0 = "13912340001", "13912340002", "13912340003"
HA0_MASKED, HA1_MASKED = "139****0001", "139****0002"


@pytest.fixture
def numbers(app: Flask, world) -> dict[str, int]:
    """Phones on Ha2 (helped by cadre_a), Ha1 (cadre_a2), Hb0 and cadre_a; an open visit
    back-check of Ha2 in township one's batch, nobody's yet."""
    with app.app_context():
        s = db.session()
        by_code = {h.code: h for h in s.scalars(select(Household))}
        by_code["Ha2"].phone, by_code["Ha1"].phone, by_code["Hb0"].phone = HA0, HA1, HB0
        s.get(User, world["cadre_a"]).phone = LEADER_A
        first = s.get(SpotcheckItem, world["backcheck_a"])
        item = SpotcheckItem(batch_id=first.batch_id, position=9, kind="visit",
                             user_id=first.user_id, village_id=first.village_id,
                             household_id=by_code["Ha2"].id, visit_id=first.visit_id,
                             day=first.day, risk=2.0, reasons=first.reasons)
        s.add(item)
        s.commit()
        return {"item": item.id, "batch": item.batch_id, "ha0": by_code["Ha2"].id,
                "ha1": by_code["Ha1"].id}


def assign(app: Flask, world, item_id: int, checker: str) -> None:
    with app.app_context():
        db.session().add(SpotcheckAssignment(item_id=item_id, checker_id=world[checker],
                                             assigned_by_id=world["sup_county"]))
        db.session().commit()


def text_of(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


# The visit pages: the household's own helper, nobody else ----------------------------------
def test_a_cadre_sees_whole_only_the_households_it_helps(app, world, numbers, login,
                                                         token_for, client) -> None:
    headers = token_for("cadre_a2")
    client = login(client.application.test_client(), "cadre_a2")
    own = text_of(client, f"/my/visits/new?household={numbers['ha1']}")
    assert f'href="tel:{HA1}"' in own
    other = text_of(client, f"/my/visits/new?household={numbers['ha0']}")
    assert HA0 not in other and HA0_MASKED in other and "tel:139" not in other
    items = {h["id"]: h for h in client.get("/api/v1/households?limit=500",
                                            headers=headers).get_json()["items"]}
    assert items[numbers["ha1"]]["phone"] == HA1
    assert items[numbers["ha0"]]["phone"] == HA0_MASKED


def test_a_cadre_of_another_village_reads_no_number_of_it(app, world, numbers, login,
                                                           token_for, client) -> None:
    headers = token_for("cadre_b")
    answer = client.get("/api/v1/households?limit=500", headers=headers).get_data(as_text=True)
    assert HA0 not in answer and HA1 not in answer and HA0_MASKED not in answer
    assert HB0 in answer  # its own household
    client = login(client.application.test_client(), "cadre_b")
    assert HA0 not in text_of(client, f"/my/visits/new?household={numbers['ha0']}", 404)
    assert HA0 not in text_of(client, f"/villages/{world['va']}", 404)


def test_supervisors_and_admins_get_households_masked_on_lists(app, world, numbers,
                                                               token_for, client) -> None:
    for who in ("sup_t1", "sup_county", "admin"):
        answer = client.get("/api/v1/households?limit=500",
                            headers=token_for(who)).get_data(as_text=True)
        assert HA0 not in answer and HA1 not in answer, who
        assert HA0_MASKED in answer, who


def api_item(client, headers: dict[str, str], item_id: int) -> dict:
    answer = client.get("/api/v1/spotchecks?status=open&limit=500", headers=headers)
    assert answer.status_code == 200
    return next(i for i in answer.get_json()["items"] if i["id"] == item_id)


# The spot check: its checker, or anyone while it has none -----------------------------------
def test_the_checker_calls_the_household_and_nobody_else_reads_it(app, world, numbers, login,
                                                                   token_for) -> None:
    url = f"/spotchecks/items/{numbers['item']}"
    township = login(app.test_client(), "sup_t1")
    assert f'href="tel:{HA0}"' in text_of(township, url)  # nobody's yet: theirs to work
    assign(app, world, numbers["item"], "sup_county")
    county = login(app.test_client(), "sup_county")
    assert f'href="tel:{HA0}"' in text_of(county, url)
    assert f"tel:{HA0}" in text_of(county, "/spotchecks")
    # the township supervisor is not its checker now: page, queue, API
    page = text_of(township, url)
    assert HA0 not in page and HA0_MASKED in page
    assert HA0 not in text_of(township, "/spotchecks")
    assert HA0 not in text_of(township, f"/spotchecks/batches/{numbers['batch']}")
    client = app.test_client()
    for who in ("sup_t1", "admin"):
        headers = token_for(who)
        assert api_item(client, headers, numbers["item"])["household"]["phone"] == (
            HA0_MASKED), who
        queue = client.get("/api/v1/spotchecks?status=open&limit=500", headers=headers)
        assert HA0 not in queue.get_data(as_text=True), who
    assert api_item(client, token_for("sup_county"), numbers["item"])[
        "household"]["phone"] == HA0
    admin = login(app.test_client(), "admin")
    assert HA0 not in text_of(admin, url)


def test_cadre_phones_whole_to_their_supervisors_masked_to_admins(app, world, numbers,
                                                                  login) -> None:
    supervisor = login(app.test_client(), "sup_t1")
    assert f'href="tel:{LEADER_A}"' in text_of(supervisor, "/cadres")
    admin = login(app.test_client(), "admin")
    listing = text_of(admin, "/cadres")
    assert LEADER_A not in listing and "138****0097" in listing
    # the person page, where an admin keeps the account, has it whole
    assert LEADER_A in text_of(admin, f"/admin/users/{world['cadre_a']}")
    teammate = login(app.test_client(), "cadre_a2")
    assert f'href="tel:{LEADER_A}"' in text_of(teammate, "/")


def test_the_dossier_api_masks_a_cadre_phone_for_admins(app, world, numbers, token_for,
                                                       client) -> None:
    url = f"/api/v1/cadres/{world['cadre_a']}/dossier"
    assert client.get(url, headers=token_for("sup_t1")).get_json()["user"]["phone"] == LEADER_A
    assert client.get(url, headers=token_for("cadre_a")).get_json()["user"]["phone"] == LEADER_A
    assert client.get(url, headers=token_for("admin")).get_json()["user"]["phone"] == (
        "138****0097")


# Exports: masked unless asked for, allowed, and audited ---------------------------------------
def rows_of(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    return list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(
        values_only=True))


def full_exports(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == "personal_data.export_full")))


def test_the_week_list_is_masked_by_default(app, world, numbers, login) -> None:
    client = login(app.test_client(), "sup_t1")
    rows = rows_of(client.get(f"/spotchecks/batches/{numbers['batch']}/export.xlsx"))
    phones = [r[-1] for r in rows[1:] if r[-1]]
    assert HA0_MASKED in phones and HA0 not in phones
    assert full_exports(app) == []


def test_a_full_export_has_whole_only_the_readers_checks_and_is_audited(app, world, numbers,
                                                                        login) -> None:
    assign(app, world, numbers["item"], "sup_county")
    url = f"/spotchecks/batches/{numbers['batch']}/export.xlsx?numbers=full"
    township = login(app.test_client(), "sup_t1")
    phones = [r[-1] for r in rows_of(township.get(url))[1:] if r[-1]]
    assert HA0 not in phones and HA0_MASKED in phones  # not the township's check
    county = login(app.test_client(), "sup_county")
    phones = [r[-1] for r in rows_of(county.get(url))[1:] if r[-1]]
    assert HA0 in phones
    entries = full_exports(app)
    assert [(e.actor_id, e.detail["rows_with_full_numbers"]) for e in entries] == [
        (world["sup_t1"], phones.count(HA0) - 1), (world["sup_county"], phones.count(HA0))]
    assert {e.entity_id for e in entries} == {str(numbers["batch"])}


def test_a_full_export_without_permission_is_refused_and_not_audited_as_done(
        app, world, numbers, login) -> None:
    admin = login(app.test_client(), "admin")
    url = f"/spotchecks/batches/{numbers['batch']}/export.xlsx?numbers=full"
    response = admin.get(url)
    assert response.status_code == 403
    assert HA0 not in response.get_data(as_text=True)
    assert full_exports(app) == []
    with app.app_context():
        denied = db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == "access.denied", AuditEntry.actor_id == world["admin"])).all()
        assert [d.detail.get("numbers") for d in denied] == ["full"]
        assert db.session().get(User, world["admin"]) is not None
    # the plain export stays open to the admin, masked
    phones = [r[-1] for r in rows_of(admin.get(url.split("?")[0]))[1:] if r[-1]]
    assert HA0 not in phones and HA0_MASKED in phones
    assert "numbers=full" not in text_of(admin, f"/spotchecks/batches/{numbers['batch']}")


def test_the_privacy_notice_says_who_sees_numbers_whole_and_that_they_are_not_encrypted(
        client) -> None:
    en = text_of(client, "/privacy?lang=en")
    assert "139****0001" in en and "whole to its own helper" in en
    assert "stored in the database without encryption" in en
    zh = text_of(client, "/privacy")
    assert "脱敏" in zh and "未加密存储" in zh
