"""Notification commands: the scheduler's `flask run-jobs` (cron or a systemd timer, every
minute; `--every 60` as a long-running loop, what `make run` starts), and `set-contact`,
a person's e-mail address and language for notifications."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from checkin import db
from checkin.models import User
from checkin.ops import scheduler
from checkin.ops.jobs import JOBS
from checkin.platform import audit


@click.command("run-jobs")
@click.option("--every", type=int, default=0,
              help="Seconds: keep running, a pass every N seconds (0: one pass and exit).")
@click.option("--only", multiple=True, type=click.Choice([j.name for j in JOBS]),
              help="Run only these jobs (repeatable).")
@click.option("--passes", type=int, default=0, help="With --every: stop after N passes.")
@with_appcontext
def run_jobs(every: int, only: tuple[str, ...], passes: int) -> None:
    """Run each job that is due and not yet run this period on any host."""
    jobs = [j for j in JOBS if not only or j.name in only]
    done = 0
    while True:
        for ran in scheduler.run_due(jobs):
            if ran.outcome != "skipped":
                click.echo(f"{ran.job} {ran.period}: {ran.outcome} {ran.detail}")
        done += 1
        if every <= 0 or (passes and done >= passes):
            return
        time.sleep(every)


@click.command("set-contact")
@click.argument("username")
@click.option("--email", help="E-mail address for notifications ('' to remove).")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of the e-mails.")
@with_appcontext
@db.command_transaction()
def set_contact(username: str, email: str | None, lang: str | None) -> None:
    """Set where and in which language a person's notifications are e-mailed."""
    session = db.session()
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    if email is not None and email and ("@" not in email or len(email) > 254):
        raise click.ClickException(f"not an e-mail address: {email!r}")
    before = audit.snapshot(user)
    if email is not None:
        user.email = email or None
    if lang is not None:
        user.lang = lang
    session.flush()
    audit.record(session, actor_id=None, action="user.contact", entity="user",
                 entity_id=user.id, before=before, after=audit.snapshot(user))
    click.echo(f"{username}: e-mail {user.email or '-'}, language {user.lang or 'default'}")


COMMANDS = (run_jobs, set_contact)
