"""Data commands: backup, restore and the retention purge."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from checkin import db
from checkin.ops import backup, retention
from checkin.photos.stores import photo_store


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", "native", "portable"]),
              default="auto", show_default=True,
              help="native: SQLite file or pg_dump; portable: JSON lines that restore into "
                   "either database; auto: native where it can.")
@click.option("--link-dest", type=click.Path(path_type=Path),
              help="An earlier directory backup: photos it holds are hard-linked, not "
                   "copied (DEST must be a directory too).")
@with_appcontext
@db.command_transaction()
def backup_command(dest: Path, fmt: str, link_dest: Path | None) -> None:
    """Back up the database and the photos to DEST (a .tar file, or else a directory)
    while the service runs."""
    try:
        result = backup.create_backup(db.engine(), photo_store(), dest,
                                      fmt=fmt,  # type: ignore[arg-type]
                                      link_dest=link_dest, progress=click.echo)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = result.manifest
    click.echo(f"backup written to {result.path}: {sum(manifest['row_counts'].values())} "
               f"rows, {manifest['photos']['files']} photo files, "
               f"schema {','.join(manifest['schema_revision'])}")
    for problem in result.problems[:50]:
        click.echo(f"  problem: {problem}", err=True)
    sys.exit(1 if result.problems else 0)


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a database that has rows (everything in it is lost).")
@with_appcontext
@db.command_transaction()
def restore_command(src: Path, force: bool) -> None:
    """Restore a backup into an empty database and photo directory."""
    try:
        result = backup.restore_backup(db.engine(), photo_store(), src, force=force,
                                       progress=click.echo)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {sum(result.row_counts.values())} rows and {result.photos} "
               f"photo files from the backup of {result.manifest['created_at']}")
    for problem in result.problems[:50]:
        click.echo(f"  note: {problem}", err=True)


@click.command("purge")
@click.option("--before", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Purge records of days before this date (default: today minus "
                   "RETENTION_DAYS).")
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing.")
@with_appcontext
def purge_command(before: datetime | None, dry_run: bool) -> None:
    """Delete old photos and clear or coarsen old positions (personal information law);
    the records themselves stay, and the purge is written to the audit log."""
    cutoff = before.date() if before else retention.default_cutoff(
        int(current_app.config["RETENTION_DAYS"]))
    try:
        with db.command_transaction(keep=not dry_run) as session:  # a dry run rolls back
            report = retention.purge(session, cutoff)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if dry_run:
        report.files_deleted = len(report.unused_files)
    else:
        # once the purge is kept
        retention.delete_files(photo_store(), report, db.engine())
    verb = "would purge" if dry_run else "purged"
    click.echo(f"{verb} records before {cutoff.isoformat()}: {report.photos} photos "
               f"({report.files_deleted} files deleted, {report.files_shared} kept for newer "
               f"photos), {report.visits} visit positions, {report.checkins} check-in "
               f"positions, {report.spotcheck_results} spot-check positions, "
               f"{report.round_checkins} round check-in positions")


COMMANDS = (backup_command, restore_command, purge_command)
