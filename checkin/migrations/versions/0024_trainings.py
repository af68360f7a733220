"""trainings and quarterly meetings with first secretaries (业务培训, 工作例会): the session,
who must attend (resolved at creation) and the attendance (QR sign-in or the organiser's
mark); invitees and attendance insert-only. users.team_role: a team member's origin.

Revision ID: 0024_trainings
Revises: 0023_personal_data
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024_trainings'
down_revision = '0023_personal_data'
branch_labels = None
depends_on = None

_UNLOCK_TABLE = 'evidence_unlock'
_PG_FUNCTION = 'insert_only_guard'
_INSERT_ONLY = {'training_invitees': (), 'training_attendance': ('lat', 'lon')}


def upgrade() -> None:
    # Plain ADD COLUMN, as 0020: a batch copy of users (SQLite's way to add a CHECK) fails
    # on the foreign keys that point at it once rows refer to it. SQLite cannot add a CHECK
    # to a table in place, so there the value is held to the choices by the code (the
    # roster's and the person page's choice); PostgreSQL gets the constraint.
    op.add_column('users', sa.Column('team_role', sa.String(length=24), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.create_check_constraint(
            op.f('ck_users_team_role'), 'users', "team_role IS NULL OR team_role IN "
            "('first_secretary','unit_member','township_member')")
    op.create_table(
        'trainings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('area_path', sa.String(length=255).with_variant(
            sa.String(length=255, collation='C'), 'postgresql'), nullable=False),
        sa.Column('organiser_id', sa.Integer(), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('starts_at', sa.Time(), nullable=False),
        sa.Column('ends_at', sa.Time(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('coord_source', sa.String(length=16), nullable=False),
        sa.Column('radius_m', sa.Float(), nullable=False),
        sa.Column('audience', sa.String(length=24), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('training','meeting')", name=op.f('ck_trainings_kind')),
        sa.CheckConstraint("audience IN ('all','first_secretaries','list')",
                           name=op.f('ck_trainings_audience')),
        sa.CheckConstraint('last_day >= first_day', name=op.f('ck_trainings_days')),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_trainings_hours')),
        sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_trainings_area_id_areas')),
        sa.ForeignKeyConstraint(['organiser_id'], ['users.id'],
                                name=op.f('fk_trainings_organiser_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trainings')),
    )
    op.create_index(op.f('ix_trainings_area_id'), 'trainings', ['area_id'])
    op.create_index(op.f('ix_trainings_area_path'), 'trainings', ['area_path'])
    op.create_index(op.f('ix_trainings_first_day'), 'trainings', ['first_day'])
    op.create_table(
        'training_invitees',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('training_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('is_leader', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['training_id'], ['trainings.id'],
                                name=op.f('fk_training_invitees_training_id_trainings')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_training_invitees_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_invitees')),
        sa.UniqueConstraint('training_id', 'user_id',
                            name=op.f('uq_training_invitees_training_id')),
    )
    op.create_index(op.f('ix_training_invitees_training_id'), 'training_invitees',
                    ['training_id'])
    op.create_index(op.f('ix_training_invitees_user_id'), 'training_invitees', ['user_id'])
    op.create_table(
        'training_attendance',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('training_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=False),
        sa.Column('counts', sa.Boolean(), nullable=False),
        sa.Column('flags', sa.String(length=200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('accuracy_m', sa.Float(), nullable=True),
        sa.Column('distance_m', sa.Float(), nullable=True),
        sa.Column('marked_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.CheckConstraint("method IN ('qr','organiser')",
                           name=op.f('ck_training_attendance_method')),
        sa.CheckConstraint("method <> 'organiser' OR marked_by_id IS NOT NULL",
                           name=op.f('ck_training_attendance_marked_by')),
        sa.ForeignKeyConstraint(['training_id'], ['trainings.id'],
                                name=op.f('fk_training_attendance_training_id_trainings')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_training_attendance_user_id_users')),
        sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'],
                                name=op.f('fk_training_attendance_marked_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_training_attendance')),
    )
    op.create_index(op.f('ix_training_attendance_training_id'), 'training_attendance',
                    ['training_id'])
    op.create_index(op.f('ix_training_attendance_user_id'), 'training_attendance', ['user_id'])
    op.create_index('uq_training_attendance_counted', 'training_attendance',
                    ['training_id', 'user_id', 'day'], unique=True,
                    sqlite_where=sa.text('counts'), postgresql_where=sa.text('counts'))
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
    op.drop_table('training_attendance')
    op.drop_table('training_invitees')
    op.drop_table('trainings')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_users_team_role'), 'users', type_='check')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('team_role')


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
