"""duties over several villages (巡村: 党建特派员 envoys, 管区书记 district secretaries):
the duties, their villages, and the holders' check-ins, insert-only with the triggers of
0006 (DDL copied in as it was when this was written)

Revision ID: 0032_round_duties
Revises: 0031_outside_helper_phones
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0032_round_duties'
down_revision = '0031_outside_helper_phones'
branch_labels = None
depends_on = None

# Insert-only tables of this revision and the columns the purge may change (personal data).
_INSERT_ONLY = {'round_checkins': ('lat', 'lon')}
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


def upgrade() -> None:
    path = sa.String(length=255).with_variant(sa.String(length=255, collation='C'),
                                              'postgresql')
    op.create_table(
        'round_duties',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=True),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('area_path', path, nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind <> 'district_secretary' OR weekday IS NOT NULL",
                           name=op.f('ck_round_duties_district_weekday')),
        sa.CheckConstraint("kind IN ('envoy','district_secretary')",
                           name=op.f('ck_round_duties_kind')),
        sa.CheckConstraint('end_date IS NULL OR end_date >= start_date',
                           name=op.f('ck_round_duties_term')),
        sa.CheckConstraint('weekday IS NULL OR (weekday >= 0 AND weekday <= 6)',
                           name=op.f('ck_round_duties_weekday')),
        sa.ForeignKeyConstraint(['area_id'], ['areas.id'],
                                name=op.f('fk_round_duties_area_id_areas')),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'],
                                name=op.f('fk_round_duties_assigned_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_round_duties_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_round_duties')),
    )
    op.create_index(op.f('ix_round_duties_area_id'), 'round_duties', ['area_id'])
    op.create_index(op.f('ix_round_duties_area_path'), 'round_duties', ['area_path'])
    op.create_index(op.f('ix_round_duties_user_id'), 'round_duties', ['user_id'])
    op.create_table(
        'round_duty_villages',
        sa.Column('duty_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['duty_id'], ['round_duties.id'],
                                name=op.f('fk_round_duty_villages_duty_id_round_duties')),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name=op.f('fk_round_duty_villages_village_id_villages')),
        sa.PrimaryKeyConstraint('duty_id', 'village_id', name=op.f('pk_round_duty_villages')),
    )
    op.create_index(op.f('ix_round_duty_villages_village_id'), 'round_duty_villages',
                    ['village_id'])
    op.create_table(
        'round_checkins',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('local_day', sa.Date(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('accuracy_m', sa.Float(), nullable=False),
        sa.Column('distance_m', sa.Float(), nullable=False),
        sa.Column('in_fence', sa.Boolean(), nullable=False),
        sa.Column('counts', sa.Boolean(), nullable=False),
        sa.Column('flags', sa.String(length=200), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('queued', sa.Boolean(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_round_checkins_user_id_users')),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name=op.f('fk_round_checkins_village_id_villages')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_round_checkins')),
    )
    op.create_index('ix_round_checkins_user_day', 'round_checkins', ['user_id', 'local_day'])
    op.create_index('ix_round_checkins_village_day', 'round_checkins',
                    ['village_id', 'local_day'])
    bind = op.get_bind()
    for table, personal in _INSERT_ONLY.items():
        columns = [column['name'] for column in sa.inspect(bind).get_columns(table)]
        for statement in _insert_only_statements(bind.dialect.name, table, columns, personal):
            bind.execute(sa.text(statement))


def downgrade() -> None:
    for table in _INSERT_ONLY:
        if op.get_bind().dialect.name == 'postgresql':
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only ON "{table}"')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_update')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_delete')
    op.drop_index('ix_round_checkins_village_day', table_name='round_checkins')
    op.drop_index('ix_round_checkins_user_day', table_name='round_checkins')
    op.drop_table('round_checkins')
    op.drop_index(op.f('ix_round_duty_villages_village_id'), table_name='round_duty_villages')
    op.drop_table('round_duty_villages')
    op.drop_index(op.f('ix_round_duties_user_id'), table_name='round_duties')
    op.drop_index(op.f('ix_round_duties_area_path'), table_name='round_duties')
    op.drop_index(op.f('ix_round_duties_area_id'), table_name='round_duties')
    op.drop_table('round_duties')
