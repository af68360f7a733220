"""Deliveries through the outbox to real servers started here: e-mail to an SMTP server
(aiosmtpd) in the recipient's language, kept and retried while the server refuses or is
down, never sent twice; the WeCom and DingTalk robots' documented JSON and DingTalk's
signature; the generic webhook's HMAC; 5xx, timeouts and errcodes retried."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import date, timedelta
from urllib.parse import quote_plus

import pytest
from flask import Flask
from sqlalchemy import select

from checkin import db
from checkin.models import Delivery, User
from checkin.ops.delivery import deliver_all
from checkin.platform import clock
from tests.notify.servers import free_port, http_server, smtp_server


def _set(app: Flask, **config: object) -> None:
    app.config.update(NOTIFY_RETRY_BASE_S=60, NOTIFY_RETRY_MAX_S=3600, NOTIFY_TIMEOUT_S=0.5,
                      NOTIFY_MAX_ATTEMPTS=12, **config)


def _contact(app: Flask, user_id: int, email: str, lang: str | None) -> None:
    with app.app_context():
        session = db.session()
        user = session.get(User, user_id)
        user.email, user.lang = email, lang
        session.commit()


def _ask(client, headers, days: int = 1) -> str:
    start = date.today() + timedelta(days=5)
    answer = client.post("/api/v1/leaves", headers=headers, json={
        "id": str(uuid.uuid4()), "kind": "personal", "reason": "家中有事",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=days - 1)).isoformat()})
    assert answer.status_code == 201
    return answer.get_json()["id"]


def _deliver(app: Flask, later_s: float = 0) -> str:
    with app.app_context():
        if later_s:
            app.config["FIXED_NOW"] = clock.now() + timedelta(seconds=later_s)
        return str(deliver_all())


def _deliveries(app: Flask) -> list[Delivery]:
    with app.app_context():
        return list(db.session().scalars(select(Delivery).order_by(Delivery.id)))


def test_email_reaches_each_person_in_their_language(app: Flask, client, world,
                                                     token_for) -> None:
    with smtp_server() as (box, port):
        _set(app, SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="checkin@county.test")
        _contact(app, world["sup_t1"], "town@county.test", "en")
        _contact(app, world["cadre_a"], "cadre@county.test", None)  # the default: Chinese
        leave_id = _ask(client, token_for("cadre_a"))
        client.post(f"/api/v1/leaves/{leave_id}/decision", headers=token_for("sup_t1"),
                    json={"approve": True})
        assert box.messages == []  # the requests only wrote rows
        assert _deliver(app) == "sent 2, to retry 0, given up 0"
        assert _deliver(app) == "sent 0, to retry 0, given up 0"
        by_to = {m["To"]: m for m in box.messages}
        assert len(box.messages) == 2
        town, cadre = by_to["town@county.test"], by_to["cadre@county.test"]
        assert town["Subject"] == "Leave waits for your decision"
        assert town["Content-Language"] == "en" and town["From"] == "checkin@county.test"
        assert "CadreALeader (VillageAlpha村) asks for 1 days of leave" in town.get_content()
        assert "/attendance/leaves" in town.get_content()
        assert cadre["Subject"] == "请假已批准"
        assert cadre["Content-Language"] == "zh-CN"
        assert "的请假已批准" in cadre.get_content()


def test_a_refusing_server_keeps_the_message_until_it_takes_it_once(app: Flask, client,
                                                                    world, token_for) -> None:
    with smtp_server() as (box, port):
        _set(app, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        _contact(app, world["sup_t1"], "town@county.test", "zh")
        _ask(client, token_for("cadre_a"))
        box.refuse = True
        assert _deliver(app) == "sent 0, to retry 1, given up 0"
        [waiting] = _deliveries(app)
        assert waiting.status == "pending" and waiting.attempts == 1
        assert "451" in (waiting.last_error or "")
        assert _deliver(app) == "sent 0, to retry 0, given up 0"  # backing off
        assert _deliver(app, later_s=61) == "sent 0, to retry 1, given up 0"
        box.refuse = False
        assert _deliver(app, later_s=90) == "sent 0, to retry 0, given up 0"  # 120 s now
        assert _deliver(app, later_s=31) == "sent 1, to retry 0, given up 0"
        assert _deliver(app, later_s=3600) == "sent 0, to retry 0, given up 0"
        assert len(box.messages) == 1
        [sent] = _deliveries(app)
        assert sent.status == "sent" and sent.attempts == 3


def test_a_server_that_is_down_is_tried_again_and_never_loses_the_message(
        app: Flask, client, world, token_for) -> None:
    port = free_port()  # nothing listens here yet
    _set(app, SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    _contact(app, world["sup_t1"], "town@county.test", "zh")
    _ask(client, token_for("cadre_a"))
    assert _deliver(app) == "sent 0, to retry 1, given up 0"
    assert "Connection" in (_deliveries(app)[0].last_error or "")
    with smtp_server(port) as (box, _):
        assert _deliver(app, later_s=61) == "sent 1, to retry 0, given up 0"
        assert _deliver(app, later_s=61) == "sent 0, to retry 0, given up 0"
        assert len(box.messages) == 1


def test_after_the_last_attempt_it_is_given_up_and_shown_to_the_admin(
        app: Flask, client, world, token_for, login) -> None:
    _set(app, SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    _contact(app, world["sup_t1"], "town@county.test", "zh")
    _ask(client, token_for("cadre_a"))
    assert _deliver(app) == "sent 0, to retry 1, given up 0"
    assert _deliver(app, later_s=61) == "sent 0, to retry 0, given up 1"
    page = login(app.test_client(), "admin").get("/admin/deliveries").get_data(as_text=True)
    assert "delivery-failed" in page and "town@county.test" in page
    assert login(app.test_client(), "sup_t1").get("/admin/deliveries").status_code in (403, 404)


def test_wecom_gets_its_documented_json_once_per_event(app: Flask, client, world,
                                                       token_for) -> None:
    with app.app_context():  # a second supervisor of the township: still one group post
        session = db.session()
        session.add(User(username="sup_t1b", name="SupTownOneB", role="supervisor",
                         area_id=world["t1"], password_hash="x", session_epoch=0,
                         active=True))
        session.commit()
    with http_server() as (hook, url):
        _set(app, WECOM_WEBHOOK_URL=f"{url}/cgi-bin/webhook/send?key=KEY")
        _ask(client, token_for("cadre_a"))
        assert _deliver(app) == "sent 1, to retry 0, given up 0"
        [post] = hook.received
        assert post.path == "/cgi-bin/webhook/send" and post.query == {"key": ["KEY"]}
        assert post.headers["Content-Type"].startswith("application/json")
        body = post.json
        assert list(body) == ["msgtype", "text"] and body["msgtype"] == "text"
        assert list(body["text"]) == ["content"]
        assert body["text"]["content"].startswith(
            "有请假待您审批\nCadreALeader（VillageAlpha村）请假1天")


def test_dingtalk_signs_as_documented(app: Flask, client, world, token_for) -> None:
    secret = "SEC" + "0123456789abcdef" * 3
    with http_server() as (hook, url):
        _set(app, DINGTALK_WEBHOOK_URL=f"{url}/robot/send?access_token=TOKEN",
             DINGTALK_SECRET=secret)
        _ask(client, token_for("cadre_a"))
        assert _deliver(app) == "sent 1, to retry 0, given up 0"
        [post] = hook.received
        timestamp = post.query["timestamp"][0]
        assert abs(int(timestamp) - time.time() * 1000) < 60_000
        expected = base64.b64encode(hmac.new(secret.encode("utf-8"),
                                             f"{timestamp}\n{secret}".encode(),
                                             digestmod=hashlib.sha256).digest())
        assert f"&sign={quote_plus(expected)}" in post.target  # urlencoded, as documented
        assert post.query["sign"] == [expected.decode()]
        assert post.query["access_token"] == ["TOKEN"]
        assert post.json["msgtype"] == "text" and "CadreALeader" in post.json["text"]["content"]


def test_the_generic_webhook_is_signed_with_hmac(app: Flask, client, world,
                                                 token_for) -> None:
    with http_server() as (hook, url):
        _set(app, WEBHOOK_URL=f"{url}/province/inbox", WEBHOOK_SECRET="province-secret")
        _ask(client, token_for("cadre_a"))
        assert _deliver(app) == "sent 1, to retry 0, given up 0"
        [post] = hook.received
        timestamp = post.headers["X-Checkin-Timestamp"]
        mac = hmac.new(b"province-secret", timestamp.encode() + b"." + post.raw,
                       hashlib.sha256).hexdigest()
        assert post.headers["X-Checkin-Signature"] == f"sha256={mac}"
        body = json.loads(post.raw)
        assert body["kind"] == "leave.asked" and body["recipient"]["username"] == "sup_t1"
        assert post.headers["X-Checkin-Delivery"] == body["id"]


@pytest.mark.parametrize("trouble", [["500"], ["slow"], ["errcode"], ["500", "slow"]])
def test_5xx_timeouts_and_errcodes_are_retried_and_sent_once(app: Flask, client, world,
                                                             token_for, trouble) -> None:
    with http_server() as (hook, url):
        _set(app, WECOM_WEBHOOK_URL=f"{url}/hook")
        hook.plan = list(trouble)
        _ask(client, token_for("cadre_a"))
        later = 0
        for _ in trouble:
            assert _deliver(app, later_s=later) == "sent 0, to retry 1, given up 0"
            later = 3600
        assert _deliver(app, later_s=later) == "sent 1, to retry 0, given up 0"
        assert _deliver(app, later_s=3600) == "sent 0, to retry 0, given up 0"
        delivered = [r for r in hook.received if r.raw and json.loads(r.raw)]
        ok = delivered[len([t for t in trouble if t != "slow"]):]
        assert len(ok) == 1


def test_a_request_never_waits_on_a_channel(app: Flask, client, world, token_for) -> None:
    with http_server() as (hook, url):
        _set(app, WEBHOOK_URL=f"{url}/slow")
        hook.plan = ["slow"] * 5
        started = time.monotonic()
        _ask(client, token_for("cadre_a"))
        assert time.monotonic() - started < 1.0
        assert hook.received == []
