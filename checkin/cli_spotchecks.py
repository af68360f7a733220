"""Flask commands for spot checks: the weekly draw (schedule it every Monday) and an
auditor's verification of a stored batch."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from checkin import db, refusals
from checkin.domain.refusal import Refusal
from checkin.domain.reporting import week_of
from checkin.models import Area, SpotcheckBatch
from checkin.platform import clock
from checkin.services.spotchecks import weekly_draw
from checkin.settings import policy


@click.command("spotcheck-draw")
@with_appcontext
@click.option("--area", "area_code", required=True, help="Code of the area (county, township).")
@click.option("--week", help="ISO week like 2026-W47; default: this week.")
@db.command_transaction()
def spotcheck_draw_command(area_code: str, week: str | None) -> None:
    """Draw an area's spot checks for a week; drawing it again shows the same batch."""
    session = db.session()
    area = session.scalars(select(Area).where(Area.code == area_code)).first()
    if area is None:
        raise click.ClickException(f"unknown area {area_code!r}")
    week = week or week_of(clock.today())
    settings = weekly_draw.settings_from(current_app.config, policy())
    try:
        with db.savepoint():
            batch, created = weekly_draw.draw(session, area, week, settings, actor_id=None)
    except Refusal as exc:
        raise click.ClickException(refusals.message(exc)) from exc
    except IntegrityError:  # drawn at the same moment elsewhere: show that batch
        stored = weekly_draw.find_batch(session, area.id, week)
        if stored is None:
            raise
        batch, created = stored, False
    kinds = [item.kind for item in batch.items]
    click.echo(f"{'drew' if created else 'already drawn:'} batch {batch.id} for "
               f"{area.code} {week}: {kinds.count('presence')} presence checks, "
               f"{kinds.count('visit')} visit back-checks; seed {batch.seed}")


@click.command("spotcheck-verify")
@with_appcontext
@click.argument("batch_id", type=int)
@db.command_transaction()
def spotcheck_verify_command(batch_id: int) -> None:
    """Re-derive a batch from its frozen candidates and seed; exit 0 if it matches, else 1."""
    session = db.session()
    batch = session.get(SpotcheckBatch, batch_id)
    if batch is None:
        raise click.ClickException(f"no batch {batch_id}")
    found = weekly_draw.verify(session, batch, weekly_draw.secret_from(current_app.config))
    for ok, what in (
        (found.seed_ok, f"seed {batch.seed} is the one the secret gives for area "
                        f"{batch.area_id} and {batch.week}"),
        (found.presence_ok, f"{found.presence} presence checks re-drawn from the frozen "
                            "candidates match the stored ones"),
        (found.visits_ok, f"{found.visits} visit back-checks re-drawn from the frozen "
                          "candidates match the stored ones"),
        (found.audit_ok, "the batch matches the digest written to the audit log when drawn"),
    ):
        click.echo(f"{'ok  ' if ok else 'FAIL'} {what}")
    click.echo("verified" if found.ok else "NOT verified")
    sys.exit(0 if found.ok else 1)


COMMANDS = (spotcheck_draw_command, spotcheck_verify_command)
