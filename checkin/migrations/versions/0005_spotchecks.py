"""spot checks: weekly batches with frozen candidates, items and results; team reports

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-22 03:35:31.802018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('spotcheck_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('area_path', sa.String(length=255).with_variant(sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_spotcheck_batches_area_id_areas')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_spotcheck_batches_drawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_batches')),
    sa.UniqueConstraint('area_id', 'week', name=op.f('uq_spotcheck_batches_area_id'))
    )
    with op.batch_alter_table('spotcheck_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spotcheck_batches_area_path'), ['area_path'], unique=False)

    op.create_table('team_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('finalised_at', sa.DateTime(), nullable=True),
    sa.Column('finalised_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('weekly','monthly')", name=op.f('ck_team_reports_kind')),
    sa.CheckConstraint("status IN ('draft','final')", name=op.f('ck_team_reports_status')),
    sa.ForeignKeyConstraint(['finalised_by_id'], ['users.id'], name=op.f('fk_team_reports_finalised_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_reports_team_id_teams')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_team_reports_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_reports')),
    sa.UniqueConstraint('team_id', 'period', name=op.f('uq_team_reports_team_id'))
    )
    op.create_table('spotcheck_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('window_start', sa.Time(), nullable=True),
    sa.Column('window_end', sa.Time(), nullable=True),
    sa.Column('risk', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.CheckConstraint("kind IN ('presence','visit')", name=op.f('ck_spotcheck_items_kind')),
    sa.ForeignKeyConstraint(['batch_id'], ['spotcheck_batches.id'], name=op.f('fk_spotcheck_items_batch_id_spotcheck_batches')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_spotcheck_items_household_id_households')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_spotcheck_items_user_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_spotcheck_items_village_id_villages')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_spotcheck_items_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_items'))
    )
    with op.batch_alter_table('spotcheck_items', schema=None) as batch_op:
        batch_op.create_index('ix_spotcheck_items_batch_position', ['batch_id', 'position'], unique=False)
        batch_op.create_index('ix_spotcheck_items_user_day', ['user_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_spotcheck_items_village_id'), ['village_id'], unique=False)

    op.create_table('spotcheck_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('satisfaction', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.CheckConstraint("method IN ('phone','field')", name=op.f('ck_spotcheck_results_method')),
    sa.CheckConstraint("outcome IN ('confirmed','not_confirmed','unreachable')", name=op.f('ck_spotcheck_results_outcome')),
    sa.CheckConstraint("satisfaction IS NULL OR satisfaction IN ('satisfied','basic','unsatisfied')", name=op.f('ck_spotcheck_results_satisfaction')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_spotcheck_results_checked_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['spotcheck_items.id'], name=op.f('fk_spotcheck_results_item_id_spotcheck_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_results')),
    sa.UniqueConstraint('item_id', name=op.f('uq_spotcheck_results_item_id'))
    )
    with op.batch_alter_table('spotcheck_results', schema=None) as batch_op:
        batch_op.create_index('ix_spotcheck_results_local_day', ['local_day'], unique=False)

    _protect_results()


def _protect_results() -> None:
    """Results are evidence: insert-only like check-ins and visits. Migration 0006 protects
    the other tables and this one again (protecting is idempotent)."""
    _protect_table('spotcheck_results', ('lat', 'lon'))


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


def downgrade() -> None:
    with op.batch_alter_table('spotcheck_results', schema=None) as batch_op:
        batch_op.drop_index('ix_spotcheck_results_local_day')

    op.drop_table('spotcheck_results')
    with op.batch_alter_table('spotcheck_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spotcheck_items_village_id'))
        batch_op.drop_index('ix_spotcheck_items_user_day')
        batch_op.drop_index('ix_spotcheck_items_batch_position')

    op.drop_table('spotcheck_items')
    op.drop_table('team_reports')
    with op.batch_alter_table('spotcheck_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spotcheck_batches_area_path'))

    op.drop_table('spotcheck_batches')
