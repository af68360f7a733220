"""feedback (意见反馈): what a person tells the administrators, and the answers; both
insert-only, with the triggers of 0006 (DDL copied in as it was when this was written)

Revision ID: 0017_feedback
Revises: 0016_outbox_ids
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017_feedback'
down_revision = '0016_outbox_ids'
branch_labels = None
depends_on = None

_TABLES = ('feedback', 'feedback_answers')
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
        'feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('suggestion','problem','complaint')",
                           name=op.f('ck_feedback_kind')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_feedback_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    )
    op.create_index(op.f('ix_feedback_user_id'), 'feedback', ['user_id'], unique=False)
    op.create_index(op.f('ix_feedback_created_at'), 'feedback', ['created_at'], unique=False)
    op.create_table(
        'feedback_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feedback_id', sa.Integer(), nullable=False),
        sa.Column('admin_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('closes', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['admin_id'], ['users.id'],
                                name=op.f('fk_feedback_answers_admin_id_users')),
        sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'],
                                name=op.f('fk_feedback_answers_feedback_id_feedback')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_answers')),
    )
    op.create_index(op.f('ix_feedback_answers_feedback_id'), 'feedback_answers',
                    ['feedback_id'], unique=False)
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
    op.drop_index(op.f('ix_feedback_answers_feedback_id'), table_name='feedback_answers')
    op.drop_table('feedback_answers')
    op.drop_index(op.f('ix_feedback_created_at'), table_name='feedback')
    op.drop_index(op.f('ix_feedback_user_id'), table_name='feedback')
    op.drop_table('feedback')
