"""attendance_years: each cadre's days on post per year as month bitmasks, kept by triggers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:10:00.000000

Bit d-1 of column mNN is set when day d of month NN is in attendance_days. Triggers on
attendance_days keep it in step for every writer (the check-in path, imports, fixtures);
setting a bit is idempotent and commutative, so concurrent check-ins need no ordering.
Existing days are folded in once here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

COLUMNS = [f"m{month:02d}" for month in range(1, 13)]


def upgrade() -> None:
    op.create_table('attendance_years',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    *[sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in COLUMNS],
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_years_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'year', name=op.f('pk_attendance_years'))
    )
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        for statement in _postgresql_triggers():
            op.execute(statement)
    elif dialect == 'sqlite':
        for statement in _sqlite_triggers():
            op.execute(statement)
    else:
        raise NotImplementedError(f"attendance_years triggers for {dialect}")
    _backfill()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS attendance_days_track_year ON attendance_days")
        op.execute("DROP FUNCTION IF EXISTS attendance_days_track_year()")
    elif dialect == 'sqlite':
        for name in ("set", "clear", "move"):
            op.execute(f"DROP TRIGGER IF EXISTS attendance_days_{name}_year")
    op.drop_table('attendance_years')


def _backfill() -> None:
    """Fold the days already there into the bitmasks: one INSERT ... SELECT ... GROUP BY."""
    days = sa.table('attendance_days', sa.column('user_id', sa.Integer()),
                    sa.column('day', sa.Date()))
    years = sa.table('attendance_years', sa.column('user_id'), sa.column('year'),
                     *[sa.column(name) for name in COLUMNS])
    year = sa.cast(sa.extract('year', days.c.day), sa.Integer)
    month = sa.cast(sa.extract('month', days.c.day), sa.Integer)
    bit = sa.literal_column("1").op("<<")(sa.cast(sa.extract('day', days.c.day), sa.Integer) - 1)
    # (user_id, day) is unique, so the sum of a month's bits is their OR.
    masks = [sa.func.sum(sa.case((month == number, bit), else_=0))
             for number in range(1, 13)]
    select = sa.select(days.c.user_id, year, *masks).group_by(days.c.user_id, year)
    op.execute(years.insert().from_select(['user_id', 'year', *COLUMNS], select))


def _sqlite_bits(row: str) -> list[str]:
    day = f"CAST(strftime('%d', {row}.day) AS INTEGER)"
    return [f"(CASE WHEN strftime('%m', {row}.day) = '{number:02d}' THEN 1 << ({day} - 1) "
            "ELSE 0 END)" for number in range(1, 13)]


def _sqlite_triggers() -> list[str]:
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


def _postgresql_triggers() -> list[str]:
    def bits(month: str, bit: str) -> list[str]:
        return [f"CASE WHEN {month} = {number} THEN {bit} ELSE 0 END" for number in range(1, 13)]

    clear = ", ".join(f"{name} = y.{name} & ~({value})"
                      for name, value in zip(COLUMNS, bits("old_month", "old_bit"), strict=True))
    set_ = ", ".join(bits("new_month", "new_bit"))
    merge = ", ".join(f"{name} = y.{name} | EXCLUDED.{name}" for name in COLUMNS)
    function = f"""
CREATE FUNCTION attendance_days_track_year() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_month int; old_bit int; new_month int; new_bit int;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_month := extract(month FROM OLD.day)::int;
        old_bit := 1 << (extract(day FROM OLD.day)::int - 1);
        UPDATE attendance_years AS y SET {clear}
        WHERE y.user_id = OLD.user_id AND y.year = extract(year FROM OLD.day)::int;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_month := extract(month FROM NEW.day)::int;
        new_bit := 1 << (extract(day FROM NEW.day)::int - 1);
        INSERT INTO attendance_years AS y (user_id, year, {', '.join(COLUMNS)})
        VALUES (NEW.user_id, extract(year FROM NEW.day)::int, {set_})
        ON CONFLICT (user_id, year) DO UPDATE SET {merge};
    END IF;
    RETURN NULL;
END
$$"""
    trigger = ("CREATE TRIGGER attendance_days_track_year AFTER INSERT OR DELETE OR "
               "UPDATE OF user_id, day ON attendance_days FOR EACH ROW "
               "EXECUTE FUNCTION attendance_days_track_year()")
    return [function, trigger]
