"""Phone numbers encrypted at rest (FIELD_KEY): unreadable in the raw database, right
through the app, found by their blind index, migrated in chunks both ways, and a wrong or
missing key stops the service at startup instead of showing garbage. SQLite and
PostgreSQL."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from checkin import create_app, db
from checkin.models import AuditEntry, Household, OutsideHelper, User, Village
from checkin.ops import field_encryption
from checkin.ops.backup import portable
from checkin.platform import field_crypto
from checkin.platform.field_crypto import FieldKeyError, from_settings, new_key
from checkin.services.people import administration
from checkin.settings import ConfigurationError
from config import TestConfig
from tests.conftest import _empty_all_tables

pytest.importorskip("cryptography", reason="field encryption needs `cryptography` "
                                           "(requirements.txt)")

KEY = new_key()
OTHER_KEY = new_key()
SM4_KEY = new_key("sm4-gcm")
NUMBER = "13912345678"


def config(database_url: str, tmp_path: Any, **values: str) -> type[TestConfig]:
    class Config(TestConfig):
        DATABASE_URL = database_url
        PHOTO_DIR = str(tmp_path / "photos")

    for name, value in values.items():
        setattr(Config, name, value)
    return Config


@pytest.fixture(params=["aes-256-gcm", "sm4-gcm"])
def cipher_settings(request: pytest.FixtureRequest) -> dict[str, str]:
    return {"FIELD_KEY": KEY if request.param == "aes-256-gcm" else SM4_KEY,
            "FIELD_CIPHER": request.param}


@pytest.fixture
def app(database_url: str, tmp_path: Any, cipher_settings: dict[str, str]) -> Iterator[Flask]:
    """The app with encryption on; the tables are emptied before and after (an app without
    the key refuses a database with sealed numbers)."""
    plain = create_app(config(database_url, tmp_path))
    with plain.app_context():
        _empty_all_tables(plain)
    plain.extensions["checkin_engine"].dispose()
    application = create_app(config(database_url, tmp_path, **cipher_settings))
    yield application
    with application.app_context():
        _empty_all_tables(application)
    application.extensions["checkin_engine"].dispose()


def raw(app: Flask, sql: str) -> list[Any]:
    with app.extensions["checkin_engine"].connect() as conn:
        return list(conn.execute(text(sql)).all())


# The cipher itself ---------------------------------------------------------------------------
@pytest.mark.parametrize(("algorithm", "key"), [("aes-256-gcm", KEY), ("sm4-gcm", SM4_KEY)])
def test_a_sealed_value_opens_only_with_its_key_and_column(algorithm: str, key: str) -> None:
    cipher = from_settings(key, algorithm)
    assert cipher is not None
    sealed = cipher.encrypt(NUMBER, "households.phone")
    assert NUMBER not in sealed and sealed.startswith(f"enc:{cipher.tag}:")
    assert sealed != cipher.encrypt(NUMBER, "households.phone")  # a fresh nonce each time
    assert cipher.decrypt(sealed, "households.phone") == NUMBER
    with pytest.raises(FieldKeyError):
        cipher.decrypt(sealed, "users.phone")  # copied into another column
    other = from_settings(new_key(algorithm), algorithm)
    assert other is not None
    with pytest.raises(FieldKeyError):
        other.decrypt(sealed, "households.phone")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(FieldKeyError):
        cipher.decrypt(tampered, "households.phone")
    assert cipher.blind_index(NUMBER) == cipher.blind_index("139-1234-5678")
    assert cipher.blind_index(NUMBER) != other.blind_index(NUMBER)


@pytest.mark.parametrize(("key", "algorithm", "problem"), [
    ("not base64!", "aes-256-gcm", "base64"),
    (base64.b64encode(b"x" * 16).decode(), "aes-256-gcm", "32 bytes"),
    (KEY, "sm4-gcm", "16 bytes"),
    (KEY, "rot13", "FIELD_CIPHER"),
])
def test_bad_settings_are_refused(key: str, algorithm: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        from_settings(key, algorithm)


def test_no_key_means_no_encryption() -> None:
    assert from_settings("", "aes-256-gcm") is None


# Through the app ------------------------------------------------------------------------------
def test_numbers_are_unreadable_in_the_database_and_right_through_the_app(
        app, world, login, token_for, client) -> None:
    with app.app_context():
        s = db.session()
        household = s.scalars(select(Household).where(Household.code == "Ha0")).one()
        household.phone = NUMBER
        s.commit()
        household_id = household.id
    stored = raw(app, "SELECT phone, phone_index FROM households WHERE code = 'Ha0'")[0]
    assert stored[0].startswith("enc:") and NUMBER not in stored[0]
    assert stored[1] and len(stored[1]) == 64
    users = raw(app, "SELECT phone FROM users WHERE username = 'cadre_a'")[0]
    assert users[0].startswith("enc:")  # the world's own cadre phone, written sealed
    with app.app_context():
        assert db.session().get(Household, household_id).phone == NUMBER
    items = client.get("/api/v1/households?limit=500",
                       headers=token_for("cadre_a")).get_json()["items"]
    assert {h["id"]: h["phone"] for h in items}[household_id] == NUMBER
    # found by the whole number through the blind index
    admin = login(app.test_client(), "admin")
    with app.app_context():
        phone = db.session().scalars(select(User.phone).where(
            User.username == "cadre_a")).one()
    found = admin.get(f"/admin/users?q={phone}").get_data(as_text=True)
    assert "cadre_a" in found and "cadre_b" not in found


def test_an_outside_helpers_number_is_sealed_too(app, world) -> None:
    """A responsible helper who does not live in the village (帮扶责任人) has a phone like
    any person: it is sealed at rest with the others, with its blind index beside it."""
    with app.app_context():
        s = db.session()
        village = s.get(Village, world["va"])
        made = administration.add_outside_helper(s, village, name="OutsideZhao",
                                                 phone_text=NUMBER, unit_name="County bureau",
                                                 actor_id=world["admin"])
        s.commit()
        helper_id = made.id
    stored = raw(app, f"SELECT phone, phone_index FROM outside_helpers WHERE id = {helper_id}")
    assert stored[0][0].startswith("enc:") and NUMBER not in stored[0][0]
    assert stored[0][1] and len(stored[0][1]) == 64
    with app.app_context():
        assert db.session().get(OutsideHelper, helper_id).phone == NUMBER
    assert ("outside_helpers", "phone", "phone_index") in field_encryption.SEALED_COLUMNS


def test_the_privacy_notice_says_the_numbers_are_encrypted(app, cipher_settings,
                                                            client) -> None:
    name = {"aes-256-gcm": "AES-256-GCM", "sm4-gcm": "SM4-GCM"}[cipher_settings["FIELD_CIPHER"]]
    page = client.get("/privacy?lang=en").get_data(as_text=True)
    assert f"stored encrypted in the database ({name}" in page
    assert "without encryption" not in page


def test_a_wrong_or_missing_key_stops_the_service_at_startup(app, world, database_url,
                                                             tmp_path, cipher_settings) -> None:
    algorithm = cipher_settings["FIELD_CIPHER"]
    with pytest.raises(ConfigurationError, match="wrong key"):
        create_app(config(database_url, tmp_path, FIELD_KEY=new_key(algorithm),
                          FIELD_CIPHER=algorithm))
    with pytest.raises(ConfigurationError, match="FIELD_KEY is not set"):
        create_app(config(database_url, tmp_path))


def test_encrypting_and_decrypting_an_existing_database_in_chunks(
        app, world, database_url, tmp_path, cipher_settings) -> None:
    engine = app.extensions["checkin_engine"]
    cipher = app.extensions["checkin_field_cipher"]
    decrypted = field_encryption.decrypt_all(engine, cipher, chunk=2)
    assert {r.table: r.rows for r in decrypted}["users"] >= 3  # the world's cadre phones
    plain = raw(app, "SELECT phone, phone_index FROM users WHERE phone IS NOT NULL")
    assert plain and all(p.isdigit() and i is None for p, i in plain)
    # a plain database, read by the app with the key on (mixed rows are read as they are)
    with app.app_context():
        assert db.session().scalars(select(User.phone).where(
            User.username == "cadre_a")).one().isdigit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["encrypt-fields", "--chunk", "2"])
    assert result.exit_code == 0, result.output
    assert "users: " in result.output and "number(s) encrypted" in result.output
    sealed = raw(app, "SELECT phone, phone_index FROM users WHERE phone IS NOT NULL")
    assert all(p.startswith("enc:") and i for p, i in sealed)
    again = runner.invoke(args=["encrypt-fields"])
    assert "users: 0 number(s) encrypted" in again.output
    with app.app_context():
        actions = db.session().scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("personal_data.%"))).all()
    assert actions == ["personal_data.encrypt", "personal_data.encrypt"]
    # a wrong key does not touch anything
    wrong = from_settings(new_key(cipher.algorithm), cipher.algorithm)
    assert wrong is not None
    with pytest.raises(FieldKeyError):
        field_encryption.encrypt_all(engine, wrong)
    assert raw(app, "SELECT phone FROM users WHERE phone IS NOT NULL") == [
        (p,) for p, _ in sealed]


def test_without_a_key_nothing_changes(database_url, tmp_path) -> None:
    application = create_app(config(database_url, tmp_path))
    try:
        with application.app_context():
            _empty_all_tables(application)
            assert field_crypto.current() is None
            user = User(username="plain", name="Plain", role="admin", session_epoch=0,
                        active=True, password_hash="x", phone=NUMBER)
            db.session().add(user)
            db.session().commit()
        assert raw(application, "SELECT phone, phone_index FROM users") == [(NUMBER, None)]
        result = application.test_cli_runner().invoke(args=["encrypt-fields"])
        assert result.exit_code != 0 and "FIELD_KEY is not set" in result.output
    finally:
        with application.app_context():
            _empty_all_tables(application)
        application.extensions["checkin_engine"].dispose()


def test_a_backup_keeps_the_numbers_sealed(app, world) -> None:
    """The portable backup reads the tables as they are stored: the numbers stay sealed in
    it (and a restore needs the same key)."""
    with app.extensions["checkin_engine"].connect() as conn:
        counts = {t: 10**6 for t in conn.dialect.get_table_names(conn)}
        users = next(t for t in portable.dump_tables(conn, counts) if t.name == "users")
        phones = [row[users.columns.index("phone")] for row in users.rows]
    assert [p for p in phones if p] and all(p.startswith("enc:") for p in phones if p)
