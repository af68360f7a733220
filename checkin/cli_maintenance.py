"""Maintenance commands: check-integrity and remove-orphan-photos."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from checkin import db
from checkin.ops import field_encryption, integrity
from checkin.photos.store import PhotoStore
from checkin.photos.stores import photo_store
from checkin.platform import audit, clock, field_crypto
from checkin.platform.field_crypto import FieldCipher


def _store() -> PhotoStore:
    return photo_store()


@click.command("check-integrity")
@click.option("--all", "everything", is_flag=True,
              help="Hash every photo, not only today's share (INTEGRITY_VERIFY_DAYS).")
@with_appcontext
@db.command_transaction()
def check_integrity(everything: bool) -> None:
    """Report orphan files, rows without files and photos whose content changed (hashing
    today's share of the photos: each one once every INTEGRITY_VERIFY_DAYS days)."""
    days = 1 if everything else int(current_app.config["INTEGRITY_VERIFY_DAYS"])
    report = integrity.check(db.session(), _store(), today=clock.today(), verify_days=days)
    click.echo(f"orphan files: {report.orphans}")
    click.echo(f"rows without files: {report.missing}")
    click.echo(f"photos whose content no longer matches its hash: {report.corrupt}")
    click.echo(f"hashed today: {report.verified} of {report.stored} stored "
               f"({'all' if days == 1 else f'1/{days}'})")
    for key in (report.missing_files + report.corrupt_files)[:50]:
        click.echo(f"  {key}")
    sys.exit(0 if report.intact else 1)


@click.command("remove-orphan-photos")
@click.option("--older-than", default=integrity.DEFAULT_GRACE_S, show_default=True,
              type=click.IntRange(min=integrity.MIN_GRACE_S),
              help="Seconds; files put more recently may belong to an upload in flight.")
@with_appcontext
@db.command_transaction()
def remove_orphan_photos(older_than: int) -> None:
    """Delete photo files that no database row names."""
    report = integrity.remove_orphans(db.session(), _store(), db.engine(), older_than)
    click.echo(f"removed {report.removed} file(s)")


def _cipher() -> FieldCipher:
    cipher = field_crypto.current()
    if cipher is None:
        raise click.ClickException("FIELD_KEY is not set: set it (and FIELD_CIPHER) first")
    return cipher


def _audited(action: str, done: list[field_encryption.Rewritten]) -> None:
    with db.command_transaction() as session:
        audit.record(session, actor_id=None, action=action, entity="personal_data",
                     entity_id=None, detail={r.table: r.rows for r in done})


@click.command("encrypt-fields")
@click.option("--chunk", default=field_encryption.CHUNK, show_default=True,
              type=click.IntRange(min=1), help="Rows per transaction.")
@with_appcontext
def encrypt_fields(chunk: int) -> None:
    """Encrypt the phone numbers stored plain (after FIELD_KEY is set), in chunks, with
    their blind index; the service may keep running. Run again after a stop: what is
    done is skipped."""
    done = field_encryption.encrypt_all(db.engine(), _cipher(), chunk, click.echo)
    _audited("personal_data.encrypt", done)
    for r in done:
        click.echo(f"{r.table}: {r.rows} number(s) encrypted")


@click.command("decrypt-fields")
@click.option("--chunk", default=field_encryption.CHUNK, show_default=True,
              type=click.IntRange(min=1), help="Rows per transaction.")
@with_appcontext
def decrypt_fields(chunk: int) -> None:
    """Decrypt every encrypted phone number back to plain text (before FIELD_KEY is
    removed from the settings)."""
    done = field_encryption.decrypt_all(db.engine(), _cipher(), chunk, click.echo)
    _audited("personal_data.decrypt", done)
    for r in done:
        click.echo(f"{r.table}: {r.rows} number(s) decrypted")


COMMANDS = (check_integrity, remove_orphan_photos, encrypt_fields, decrypt_fields)
