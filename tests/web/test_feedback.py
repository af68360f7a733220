"""意见反馈 (issue 20): everyone can send feedback, the administrators are told and answer,
the author is told; nothing sent can be changed or removed; a bad entry is refused in the
reader's language; the open queue shows what waits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from checkin import db
from checkin.models import Feedback, Notification
from tests.conftest import csrf_from

Login = Callable[..., FlaskClient]


def _send(client: FlaskClient, **data: str):
    return client.post("/feedback", data={"csrf_token": csrf_from(client, "/feedback"),
                                          **data})


def _inbox(app: Flask, user_id: int) -> list[str]:
    with app.app_context():
        return [n.kind for n in db.session().scalars(select(Notification).where(
            Notification.user_id == user_id))]


def test_feedback_reaches_the_admin_and_the_answer_the_author(
        app: Flask, client: FlaskClient, world, login: Login) -> None:
    login(client, "cadre_a")
    sent = _send(client, kind="complaint", text="打卡页面在山里打不开，希望能离线。")
    assert sent.status_code == 303
    assert "等待答复" in client.get("/feedback").get_data(as_text=True)
    assert "feedback.new" in _inbox(app, world["admin"])
    admin = login(app.test_client(), "admin")
    queue = admin.get("/admin/feedback").get_data(as_text=True)
    assert "打卡页面在山里打不开" in queue and "CadreALeader" in queue
    with app.app_context():
        item = db.session().scalars(select(Feedback)).one()
    answered = admin.post(f"/admin/feedback/{item.id}/answer", data={
        "csrf_token": csrf_from(admin, "/admin/feedback"), "text": "已支持离线打卡。",
        "closes": "y"})
    assert answered.status_code == 303
    assert "feedback.answered" in _inbox(app, world["cadre_a"])
    page = client.get("/feedback").get_data(as_text=True)
    assert "已支持离线打卡。" in page and "已答复" in page
    assert "打卡页面在山里打不开" not in admin.get("/admin/feedback").get_data(as_text=True)
    assert "打卡页面在山里打不开" in admin.get("/admin/feedback?all=1").get_data(as_text=True)


@pytest.mark.parametrize(("data", "says"), [
    ({"kind": "complaint", "text": "   "}, ""),
    ({"kind": "complaint", "text": "长" * 2001}, "2000"),
    ({"kind": "praise", "text": "好"}, ""),
])
def test_a_bad_entry_is_refused_and_nothing_is_stored(app: Flask, client: FlaskClient, world,
                                                      login: Login, data: dict[str, str],
                                                      says: str) -> None:
    login(client, "sup_t1")
    answer = _send(client, **data)
    assert answer.status_code == 422
    assert says in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalars(select(Feedback)).first() is None


def test_what_was_sent_cannot_be_changed_or_removed(app: Flask, client: FlaskClient, world,
                                                    login: Login) -> None:
    login(client, "cadre_a")
    _send(client, kind="complaint", text="乡镇没有及时审批请假。")
    with app.app_context():
        s = db.session()
        with pytest.raises(DatabaseError, match="insert-only"):
            s.execute(text("UPDATE feedback SET text = 'nothing'"))
        s.rollback()
        with pytest.raises(DatabaseError, match="insert-only"):
            s.execute(text("DELETE FROM feedback"))
        s.rollback()


def test_only_admins_see_the_queue(client: FlaskClient, world, login: Login) -> None:
    login(client, "sup_county")
    assert client.get("/admin/feedback").status_code == 404
