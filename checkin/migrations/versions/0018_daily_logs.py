"""the daily log (日纪实): daily_logs, one chain of versions per cadre and day, insert-only

Revision ID: 0018_daily_logs
Revises: 0017_feedback
Create Date: 2026-12-02 06:30:00.000000

A daily log is evidence like a check-in: the table is insert-only (the triggers of
migration 0006, copied here frozen); an edit is a new row naming the row it replaces
(supersedes_id, unique: a version is replaced once). The day's first version replaces
nothing, and there is one of those per cadre and day (a partial unique index).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018_daily_logs'
down_revision = '0017_feedback'
branch_labels = None
depends_on = None

_TABLE = 'daily_logs'
_UNLOCK_TABLE = 'evidence_unlock'
_PG_FUNCTION = 'insert_only_guard'


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('supersedes_id', sa.String(length=36), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('queued', sa.Boolean(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name='fk_daily_logs_user_id_users'),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name='fk_daily_logs_village_id_villages'),
        sa.ForeignKeyConstraint(['supersedes_id'], ['daily_logs.id'],
                                name='fk_daily_logs_supersedes_id_daily_logs'),
        sa.PrimaryKeyConstraint('id', name='pk_daily_logs'),
        sa.UniqueConstraint('supersedes_id', name='uq_daily_logs_supersedes_id'),
    )
    op.create_index('ix_daily_logs_user_day', _TABLE, ['user_id', 'day'])
    op.create_index('ix_daily_logs_village_id', _TABLE, ['village_id'])
    op.create_index('uq_daily_logs_first_of_day', _TABLE, ['user_id', 'day'], unique=True,
                    sqlite_where=sa.text('supersedes_id IS NULL'),
                    postgresql_where=sa.text('supersedes_id IS NULL'))
    bind = op.get_bind()
    columns = [column['name'] for column in sa.inspect(bind).get_columns(_TABLE)]
    for statement in _insert_only_statements(bind.dialect.name, _TABLE, columns, ()):
        bind.execute(sa.text(statement))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER IF EXISTS {_TABLE}_insert_only ON "{_TABLE}"')
    else:
        op.execute(f'DROP TRIGGER IF EXISTS {_TABLE}_insert_only_update')
        op.execute(f'DROP TRIGGER IF EXISTS {_TABLE}_insert_only_delete')
    op.drop_index('uq_daily_logs_first_of_day', table_name=_TABLE)
    op.drop_index('ix_daily_logs_village_id', table_name=_TABLE)
    op.drop_index('ix_daily_logs_user_day', table_name=_TABLE)
    op.drop_table(_TABLE)


# Frozen copy of the insert-only DDL of migration 0006 (checkin/ops/retention.py keeps the
# live version).
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
