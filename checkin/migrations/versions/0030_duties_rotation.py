"""recall and rotation (召回、轮换): each cadre's own term dates inside the team's term, the
township's requests and the county's decisions; responsible helpers who are not resident
cadres (帮扶责任人) and the history of a household's helpers; the records insert-only, with
the triggers of 0006 (DDL copied in as it was when this was written)

Revision ID: 0030_duties_rotation
Revises: 0029_area_paging
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0030_duties_rotation'
down_revision = '0029_area_paging'
branch_labels = None
depends_on = None

_TABLES = ('rotations', 'rotation_decisions', 'helper_changes')
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
    op.add_column('users', sa.Column('term_start', sa.Date(), nullable=True))
    op.add_column('users', sa.Column('term_end', sa.Date(), nullable=True))
    op.create_table(
        'rotations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cadre_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('leaves_on', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('backdate_reason', sa.Text(), nullable=False),
        sa.Column('replacement_id', sa.Integer(), nullable=True),
        sa.Column('starts_on', sa.Date(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('recall','rotation','term_end')",
                           name=op.f('ck_rotations_kind')),
        sa.CheckConstraint('(replacement_id IS NULL) = (starts_on IS NULL)',
                           name=op.f('ck_rotations_replacement')),
        sa.ForeignKeyConstraint(['cadre_id'], ['users.id'],
                                name=op.f('fk_rotations_cadre_id_users')),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'],
                                name=op.f('fk_rotations_team_id_teams')),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name=op.f('fk_rotations_village_id_villages')),
        sa.ForeignKeyConstraint(['replacement_id'], ['users.id'],
                                name=op.f('fk_rotations_replacement_id_users')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_rotations_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rotations')),
    )
    op.create_index(op.f('ix_rotations_cadre_id'), 'rotations', ['cadre_id'], unique=False)
    op.create_index(op.f('ix_rotations_village_id'), 'rotations', ['village_id'], unique=False)
    op.create_table(
        'rotation_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rotation_id', sa.Integer(), nullable=False),
        sa.Column('approved', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['rotation_id'], ['rotations.id'],
                                name=op.f('fk_rotation_decisions_rotation_id_rotations')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_rotation_decisions_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_decisions')),
        sa.UniqueConstraint('rotation_id', name=op.f('uq_rotation_decisions_rotation_id')),
    )
    op.create_table(
        'outside_helpers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=False),
        sa.Column('unit_name', sa.String(length=200), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name=op.f('fk_outside_helpers_village_id_villages')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_outside_helpers_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_helpers')),
    )
    op.create_index(op.f('ix_outside_helpers_village_id'), 'outside_helpers', ['village_id'],
                    unique=False)
    if op.get_bind().dialect.name == 'sqlite':  # SQLite adds a column's key only inline
        op.execute('ALTER TABLE households ADD COLUMN outside_helper_id INTEGER '
                   'CONSTRAINT fk_households_outside_helper_id_outside_helpers '
                   'REFERENCES outside_helpers (id)')
    else:
        op.add_column('households', sa.Column('outside_helper_id', sa.Integer(),
                                              nullable=True))
        op.create_foreign_key('fk_households_outside_helper_id_outside_helpers',
                              'households', 'outside_helpers', ['outside_helper_id'], ['id'])
    op.add_column('households', sa.Column('helper_grace_from', sa.Date(), nullable=True))
    op.create_table(
        'helper_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('from_helper_id', sa.Integer(), nullable=True),
        sa.Column('to_helper_id', sa.Integer(), nullable=True),
        sa.Column('from_outside_id', sa.Integer(), nullable=True),
        sa.Column('to_outside_id', sa.Integer(), nullable=True),
        sa.Column('grace_from', sa.Date(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_helper_changes_household_id_households')),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name=op.f('fk_helper_changes_village_id_villages')),
        sa.ForeignKeyConstraint(['from_helper_id'], ['users.id'],
                                name=op.f('fk_helper_changes_from_helper_id_users')),
        sa.ForeignKeyConstraint(['to_helper_id'], ['users.id'],
                                name=op.f('fk_helper_changes_to_helper_id_users')),
        sa.ForeignKeyConstraint(['from_outside_id'], ['outside_helpers.id'],
                                name=op.f('fk_helper_changes_from_outside_id_outside_helpers')),
        sa.ForeignKeyConstraint(['to_outside_id'], ['outside_helpers.id'],
                                name=op.f('fk_helper_changes_to_outside_id_outside_helpers')),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'],
                                name=op.f('fk_helper_changes_changed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_helper_changes')),
    )
    op.create_index(op.f('ix_helper_changes_household_id'), 'helper_changes',
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
    op.drop_index(op.f('ix_helper_changes_household_id'), table_name='helper_changes')
    op.drop_table('helper_changes')
    with op.batch_alter_table('households') as batch_op:
        batch_op.drop_column('helper_grace_from')
        batch_op.drop_column('outside_helper_id')
    op.drop_index(op.f('ix_outside_helpers_village_id'), table_name='outside_helpers')
    op.drop_table('outside_helpers')
    op.drop_table('rotation_decisions')
    op.drop_index(op.f('ix_rotations_village_id'), table_name='rotations')
    op.drop_index(op.f('ix_rotations_cadre_id'), table_name='rotations')
    op.drop_table('rotations')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('term_end')
        batch_op.drop_column('term_start')
