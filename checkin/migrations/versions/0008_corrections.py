"""make-up requests (补卡): attendance_corrections and their decisions; a day can be made by one

Revision ID: 0008_corrections
Revises: 0007_coordinates
Create Date: 2026-12-02 03:00:00.000000

A make-up request and its decision are evidence: two insert-only tables, the request never
changed, the decision a second row (one per request: its primary key is the request's id,
so a second decision, even a concurrent one, is refused by the database). An approved
make-up makes the cadre's day in attendance_days, like the first counting check-in does:
the row then names the correction instead of a check-in (first_checkin_id becomes
nullable, correction_id is new). On SQLite that change rebuilds attendance_days, which
drops its triggers: migration 0004's are made again here, copied as they were.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_corrections'
down_revision = '0007_coordinates'
branch_labels = None
depends_on = None

COLUMNS = [f"m{month:02d}" for month in range(1, 13)]
# Insert-only tables of this revision and the columns the purge may change (personal data).
_INSERT_ONLY: dict[str, tuple[str, ...]] = {
    'attendance_corrections': ('lat', 'lon'),
    'attendance_correction_decisions': (),
}
_UNLOCK_TABLE = 'evidence_unlock'
_PG_FUNCTION = 'insert_only_guard'


def upgrade() -> None:
    op.create_table('attendance_corrections',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_corrections_user_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_attendance_corrections_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_corrections'))
    )
    op.create_index('ix_attendance_corrections_user_day', 'attendance_corrections',
                    ['user_id', 'day'], unique=False)
    op.create_index(op.f('ix_attendance_corrections_village_id'), 'attendance_corrections',
                    ['village_id'], unique=False)
    op.create_table('attendance_correction_decisions',
    sa.Column('correction_id', sa.String(length=36), nullable=False),
    sa.Column('approve', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['correction_id'], ['attendance_corrections.id'], name=op.f('fk_attendance_correction_decisions_correction_id_attendance_corrections')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_attendance_correction_decisions_decided_by_id_users')),
    sa.PrimaryKeyConstraint('correction_id', name=op.f('pk_attendance_correction_decisions'))
    )
    with op.batch_alter_table('attendance_days', schema=None) as batch_op:
        batch_op.alter_column('first_checkin_id', existing_type=sa.String(length=36),
                              nullable=True)
        batch_op.add_column(sa.Column('correction_id', sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_attendance_days_correction_id_attendance_corrections'),
            'attendance_corrections', ['correction_id'], ['id'])
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for statement in _sqlite_year_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
            op.execute(statement)
    for table, personal in _INSERT_ONLY.items():
        _protect_table(table, personal)


def downgrade() -> None:
    bind = op.get_bind()
    for table in _INSERT_ONLY:
        if bind.dialect.name == 'postgresql':
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only ON "{table}"')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_update')
            op.execute(f'DROP TRIGGER IF EXISTS {table}_insert_only_delete')
    op.execute("DELETE FROM attendance_days WHERE correction_id IS NOT NULL")
    with op.batch_alter_table('attendance_days', schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f('fk_attendance_days_correction_id_attendance_corrections'),
            type_='foreignkey')
        batch_op.drop_column('correction_id')
        batch_op.alter_column('first_checkin_id', existing_type=sa.String(length=36),
                              nullable=False)
    if bind.dialect.name == 'sqlite':
        for statement in _sqlite_year_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
            op.execute(statement)
    op.drop_table('attendance_correction_decisions')
    op.drop_index(op.f('ix_attendance_corrections_village_id'),
                  table_name='attendance_corrections')
    op.drop_index('ix_attendance_corrections_user_day', table_name='attendance_corrections')
    op.drop_table('attendance_corrections')


# Frozen copy of migration 0004's SQLite triggers (attendance_days -> attendance_years).
def _sqlite_bits(row: str) -> list[str]:
    day = f"CAST(strftime('%d', {row}.day) AS INTEGER)"
    return [f"(CASE WHEN strftime('%m', {row}.day) = '{number:02d}' THEN 1 << ({day} - 1) "
            "ELSE 0 END)" for number in range(1, 13)]


def _sqlite_year_triggers() -> list[str]:
    def set_bits(row: str) -> str:
        return (f"INSERT INTO attendance_years (user_id, year, {', '.join(COLUMNS)}) "
                f"VALUES ({row}.user_id, CAST(strftime('%Y', {row}.day) AS INTEGER), "
                f"{', '.join(_sqlite_bits(row))}) ON CONFLICT (user_id, year) DO UPDATE SET "
                + ", ".join(f"{name} = {name} | excluded.{name}" for name in COLUMNS) + ";")

    def clear_bits(row: str) -> str:
        return ("UPDATE attendance_years SET "
                + ", ".join(f"{name} = {name} & ~{bits}"
                            for name, bits in zip(COLUMNS, _sqlite_bits(row), strict=True))
                + f" WHERE user_id = {row}.user_id "
                f"AND year = CAST(strftime('%Y', {row}.day) AS INTEGER);")

    return [
        "CREATE TRIGGER attendance_days_set_year AFTER INSERT ON attendance_days "
        f"BEGIN {set_bits('NEW')} END",
        "CREATE TRIGGER attendance_days_clear_year AFTER DELETE ON attendance_days "
        f"BEGIN {clear_bits('OLD')} END",
        "CREATE TRIGGER attendance_days_move_year AFTER UPDATE OF user_id, day "
        f"ON attendance_days BEGIN {clear_bits('OLD')} {set_bits('NEW')} END",
    ]


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


def _protect_table(table: str, personal: tuple[str, ...]) -> None:
    bind = op.get_bind()
    columns = [column['name'] for column in sa.inspect(bind).get_columns(table)]
    for statement in _insert_only_statements(bind.dialect.name, table, columns, personal):
        bind.execute(sa.text(statement))
