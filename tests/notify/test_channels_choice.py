"""A person's own channels: on the settings page one sets an e-mail address and turns
e-mail or the province's platform off; the outbox honours it (real SMTP and HTTP servers
here), the inbox stays on, and every change is audited."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import AuditEntry, Delivery, User
from checkin.ops.delivery import deliver_all
from tests.conftest import csrf_from
from tests.notify.servers import http_server, smtp_server
from tests.notify.test_delivery import _ask, _contact, _set
from tests.notify.test_inbox import _inbox


def _save(client, **form: str):
    return client.post("/inbox/settings", data={"csrf_token": csrf_from(client, "/inbox/settings"),
                                                **form})


def test_email_turned_off_on_the_page_is_not_sent_and_the_inbox_stays(
        app: Flask, client, world, login, token_for) -> None:
    with smtp_server() as (box, port), http_server() as (hook, url):
        _set(app, SMTP_HOST="127.0.0.1", SMTP_PORT=port, WEBHOOK_URL=f"{url}/hook")
        _contact(app, world["cadre_a"], "cadre@county.test", None)
        cadre, township = token_for("cadre_a"), token_for("sup_t1")  # before the cookie
        api = app.test_client()
        login(client, "sup_t1")
        page = client.get("/inbox/settings").get_data(as_text=True)
        assert 'name="email_on"' in page and 'name="webhook_on"' in page
        # The township sets its address and keeps only the platform.
        saved = _save(client, email="town@county.test", webhook_on="y")
        assert saved.status_code == 302
        leave_id = _ask(api, cadre)
        api.post(f"/api/v1/leaves/{leave_id}/decision", headers=township,
                 json={"approve": True})
        with app.app_context():
            assert str(deliver_all()) == "sent 3, to retry 0, given up 0"
        assert [m["To"] for m in box.messages] == ["cadre@county.test"]
        assert sorted(r.json["kind"] for r in hook.received) == ["leave.approved",
                                                                 "leave.asked"]
        assert [i["kind"] for i in _inbox(api, township)["items"]] == [
            "leave.asked"]
    with app.app_context():
        session = db.session()
        user = session.get(User, world["sup_t1"])
        assert (user.email, user.muted_channels) == ("town@county.test", "email")
        [entry] = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "user.channels")).all()
        assert entry.actor_id == world["sup_t1"] and entry.detail == {
            "muted": ["email"], "email_set": True}
        assert entry.before_digest != entry.after_digest
        assert {d.channel for d in session.scalars(select(Delivery))} == {"email", "webhook"}


def test_a_bad_address_is_refused_on_the_page_and_nothing_changes(
        app: Flask, client, world, login) -> None:
    login(client, "cadre_a")
    answer = _save(client, email="not an address", email_on="y")
    assert answer.status_code == 200
    assert "这不像是一个电子邮箱地址。" in answer.get_data(as_text=True)  # Chinese by default
    with app.app_context():
        assert db.session().get(User, world["cadre_a"]).email is None
        assert db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == "user.channels")).all() == []
    # Saving what is stored changes nothing and audits nothing.
    assert _save(client, email="", email_on="y", webhook_on="y").status_code == 302


def test_a_channel_the_deployment_lacks_keeps_its_setting(app: Flask, client, world,
                                                          login) -> None:
    _set(app, SMTP_HOST="", WEBHOOK_URL="http://127.0.0.1:9/hook")
    with app.app_context():
        session = db.session()
        session.get(User, world["cadre_a"]).muted_channels = "email"
        session.commit()
    login(client, "cadre_a")
    assert 'name="email_on"' not in client.get("/inbox/settings").get_data(as_text=True)
    assert _save(client, email="me@county.test").status_code == 302  # webhook now off
    with app.app_context():
        assert db.session().get(User, world["cadre_a"]).muted_channels == "email,webhook"
