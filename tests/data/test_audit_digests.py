"""The audit log's digests are keyed: a snapshot with a phone number in it cannot be found
again by hashing guesses, and a digest still proves what was written to whoever holds the
key. Migration 0035 goes up and down with the entries kept."""

from __future__ import annotations

import hashlib
import json

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Engine

from checkin import db
from checkin.migrate import upgrade
from checkin.models import AuditEntry, User
from checkin.platform import audit
from tests.data.conftest import downgrade

PHONE = "138000000097"  # cadre_a's number in the test world


def _sha(values: dict) -> str:
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_a_phone_in_a_snapshot_cannot_be_found_by_trying_numbers(app: Flask, world) -> None:
    """The attack: whoever reads the log (a backup, a DBA) has the digest and every other
    field of the snapshot; trying the numbers of the prefix finds the sealed phone when the
    digest is a plain SHA-256."""
    with app.app_context():
        s = db.session()
        cadre = s.get(User, world["cadre_a"])
        assert cadre.phone == PHONE
        known = audit.snapshot(cadre)
        entry = audit.record(s, actor_id=None, action="test.snapshot", entity="user",
                             entity_id=cadre.id, after=known)
        s.commit()
        guesses = [f"1380000000{n:02d}" for n in range(100)]
        found = [g for g in guesses if _sha({**known, "phone": g}) == entry.after_digest]
        assert found == []
        assert entry.digest_key == audit.key_id(audit.digest_key() or b"")
        assert audit.matches(entry.after_digest, entry.digest_key, known)
        assert not audit.matches(entry.after_digest, entry.digest_key,
                                 {**known, "phone": "138000000098"})


def test_an_entry_written_before_keyed_digests_still_checks(app: Flask, world) -> None:
    values = {"digest": "abc"}
    with app.app_context():
        assert audit.matches(_sha(values), None, values)
        assert not audit.matches(_sha(values), None, {"digest": "abd"})
        # made with another deployment's key: cannot be checked here, so it does not match
        other = audit.digest(values, b"another key")
        assert not audit.matches(other, audit.key_id(b"another key"), values)


def test_the_key_is_its_own_setting_or_derived_and_never_the_secret(app: Flask) -> None:
    with app.app_context():
        derived = audit.digest_key()
        assert derived is not None and derived != str(app.config["SECRET_KEY"]).encode()
        app.config["AUDIT_DIGEST_KEY"] = "a key kept with the log"
        assert audit.digest_key() == b"a key kept with the log"
        assert audit.key_id(b"a key kept with the log") != audit.key_id(derived)
        assert len(audit.key_id(derived)) <= 16


def test_entries_written_by_the_service_name_their_key(app: Flask, client, world,
                                                      token_for) -> None:
    import uuid
    from datetime import UTC, datetime, timedelta

    answer = client.post("/api/v1/checkins", headers=token_for("cadre_a"), json={
        "id": str(uuid.uuid4()), "lat": 30.851, "lon": 116.361, "accuracy_m": 20,
        "recorded_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()})
    assert answer.status_code == 201
    with app.app_context():
        entry = db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == "checkin.create")).one()
        assert entry.digest_key == audit.key_id(audit.digest_key() or b"")
        assert audit.matches(entry.after_digest, entry.digest_key,
                             {"digest": _stored_digest(answer)})


def _stored_digest(answer) -> str:
    from checkin.models import Checkin

    return db.session().get(Checkin, answer.get_json()["id"]).digest


REVISION = "0035_audit_keyed_digests"


def test_0035_goes_down_and_up_keeping_the_entries_and_their_guard(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO audit_log (at, action, entity, after_digest, digest_key, detail) "
            "VALUES (CURRENT_TIMESTAMP, 'test.kept', 'x', 'd', 'h1:abc', '{}')"))
    downgrade(engine, f"{REVISION}-1")
    assert "digest_key" not in {c["name"] for c in sa.inspect(engine).get_columns("audit_log")}
    upgrade(engine)
    with engine.begin() as conn:
        kept = conn.execute(sa.text(
            "SELECT action, after_digest, digest_key FROM audit_log "
            "WHERE action = 'test.kept'")).one()
    assert tuple(kept) == ("test.kept", "d", None)
    with pytest.raises(sa.exc.DatabaseError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET digest_key = 'h1:forged' "
                             "WHERE action = 'test.kept'"))
