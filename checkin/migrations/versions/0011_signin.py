"""sign-in: counters of failed sign-ins shared by every worker; users.must_change_password

Revision ID: 0011_signin
Revises: 0010_findings

Failed sign-ins are counted per account and address, per address and per account in a
store every worker shares: Redis when configured, else (and while Redis is down) this
table. A password someone else chose (create-user, the roster import, an admin's reset)
must be changed at first sign-in: users.must_change_password, false for existing accounts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_signin'
down_revision = '0010_findings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('signin_counters',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('expires_s', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_signin_counters'))
    )
    with op.batch_alter_table('signin_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_counters_expires_s'), ['expires_s'],
                              unique=False)
    # Plain ADD COLUMN: a batch copy of users (SQLite rebuilds a table for a default that
    # is an expression) fails on the foreign keys that point at it.
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('signin_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_counters_expires_s'))
    op.drop_table('signin_counters')
