"""findings frozen when recorded: spotcheck_results.verdict (backfilled as of each result's
recorded time), appeals and their decisions (insert-only); leave marks: same-day,
approved after its start (事后补批), back-dated return, withdrawn

Revision ID: 0010_findings
Revises: 0009_bulletins
Create Date: 2026-12-02 02:40:00.000000

The verdict of an existing result is computed as it stood when the result was recorded:
a presence check not confirmed is excused only by leave approved by then (a leave with no
decision time, from before it was kept, counts as known), up to a return declared by then.
spotcheck_results is insert-only (0006): its triggers are dropped for the backfill and made
again over the new column list. On SQLite the column stays nullable in the schema (adding a
NOT NULL column, or a CHECK, means rebuilding the table); the service always writes it and
the insert-only triggers keep it as written. The DDL is copied in, as in 0006.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_findings'
down_revision = '0009_bulletins'
branch_labels = None
depends_on = None

_UNLOCK_TABLE = 'evidence_unlock'
_PG_FUNCTION = 'insert_only_guard'
_NEW_INSERT_ONLY = ('spotcheck_appeals', 'spotcheck_appeal_decisions')

_BACKFILL = """
UPDATE spotcheck_results SET verdict = CASE
  WHEN outcome = 'unreachable' THEN 'no_contact'
  WHEN outcome = 'confirmed' THEN 'pass'
  WHEN EXISTS (
    SELECT 1 FROM spotcheck_items i JOIN leaves l ON l.user_id = i.user_id
    WHERE i.id = spotcheck_results.item_id AND i.kind = 'presence'
      AND l.status IN ('approved', 'closed')
      AND (l.decided_at IS NULL OR l.decided_at <= spotcheck_results.recorded_at)
      AND l.start_date <= i.day AND i.day <= l.end_date
      AND (l.returned_on IS NULL
           OR (l.closed_at IS NOT NULL AND l.closed_at > spotcheck_results.recorded_at)
           OR i.day < l.returned_on))
  THEN 'excused'
  ELSE 'fail' END
"""


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


def _leave_columns() -> None:
    # Plain ADD COLUMN: a batch copy of leaves (SQLite rebuilds a table for a default that
    # is an expression) would drop and remake a table other rows point at.
    for name in ('same_day', 'approved_after_start', 'return_backdated'):
        op.add_column('leaves', sa.Column(name, sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    op.add_column('leaves', sa.Column('withdrawn_at', sa.DateTime(), nullable=True))


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    _drop_guard('spotcheck_results')
    op.add_column('spotcheck_results', sa.Column('verdict', sa.String(length=16),
                                                 nullable=True))
    op.execute(_BACKFILL)
    if postgres:
        op.alter_column('spotcheck_results', 'verdict', nullable=False)
        op.create_check_constraint(
            op.f('ck_spotcheck_results_verdict'), 'spotcheck_results',
            "verdict IN ('pass','fail','excused','no_contact')")
    _guard('spotcheck_results', ('lat', 'lon'))

    op.create_table('spotcheck_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['made_by_id'], ['users.id'], name=op.f('fk_spotcheck_appeals_made_by_id_users')),
    sa.ForeignKeyConstraint(['result_id'], ['spotcheck_results.id'], name=op.f('fk_spotcheck_appeals_result_id_spotcheck_results')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_appeals')),
    sa.UniqueConstraint('result_id', name=op.f('uq_spotcheck_appeals_result_id'))
    )
    op.create_table('spotcheck_appeal_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('upheld', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['spotcheck_appeals.id'], name=op.f('fk_spotcheck_appeal_decisions_appeal_id_spotcheck_appeals')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_spotcheck_appeal_decisions_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spotcheck_appeal_decisions')),
    sa.UniqueConstraint('appeal_id', name=op.f('uq_spotcheck_appeal_decisions_appeal_id'))
    )
    for table in _NEW_INSERT_ONLY:
        _guard(table, ())
    _leave_columns()


def downgrade() -> None:
    with op.batch_alter_table('leaves', schema=None) as batch_op:
        for name in ('withdrawn_at', 'return_backdated', 'approved_after_start', 'same_day'):
            batch_op.drop_column(name)
    for table in reversed(_NEW_INSERT_ONLY):
        _drop_guard(table)
        op.drop_table(table)
    _drop_guard('spotcheck_results')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_spotcheck_results_verdict'), 'spotcheck_results')
        op.drop_column('spotcheck_results', 'verdict')
    else:
        op.execute('ALTER TABLE spotcheck_results DROP COLUMN verdict')
    _guard('spotcheck_results', ('lat', 'lon'))
