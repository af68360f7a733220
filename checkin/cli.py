"""Flask commands: init-db, seed-demo, import-roster, create-user, set-password, ..."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import func, select

from checkin import db, refusals
from checkin.domain.passwords import new_password
from checkin.domain.refusal import Refusal
from checkin.migrate import upgrade
from checkin.models import Area, User, Village
from checkin.ops.demo import seed_demo
from checkin.platform import audit
from checkin.roster.read import Limits, read_rosters
from checkin.services.people import accounts
from checkin.services.people.roster_import import import_roster
from checkin.settings import policy


def register(app: Flask) -> None:
    from checkin.cli_data import COMMANDS as data
    from checkin.cli_maintenance import COMMANDS as maintenance
    from checkin.cli_notify import COMMANDS as jobs
    from checkin.cli_spotchecks import COMMANDS as spotchecks

    for command in (init_db, seed_demo_command, import_roster_command, run_worker_command,
                    create_user, set_password_command, set_duty_command, disable_user,
                    *maintenance, *spotchecks, *data, *jobs):
        app.cli.add_command(command)
    app.cli.add_command(run_worker_command, "run-imports")  # its older name


@click.command("init-db")
@with_appcontext
@db.command_transaction()
def init_db() -> None:
    """Create the database or bring an older one to the newest schema."""
    upgrade(db.engine())
    click.echo("database is at the newest schema")


@click.command("seed-demo")
@with_appcontext
@click.option("--password", help="Give every demo account this password (training rooms, tests).")
@click.option("--accounts-json", type=click.Path(dir_okay=False, path_type=Path),
              help="Write each account made (username, role, area_id, village_id) here.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@db.command_transaction()
def seed_demo_command(password: str | None, accounts_json: Path | None, if_empty: bool) -> None:
    """Load a demo county: 3 townships, 12 villages, 12 teams of 3, about 600 households."""
    session = db.session()
    if if_empty and session.scalar(select(func.count()).select_from(User)):
        click.echo("demo data already loaded; keeping it")
        return
    made = seed_demo(session, password=password)
    if accounts_json:
        public = [{k: a[k] for k in ("username", "role", "area_id", "village_id")} for a in made]
        accounts_json.write_text(json.dumps(public, ensure_ascii=False, indent=2))
    click.echo("demo accounts (passwords are shown once):")
    for account in made:
        click.echo(f"  {account['username']:<12} {account['role']:<11} {account['password']}")


@click.command("import-roster")
@with_appcontext
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--passwords-out", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV to write the initial passwords of new accounts to.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
@db.command_transaction()
def import_roster_command(files: tuple[Path, ...], passwords_out: Path | None, lang: str) -> None:
    """Import .xlsx or .csv roster files together: all of them, or nothing."""
    limits = Limits(max_bytes=current_app.config["ROSTER_MAX_BYTES"],
                    max_rows=current_app.config["ROSTER_MAX_ROWS"])
    session = db.session()
    try:
        click.echo("reading " + ", ".join(path.name for path in files) + " …")
        sheets, found = read_rosters(((path.name, path.read_bytes()) for path in files), limits)
        result = import_roster(session, sheets, actor_id=None, progress=_print_progress,
                               policy=policy(), found=found)
    except Refusal as exc:
        with force_locale(lang):
            click.echo("\n" + refusals.message(exc), err=True)
            for problem in exc.problems[:200]:
                click.echo("  " + refusals.problem_text(problem), err=True)
        sys.exit(1)  # the command's commit point rolls back
    with force_locale(lang):
        for note in result.notes:
            click.echo(refusals.problem_text(note))
        for warning in result.warnings:
            click.echo(refusals.problem_text(warning))
    for label, bucket in (("created", result.created), ("updated", result.updated),
                          ("unchanged", result.unchanged)):
        if bucket:
            click.echo(f"{label}: " + ", ".join(f"{k} {v}" for k, v in sorted(bucket.items())))
    if result.new_accounts:
        target = passwords_out or Path("initial-passwords.csv")
        with target.open("w", newline="", encoding="utf-8-sig") as fh:
            csv.writer(fh).writerows([("username", "password"), *result.new_accounts])
        target.chmod(0o600)
        click.echo(f"{len(result.new_accounts)} new account(s); initial passwords in {target}")


def _print_progress(sheet: str, done: int, total: int) -> None:
    if done == total or done % 5000 == 0:
        click.echo(f"  {sheet}: {done}/{total}")


@click.command("run-worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Run the queued jobs, then stop.")
def run_worker_command(once: bool) -> None:
    """Run background jobs (roster imports from POST /api/v1/imports and /admin/roster,
    large exports) in this process: for a deployment that sets BACKGROUND_WORKER=external
    instead of a thread per web worker."""
    from checkin.services import worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker.work(app, idle_rounds=1 if once else None)


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["cadre", "supervisor", "admin"]), required=True)
@click.option("--area-code", help="For a supervisor: the area it watches over.")
@click.option("--village-code", help="For a cadre: its village.")
@click.option("--password", help="Omit to get a random one printed once.")
@db.command_transaction()
def create_user(username: str, name: str, role: str, area_code: str | None,
                village_code: str | None, password: str | None) -> None:
    """Create one account."""
    session = db.session()
    user = User(username=username, name=name, role=role, session_epoch=0, active=True,
                password_hash="", must_change_password=True)
    if role == "supervisor":
        user.area_id = _lookup(session, Area, area_code, "--area-code")
    if role == "cadre":
        user.village_id = _lookup(session, Village, village_code, "--village-code")
    password = _checked_password(password, username, name)
    user.password_hash = accounts.hash_password(password)
    session.add(user)
    session.flush()
    audit.record(session, actor_id=None, action="user.create", entity="user", entity_id=user.id,
                 after=audit.snapshot(user))
    click.echo(f"created {username} ({role}); password: {password} "
               "(to be changed at the first sign-in)")


@click.command("set-duty")
@with_appcontext
@click.argument("username")
@click.argument("duty", type=click.Choice(["system", "security", "audit", "none"]))
@db.command_transaction()
def set_duty_command(username: str, duty: str) -> None:
    """Give an admin account its one duty (三员分立; in force with SEPARATION_OF_DUTIES)."""
    session = db.session()
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or user.role != "admin":
        raise click.ClickException(f"no admin account {username!r}")
    before = user.duty
    user.duty = None if duty == "none" else duty
    audit.record(session, actor_id=None, action="user.duty", entity="user", entity_id=user.id,
                 detail={"before": before, "after": user.duty})
    click.echo(f"{username}: duty {user.duty or 'none'}")


@click.command("set-password")
@with_appcontext
@click.argument("username")
@click.option("--password", help="Omit to get a random one printed once.")
@db.command_transaction()
def set_password_command(username: str, password: str | None) -> None:
    """Set a new password, to be changed at the next sign-in; every session and token of
    that user ends."""
    session = db.session()
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    password = _checked_password(password, user.username, user.name)
    accounts.set_password(session, user, password, actor_id=None, must_change=True)
    click.echo(f"password of {username} set: {password} (to be changed at the next sign-in)")


@click.command("disable-user")
@with_appcontext
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable again instead.")
@db.command_transaction()
def disable_user(username: str, enable: bool) -> None:
    """Disable an account (its sessions and tokens end at once), or enable it again."""
    session = db.session()
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    accounts.set_active(session, user, enable, actor_id=None)
    click.echo(f"{username} {'enabled' if enable else 'disabled'}")


def _lookup(session, model, code: str | None, option: str) -> int:  # type: ignore[no-untyped-def]
    if not code:
        raise click.ClickException(f"{option} is required for this role")
    found = session.scalars(select(model).where(model.code == code)).first()
    if found is None:
        raise click.ClickException(f"unknown {option} {code!r}")
    return found.id


def _checked_password(password: str | None, *own_words: str | None) -> str:
    password = password or new_password()
    try:
        from checkin.domain.passwords import check_password

        check_password(password, own_words, accounts.password_rules())
    except Refusal as exc:
        raise click.ClickException(f"password refused: {exc.code}") from exc
    return password
