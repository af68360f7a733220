"""a household's move to another village (易地扶贫搬迁, issue #19): where from and to, the
helpers before and after, the day, the reason and who, with the position it had in the old
village; insert-only with the triggers of 0006 (DDL copied in as it was when this was
written)

Revision ID: 0034_household_moves
Revises: 0033_township_opinions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0034_household_moves'
down_revision = '0033_township_opinions'
branch_labels = None
depends_on = None

_TABLES = ('household_moves',)
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


def _insert_only_statements(dialect: str, table: str, columns: list[str]) -> list[str]:
    if dialect == 'postgresql':
        return [
            _PG_FUNCTION_SQL,
            f'DROP TRIGGER IF EXISTS {table}_insert_only ON "{table}"',
            f'CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON "{table}" '
            f'FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}()',
        ]
    same = ' AND '.join(f'NEW."{name}" IS OLD."{name}"' for name in columns) or '1'
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


def upgrade() -> None:
    op.create_table(
        'household_moves',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('from_village_id', sa.Integer(), nullable=False),
        sa.Column('to_village_id', sa.Integer(), nullable=False),
        sa.Column('from_helper_id', sa.Integer(), nullable=False),
        sa.Column('to_helper_id', sa.Integer(), nullable=False),
        sa.Column('from_outside_id', sa.Integer(), nullable=True),
        sa.Column('to_outside_id', sa.Integer(), nullable=True),
        sa.Column('moved_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('from_lat', sa.Float(), nullable=True),
        sa.Column('from_lon', sa.Float(), nullable=True),
        sa.Column('from_coord_source', sa.String(length=10), nullable=False),
        sa.Column('from_address', sa.String(length=200), nullable=False),
        sa.Column('moved_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_household_moves_household_id_households')),
        sa.ForeignKeyConstraint(['from_village_id'], ['villages.id'],
                                name=op.f('fk_household_moves_from_village_id_villages')),
        sa.ForeignKeyConstraint(['to_village_id'], ['villages.id'],
                                name=op.f('fk_household_moves_to_village_id_villages')),
        sa.ForeignKeyConstraint(['from_helper_id'], ['users.id'],
                                name=op.f('fk_household_moves_from_helper_id_users')),
        sa.ForeignKeyConstraint(['to_helper_id'], ['users.id'],
                                name=op.f('fk_household_moves_to_helper_id_users')),
        sa.ForeignKeyConstraint(['from_outside_id'], ['outside_helpers.id'],
                                name=op.f('fk_household_moves_from_outside_id_outside_helpers')),
        sa.ForeignKeyConstraint(['to_outside_id'], ['outside_helpers.id'],
                                name=op.f('fk_household_moves_to_outside_id_outside_helpers')),
        sa.ForeignKeyConstraint(['moved_by_id'], ['users.id'],
                                name=op.f('fk_household_moves_moved_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_household_moves')),
    )
    op.create_index(op.f('ix_household_moves_household_id'), 'household_moves',
                    ['household_id'], unique=False)
    bind = op.get_bind()
    for table in _TABLES:
        columns = [column['name'] for column in sa.inspect(bind).get_columns(table)]
        for statement in _insert_only_statements(bind.dialect.name, table, columns):
            bind.execute(sa.text(statement))


def downgrade() -> None:
    for table in reversed(_TABLES):
        if op.get_bind().dialect.name == 'postgresql':
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only ON "{table}"')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_update')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_delete')
    op.drop_index(op.f('ix_household_moves_household_id'), table_name='household_moves')
    op.drop_table('household_moves')
