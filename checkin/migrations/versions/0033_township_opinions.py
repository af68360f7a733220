"""the township party committee's opinion on a cadre's year (乡镇党委意见) before the county
grades: insert-only versions, each superseding the last, with the triggers of 0006 (DDL
copied in as it was when this was written)

Revision ID: 0033_township_opinions
Revises: 0032_round_duties
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0033_township_opinions'
down_revision = '0032_round_duties'
branch_labels = None
depends_on = None

_TABLE = 'township_opinions'
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


_GRADES = "IN ('excellent','competent','basic','incompetent')"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('supersedes_id', sa.Integer(), nullable=True),
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('suggested_grade', sa.String(length=16), nullable=True),
        sa.Column('written_by_id', sa.Integer(), nullable=False),
        sa.Column('written_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint(f'suggested_grade IS NULL OR suggested_grade {_GRADES}',
                           name=op.f('ck_township_opinions_suggested_grade')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_township_opinions_user_id_users')),
        sa.ForeignKeyConstraint(['supersedes_id'], ['township_opinions.id'],
                                name=op.f('fk_township_opinions_supersedes_id_township_opinions')),
        sa.ForeignKeyConstraint(['township_id'], ['areas.id'],
                                name=op.f('fk_township_opinions_township_id_areas')),
        sa.ForeignKeyConstraint(['written_by_id'], ['users.id'],
                                name=op.f('fk_township_opinions_written_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_township_opinions')),
        sa.UniqueConstraint('user_id', 'year', 'sequence',
                            name=op.f('uq_township_opinions_user_id')),
    )
    op.create_index(op.f('ix_township_opinions_user_id'), _TABLE, ['user_id'], unique=False)
    bind = op.get_bind()
    columns = [column['name'] for column in sa.inspect(bind).get_columns(_TABLE)]
    for statement in _insert_only_statements(bind.dialect.name, _TABLE, columns):
        bind.execute(sa.text(statement))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER IF EXISTS {_TABLE}_insert_only ON "{_TABLE}"')
    else:
        op.execute(f'DROP TRIGGER IF EXISTS {_TABLE}_insert_only_update')
        op.execute(f'DROP TRIGGER IF EXISTS {_TABLE}_insert_only_delete')
    op.drop_index(op.f('ix_township_opinions_user_id'), table_name=_TABLE)
    op.drop_table(_TABLE)
