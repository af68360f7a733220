"""insert-only evidence: triggers refuse UPDATE and DELETE; photos.purged_at for retention

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-22 05:00:00.000000

Check-ins, visits, photos, spot-check results and the audit log get triggers that refuse
UPDATE and DELETE, except the retention purge clearing personal columns (see
checkin/ops/retention.py for how the purge is let through on each database). A table
that does not exist yet is skipped. The DDL is copied in, as it was when this revision was
written: history does not change when the live code does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Insert-only tables and the columns the purge may change in them (personal data).
_INSERT_ONLY: dict[str, tuple[str, ...]] = {
    'checkins': ('lat', 'lon'),
    'visits': ('lat', 'lon'),
    'photos': ('exif_lat', 'exif_lon', 'purged_at'),
    'spotcheck_results': ('lat', 'lon'),
    'audit_log': (),
}


# Frozen copy of the insert-only DDL as it was when this revision was written
# (checkin/ops/retention.py keeps the live version; a change there needs a new migration).
_UNLOCK_TABLE = 'evidence_unlock'
_PG_FUNCTION = 'insert_only_guard'
_PG_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION insert_only_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND coalesce(current_setting('checkin.purge', true), '') = 'on'
       AND (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is insert-only: ' || TG_OP || ' refused',
        HINT = 'records of evidence are corrected by new records, never changed';
END
$$"""


def _insert_only_statements(dialect: str, table: str, columns: list[str],
                            personal: tuple[str, ...]) -> list[str]:
    if dialect == 'postgresql':
        args = ', '.join(f"'{name}'" for name in personal)
        return [
            _PG_FUNCTION_SQL,
            f'DROP TRIGGER IF EXISTS {table}_insert_only ON "{table}"',
            f'CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON "{table}" '
            f'FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}({args})',
        ]
    kept = [f'NEW."{name}" IS OLD."{name}"' for name in columns if name not in personal]
    same = ' AND '.join(kept) or '1'
    return [
        f'CREATE TABLE IF NOT EXISTS {_UNLOCK_TABLE} (reason VARCHAR(16) PRIMARY KEY)',
        f'DROP TRIGGER IF EXISTS {table}_insert_only_update',
        f'DROP TRIGGER IF EXISTS {table}_insert_only_delete',
        f'CREATE TRIGGER {table}_insert_only_update BEFORE UPDATE ON "{table}" '
        f'FOR EACH ROW WHEN NOT (EXISTS (SELECT 1 FROM {_UNLOCK_TABLE} '
        f"WHERE reason = 'purge') AND {same}) "
        f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only: UPDATE refused'); END",
        f'CREATE TRIGGER {table}_insert_only_delete BEFORE DELETE ON "{table}" '
        f'FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM {_UNLOCK_TABLE} '
        f"WHERE reason = 'wipe') "
        f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only: DELETE refused'); END",
    ]


def _protect_table(table: str, personal: tuple[str, ...]) -> None:
    """Make `table` insert-only, `personal` the columns the purge may change; a table
    that does not exist yet is skipped. Idempotent: drops its own triggers first."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if not inspector.has_table(table):
        return
    columns = [column['name'] for column in inspector.get_columns(table)]
    for statement in _insert_only_statements(bind.dialect.name, table, columns, personal):
        bind.execute(sa.text(statement))


def upgrade() -> None:
    op.add_column('photos', sa.Column('purged_at', sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f"CREATE TABLE IF NOT EXISTS {_UNLOCK_TABLE} "
                   "(reason VARCHAR(16) PRIMARY KEY)")
    for table, personal in _INSERT_ONLY.items():
        _protect_table(table, personal)


def downgrade() -> None:
    bind = op.get_bind()
    for table in _INSERT_ONLY:
        if not sa.inspect(bind).has_table(table):
            continue
        if bind.dialect.name == 'postgresql':
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only ON "{table}"')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_update')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_delete')
    if bind.dialect.name == 'postgresql':
        op.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")
    else:
        op.execute(f"DROP TABLE IF EXISTS {_UNLOCK_TABLE}")
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
