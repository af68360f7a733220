"""季众评 pages: a household answers on its link with no account (Chinese, or English with
?lang=en), once; a link that leads nowhere is 404 and too many are 429; a cadre sees no
answer and no result; calls are entered in scope only; the export reads back."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checkin import db
from checkin.models import EvaluationAnswer, Household
from tests.conftest import csrf_from

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
Q = "2026-Q4"
LINK = re.compile(r"/e/([A-Za-z0-9_-]{20,})")


@pytest.fixture
def q4(app: Flask) -> Flask:
    app.config["FIXED_NOW"] = NOW
    return app


def print_sheet(app: Flask, login, world, who: str = "sup_t1") -> list[str]:
    client = login(app.test_client(), who)
    token = csrf_from(client, f"/evaluation/villages/{world['va']}?quarter={Q}")
    response = client.post(f"/evaluation/villages/{world['va']}/sheet",
                           data={"csrf_token": token, "quarter": Q, "page": "1"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.count("<svg") == 3  # one QR code per household, drawn on the server
    return list(dict.fromkeys(LINK.findall(body)))


def household_answer(world, village: str = "a") -> dict[str, str]:
    return {"team": "satisfied", f"knows_{world[f'cadre_{village}']}": "yes",
            f"rating_{world[f'cadre_{village}']}": "basic",
            f"knows_{world[f'cadre_{village}2']}": "no", "remark": "路修好了"}


def answer(client: FlaskClient, token: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    csrf = csrf_from(client, f"/e/{token}")
    return client.post(f"/e/{token}", data={**data, "csrf_token": csrf})


def test_a_household_answers_without_an_account_once(q4: Flask, world, login) -> None:
    tokens = print_sheet(q4, login, world)
    assert len(tokens) == 3
    phone = q4.test_client()
    page = phone.get(f"/e/{tokens[0]}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "CadreALeader" in text and "CadreAMember" in text and "满意" in text
    assert "HeadA0" not in text and "HeadA1" not in text  # the head's name is masked
    assert "<script" not in text  # a cheap phone loads no script
    english = phone.get(f"/e/{tokens[0]}?lang=en").get_data(as_text=True)
    assert "Do you know this cadre?" in english
    csrf = csrf_from(phone, f"/e/{tokens[0]}")
    done = phone.post(f"/e/{tokens[0]}", data={**household_answer(world), "csrf_token": csrf})
    assert done.status_code == 200
    assert "您的评议已记录" in done.get_data(as_text=True)
    # the same form sent again (a second tap, a saved page): refused, said so
    again = phone.post(f"/e/{tokens[0]}", data={**household_answer(world), "csrf_token": csrf})
    assert again.status_code == 409
    assert "本户已参加 2026-Q4 的评议" in again.get_data(as_text=True)
    assert phone.get(f"/e/{tokens[0]}").status_code == 200  # says it has answered
    with q4.app_context():
        stored = db.session().scalars(select(EvaluationAnswer)).one()
        assert (stored.channel, stored.team_rating, stored.remark) == ("qr", "satisfied",
                                                                        "路修好了")
        assert stored.signed_in_user_id is None and len(stored.device) == 32
        assert {(r.knows, r.rating) for r in stored.ratings} == {(True, "basic"),
                                                                  (False, None)}


def test_an_incomplete_answer_is_refused_in_the_page(q4: Flask, world, login) -> None:
    token = print_sheet(q4, login, world)[0]
    phone = q4.test_client()
    data = household_answer(world)
    del data[f"knows_{world['cadre_a2']}"]
    response = answer(phone, token, data)
    assert response.status_code == 422
    assert "认识" in response.get_data(as_text=True)
    with q4.app_context():
        assert db.session().scalars(select(EvaluationAnswer)).first() is None


@pytest.mark.parametrize("token", ["A" * 22, "nope", "x" * 80])
def test_a_foreign_link_is_404(q4: Flask, world, login, token: str) -> None:
    print_sheet(q4, login, world)
    assert q4.test_client().get(f"/e/{token}").status_code == 404


def test_links_tried_many_times_are_refused(q4: Flask, world, login) -> None:
    good = print_sheet(q4, login, world)[0]
    phone = q4.test_client()
    for n in range(30):
        assert phone.get(f"/e/guess{n:020d}").status_code == 404
    assert phone.get("/e/guess-one-more-time-xxxxx").status_code == 429
    # from there on not even a real link is looked up for that network
    assert phone.get(f"/e/{good}").status_code == 429


def test_a_link_of_an_ended_quarter_is_404(q4: Flask, world, login) -> None:
    token = print_sheet(q4, login, world)[0]
    q4.config["FIXED_NOW"] = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)
    assert q4.test_client().get(f"/e/{token}").status_code == 404


def test_the_cadres_own_session_on_the_device_is_flagged(q4: Flask, world, login) -> None:
    token = print_sheet(q4, login, world)[0]
    cadre_phone = login(q4.test_client(), "cadre_a")
    assert answer(cadre_phone, token, household_answer(world)).status_code == 200
    sup = login(q4.test_client(), "sup_t1")
    page = sup.get(f"/evaluation/villages/{world['va']}?quarter={Q}").get_data(as_text=True)
    assert "HeadA0" in page and "CadreALeader" in page
    assert "作答设备上有人登录" in page


@pytest.mark.parametrize("who", ["cadre_a", "cadre_a2", "cadre_b"])
def test_a_cadre_sees_no_answer_and_no_result(q4: Flask, world, login, who: str) -> None:
    token = print_sheet(q4, login, world)[0]
    answer(q4.test_client(), token, household_answer(world))
    client = login(q4.test_client(), who)
    with q4.app_context():
        household = db.session().scalars(select(Household.id)).first()
    for url in ("/evaluation", "/evaluation.xlsx", f"/evaluation/villages/{world['va']}",
                f"/evaluation/households/{household}/call"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "路修好了" not in response.get_data(as_text=True)
    csrf = csrf_from(client, "/")
    assert client.post(f"/evaluation/villages/{world['va']}/sheet",
                       data={"csrf_token": csrf, "quarter": Q}).status_code == 404


@pytest.mark.parametrize(("who", "village", "status"), [
    ("sup_t1", "va", 200), ("sup_county", "va", 200), ("admin", "vc", 200),
    ("sup_t2", "va", 404), ("sup_t1", "vb", 404), ("sup_county", "vc", 404),
])
def test_a_villages_answers_stay_in_jurisdiction(q4: Flask, world, login, who: str,
                                                village: str, status: int) -> None:
    client = login(q4.test_client(), who)
    assert client.get(f"/evaluation/villages/{world[village]}").status_code == status


def _household_id(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session().scalars(select(Household.id).where(Household.code == code)).one()


def test_a_call_is_entered_by_a_supervisor_in_scope(q4: Flask, world, login) -> None:
    household = _household_id(q4, "Ha1")
    other = login(q4.test_client(), "sup_t2")
    assert other.get(f"/evaluation/households/{household}/call").status_code == 404
    client = login(q4.test_client(), "sup_t1")
    csrf = csrf_from(client, f"/evaluation/households/{household}/call")
    response = client.post(f"/evaluation/households/{household}/call",
                           data={**household_answer(world), "csrf_token": csrf})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "SupTownOne" in page  # entered by
    with q4.app_context():
        stored = db.session().scalars(select(EvaluationAnswer)).one()
        assert (stored.channel, stored.entered_by_id) == ("call", world["sup_t1"])
    again = client.post(f"/evaluation/households/{household}/call",  # a stale form
                        data={**household_answer(world), "csrf_token": csrf})
    assert again.status_code == 409


def test_the_results_export_reads_back(q4: Flask, world, login) -> None:
    tokens = print_sheet(q4, login, world)
    for token in tokens:
        answer(q4.test_client(), token, household_answer(world))
    client = login(q4.test_client(), "sup_county")
    page = client.get(f"/evaluation?quarter={Q}")
    assert page.status_code == 200
    assert "CadreALeader" in page.get_data(as_text=True)
    response = client.get(f"/evaluation.xlsx?quarter={Q}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("层级", "名称", "所在", "样本数")
    by_name = {row[1]: row for row in rows[1:]}
    # three answers from one test client: a burst, flagged and not counted
    assert by_name["CadreALeader"][3] == 0 and by_name["CadreALeader"][9] == 3
    assert by_name["CadreALeader"][10] == "样本过少"
    assert rows[1][0] == "合计"


def _calls(app: Flask, world, ratings: list[str]) -> None:
    from checkin.domain import public_evaluation as pe
    from checkin.models import User
    from checkin.scope import Scope
    from checkin.services.evaluation import answers as service

    with app.app_context():
        s = db.session()
        actor = s.get(User, world["sup_t1"])
        for n, rating in enumerate(ratings):
            household = Household(code=f"HY{n}", head_name=f"HeadY{n}", village_id=world["va"],
                                  status="poor", helper_id=world["cadre_a"])
            s.add(household)
            s.flush()
            service.answer_by_call(s, Scope.for_user(actor), actor, household, Q, rating,
                                   {world["cadre_a"]: pe.CadreAnswer(True, rating),
                                    world["cadre_a2"]: pe.CadreAnswer(False)}, "")
        s.commit()


def test_the_cadres_file_shows_its_figure_only_after_the_quarter(q4: Flask, world, login
                                                                 ) -> None:
    _calls(q4, world, ["satisfied"] * 4 + ["unsatisfied"])
    own = login(q4.test_client(), "cadre_a")
    page = own.get(f"/cadres/{world['cadre_a']}?year=2026").get_data(as_text=True)
    assert "季度群众评议" in page and "季度结束后显示" in page and "80%" not in page
    sup = login(q4.test_client(), "sup_t1")
    page = sup.get(f"/cadres/{world['cadre_a']}?year=2026").get_data(as_text=True)
    assert "80%" in page
    q4.config["FIXED_NOW"] = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
    page = own.get(f"/cadres/{world['cadre_a']}?year=2026").get_data(as_text=True)
    assert "80%" in page and "季度结束后显示" not in page
    # the member nobody knew: no figure to show, even after the quarter
    member = login(q4.test_client(), "cadre_a2")
    page = member.get(f"/cadres/{world['cadre_a2']}?year=2026").get_data(as_text=True)
    assert "样本过少，不予显示" in page
