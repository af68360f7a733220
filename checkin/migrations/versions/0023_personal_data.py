"""phone numbers sealed at rest: room for the ciphertext, and a blind index beside each

Revision ID: 0023_personal_data
Revises: 0022_signin_sessions
Create Date: 2026-12-02 14:00:00.000000

households.phone and users.phone hold `enc:<tag>:` + base64 once `flask encrypt-fields`
has run with FIELD_KEY set (up to ~90 characters for a 32-character number); their
`phone_index` holds the keyed HMAC that finds a number without decrypting the column.
SQLite does not enforce a VARCHAR's length, so only PostgreSQL's columns are widened (a
SQLite batch rebuild of `users`, which most tables reference, is not worth it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023_personal_data'
down_revision = '0022_signin_sessions'
branch_labels = None
depends_on = None

TABLES = ('households', 'users')


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    for table in TABLES:
        op.add_column(table, sa.Column('phone_index', sa.String(length=64), nullable=True))
        op.create_index(f'ix_{table}_phone_index', table, ['phone_index'], unique=False)
        if postgres:
            op.alter_column(table, 'phone', type_=sa.String(length=128),
                            existing_type=sa.String(length=32), existing_nullable=True)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    for table in TABLES:
        if postgres:
            op.alter_column(table, 'phone', type_=sa.String(length=32),
                            existing_type=sa.String(length=128), existing_nullable=True)
        op.drop_index(f'ix_{table}_phone_index', table_name=table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('phone_index')
