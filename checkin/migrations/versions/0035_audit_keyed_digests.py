"""the audit log's digests keyed (HMAC-SHA-256): each entry names the key its digests
were made with, none for the plain SHA-256 of the entries before; audit_log's insert-only
triggers made again over its columns (DDL copied in as it was when this was written)

Revision ID: 0035_audit_keyed_digests
Revises: 0034_household_moves
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0035_audit_keyed_digests'
down_revision = '0034_household_moves'
branch_labels = None
depends_on = None

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


def _protect_audit_log() -> None:
    bind = op.get_bind()
    columns = [column['name'] for column in sa.inspect(bind).get_columns('audit_log')]
    for statement in _insert_only_statements(bind.dialect.name, 'audit_log', columns, ()):
        bind.execute(sa.text(statement))


def _unprotect_audit_log() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_log_insert_only ON "audit_log"')
    else:
        op.execute('DROP TRIGGER IF EXISTS audit_log_insert_only_update')
        op.execute('DROP TRIGGER IF EXISTS audit_log_insert_only_delete')


def upgrade() -> None:
    _unprotect_audit_log()  # SQLite rebuilds the table to change it
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.add_column(sa.Column('digest_key', sa.String(length=16), nullable=True))
    _protect_audit_log()


def downgrade() -> None:
    _unprotect_audit_log()
    with op.batch_alter_table('audit_log') as batch_op:
        batch_op.drop_column('digest_key')
    _protect_audit_log()
