"""spot checks a county can run: results flagged early or far, corrections, assignments

Revision ID: 0019_spotcheck_work
Revises: 0018_daily_logs
Create Date: 2026-12-02 06:00:00.000000

spotcheck_results gains early_reason, flags and distance_m (plain ADD COLUMN; its SQLite
guard is remade so that the purge's "nothing else changed" covers the new columns).
spotcheck_corrections (insert-only: a correction is evidence) and spotcheck_assignments
(kept, one row a change) are new. The guard DDL is copied in from 0010.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019_spotcheck_work'
down_revision = '0018_daily_logs'
branch_labels = None
depends_on = None

_UNLOCK_TABLE = 'evidence_unlock'
_PG_FUNCTION = 'insert_only_guard'


def _drop_guard(table: str) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only ON "{table}"')
    else:
        op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_update')
        op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_delete')


def _guard(table: str, personal: tuple[str, ...]) -> None:
    """The insert-only triggers of 0006 (its function exists already on PostgreSQL)."""
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        args = ', '.join(f"'{name}'" for name in personal)
        _drop_guard(table)
        op.execute(f'CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON "{table}" '
                   f'FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}({args})')
        return
    columns = [column['name'] for column in sa.inspect(bind).get_columns(table)]
    kept = [f'NEW."{name}" IS OLD."{name}"' for name in columns if name not in personal]
    same = ' AND '.join(kept) or '1'
    _drop_guard(table)
    op.execute(f'CREATE TRIGGER {table}_insert_only_update BEFORE UPDATE ON "{table}" '
               f'FOR EACH ROW WHEN NOT (EXISTS (SELECT 1 FROM {_UNLOCK_TABLE} '
               f"WHERE reason = 'purge') AND {same}) "
               f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only: UPDATE refused'); END")
    op.execute(f'CREATE TRIGGER {table}_insert_only_delete BEFORE DELETE ON "{table}" '
               f'FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM {_UNLOCK_TABLE} '
               f"WHERE reason = 'wipe') "
               f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only: DELETE refused'); END")


def upgrade() -> None:
    _drop_guard('spotcheck_results')
    op.add_column('spotcheck_results', sa.Column('early_reason', sa.Text(), nullable=False,
                                                 server_default=''))
    op.add_column('spotcheck_results', sa.Column('flags', sa.String(length=64),
                                                 nullable=False, server_default=''))
    op.add_column('spotcheck_results', sa.Column('distance_m', sa.Float(), nullable=True))
    _guard('spotcheck_results', ('lat', 'lon'))

    op.create_table('spotcheck_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('satisfaction', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("method IN ('phone','field')",
                       name=op.f('ck_spotcheck_corrections_method')),
    sa.CheckConstraint("outcome IN ('confirmed','not_confirmed','unreachable')",
                       name=op.f('ck_spotcheck_corrections_outcome')),
    sa.CheckConstraint("satisfaction IS NULL OR satisfaction IN "
                       "('satisfied','basic','unsatisfied')",
                       name=op.f('ck_spotcheck_corrections_satisfaction')),
    sa.CheckConstraint("verdict IN ('pass','fail','excused','no_contact')",
                       name=op.f('ck_spotcheck_corrections_verdict')),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['users.id'],
                            name=op.f('fk_spotcheck_corrections_corrected_by_id_users')),
    sa.ForeignKeyConstraint(['result_id'], ['spotcheck_results.id'],
                            name=op.f('fk_spotcheck_corrections_result_id_spotcheck_results')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_corrections')),
    sa.UniqueConstraint('result_id', 'sequence',
                        name=op.f('uq_spotcheck_corrections_result_id')),
    )
    _guard('spotcheck_corrections', ())

    op.create_table('spotcheck_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('checker_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['spotcheck_items.id'],
                            name=op.f('fk_spotcheck_assignments_item_id_spotcheck_items')),
    sa.ForeignKeyConstraint(['checker_id'], ['users.id'],
                            name=op.f('fk_spotcheck_assignments_checker_id_users')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'],
                            name=op.f('fk_spotcheck_assignments_assigned_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_assignments')),
    )
    op.create_index('ix_spotcheck_assignments_item_id', 'spotcheck_assignments', ['item_id'])
    op.create_index('ix_spotcheck_assignments_checker', 'spotcheck_assignments',
                    ['checker_id', 'item_id'])


def downgrade() -> None:
    op.drop_index('ix_spotcheck_assignments_checker', table_name='spotcheck_assignments')
    op.drop_index('ix_spotcheck_assignments_item_id', table_name='spotcheck_assignments')
    op.drop_table('spotcheck_assignments')
    _drop_guard('spotcheck_corrections')
    op.drop_table('spotcheck_corrections')
    _drop_guard('spotcheck_results')
    for name in ('distance_m', 'flags', 'early_reason'):
        op.drop_column('spotcheck_results', name)
    _guard('spotcheck_results', ('lat', 'lon'))
