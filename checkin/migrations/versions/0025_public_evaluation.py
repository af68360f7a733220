"""季众评, the quarterly public evaluation: households' links, their answers and the ratings of
the team's cadres; answers and ratings insert-only, with the triggers of 0006 (DDL copied in
as it was when this was written)

Revision ID: 0025_public_evaluation
Revises: 0024_trainings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025_public_evaluation'
down_revision = '0024_trainings'
branch_labels = None
depends_on = None

_TABLES = ('evaluation_answers', 'evaluation_ratings')
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
        'evaluation_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=7), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name='fk_evaluation_links_household_id_households'),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name='fk_evaluation_links_village_id_villages'),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'],
                                name='fk_evaluation_links_issued_by_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_evaluation_links'),
        sa.UniqueConstraint('token_hash', name='uq_evaluation_links_token_hash'),
    )
    op.create_index('ix_evaluation_links_household_id', 'evaluation_links', ['household_id'])
    op.create_index('ix_evaluation_links_village_id', 'evaluation_links', ['village_id'])
    op.create_table(
        'evaluation_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('quarter', sa.String(length=7), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=True),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.Column('team_rating', sa.String(length=16), nullable=False),
        sa.Column('remark', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('device', sa.String(length=64), nullable=False),
        sa.Column('signed_in_user_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("channel IN ('qr','call')", name='ck_evaluation_answers_channel'),
        sa.CheckConstraint("team_rating IN ('satisfied','basic','unsatisfied')",
                           name='ck_evaluation_answers_team_rating'),
        sa.CheckConstraint("(channel = 'qr' AND link_id IS NOT NULL) OR "
                           "(channel = 'call' AND entered_by_id IS NOT NULL)",
                           name='ck_evaluation_answers_source'),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name='fk_evaluation_answers_household_id_households'),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name='fk_evaluation_answers_village_id_villages'),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'],
                                name='fk_evaluation_answers_team_id_teams'),
        sa.ForeignKeyConstraint(['link_id'], ['evaluation_links.id'],
                                name='fk_evaluation_answers_link_id_evaluation_links'),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'],
                                name='fk_evaluation_answers_entered_by_id_users'),
        sa.ForeignKeyConstraint(['signed_in_user_id'], ['users.id'],
                                name='fk_evaluation_answers_signed_in_user_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_evaluation_answers'),
        sa.UniqueConstraint('household_id', 'quarter',
                            name='uq_evaluation_answers_household_quarter'),
    )
    op.create_index('ix_evaluation_answers_village_id', 'evaluation_answers', ['village_id'])
    op.create_index('ix_evaluation_answers_team_id', 'evaluation_answers', ['team_id'])
    op.create_table(
        'evaluation_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('cadre_id', sa.Integer(), nullable=False),
        sa.Column('knows', sa.Boolean(), nullable=False),
        sa.Column('rating', sa.String(length=16), nullable=True),
        sa.CheckConstraint("rating IS NULL OR rating IN ('satisfied','basic','unsatisfied')",
                           name='ck_evaluation_ratings_rating'),
        sa.CheckConstraint('knows OR rating IS NULL', name='ck_evaluation_ratings_known_rated'),
        sa.ForeignKeyConstraint(['answer_id'], ['evaluation_answers.id'],
                                name='fk_evaluation_ratings_answer_id_evaluation_answers'),
        sa.ForeignKeyConstraint(['cadre_id'], ['users.id'],
                                name='fk_evaluation_ratings_cadre_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_evaluation_ratings'),
        sa.UniqueConstraint('answer_id', 'cadre_id', name='uq_evaluation_ratings_answer_cadre'),
    )
    op.create_index('ix_evaluation_ratings_cadre_id', 'evaluation_ratings', ['cadre_id'])
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
    op.drop_index('ix_evaluation_ratings_cadre_id', table_name='evaluation_ratings')
    op.drop_table('evaluation_ratings')
    op.drop_index('ix_evaluation_answers_team_id', table_name='evaluation_answers')
    op.drop_index('ix_evaluation_answers_village_id', table_name='evaluation_answers')
    op.drop_table('evaluation_answers')
    op.drop_index('ix_evaluation_links_village_id', table_name='evaluation_links')
    op.drop_index('ix_evaluation_links_household_id', table_name='evaluation_links')
    op.drop_table('evaluation_links')
