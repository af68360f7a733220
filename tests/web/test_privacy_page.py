"""The privacy notice (issue 20, PIPL art. 17): open without signing in, linked from the
sign-in page and home, in both languages, with the deployment's own retention."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

Login = Callable[..., FlaskClient]


def test_the_notice_is_open_and_states_this_deployments_settings(app: Flask,
                                                                  client: FlaskClient) -> None:
    app.config["RETENTION_DAYS"] = 730
    assert 'href="/privacy"' in client.get("/login").get_data(as_text=True)
    zh = client.get("/privacy")
    assert zh.status_code == 200
    text = zh.get_data(as_text=True)
    assert "730 天（约 2.0 年）" in text and "不保存轨迹" in text
    en = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "deleted after 730 days" in en and "keeps no route" in en


def test_home_links_the_notice(client: FlaskClient, world, login: Login) -> None:
    login(client, "cadre_a")
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)
