"""published bulletins: insert-only snapshots of an area's month, corrections supersede

Revision ID: 0009_bulletins
Revises: 0008_corrections
Create Date: 2026-12-02 03:00:00.000000

The table gets the insert-only triggers of 0006 (no personal columns: the purge never
changes a publication). The DDL is copied in, as it was when this revision was written.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009_bulletins'
down_revision = '0008_corrections'
branch_labels = None
depends_on = None

_TABLE = 'bulletin_publications'
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
    op.create_table(_TABLE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('correction_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_bulletin_publications_area_id_areas')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_bulletin_publications_published_by_id_users')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['bulletin_publications.id'], name=op.f('fk_bulletin_publications_supersedes_id_bulletin_publications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin_publications')),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_bulletin_publications_supersedes_id'))
    )
    first = sa.text('supersedes_id IS NULL')
    op.create_index('uq_bulletin_publications_first', _TABLE, ['area_id', 'month'],
                    unique=True, sqlite_where=first, postgresql_where=first)
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
    op.drop_index('uq_bulletin_publications_first', table_name=_TABLE)
    op.drop_table(_TABLE)
