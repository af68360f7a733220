"""password rules: when each password was set (expiry), and the hashes of earlier ones (no
reuse of the last few)

Revision ID: 0020_password_rules
Revises: 0019_spotcheck_work
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020_password_rules'
down_revision = '0019_spotcheck_work'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of users fails on the foreign keys that point at it.
    op.add_column('users', sa.Column('password_changed_at', sa.DateTime(), nullable=True))
    # Existing passwords count from when the account was made.
    op.execute('UPDATE users SET password_changed_at = created_at')
    op.create_table(
        'password_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('replaced_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_password_history_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_history')),
    )
    op.create_index(op.f('ix_password_history_user_id'), 'password_history', ['user_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_password_history_user_id'), table_name='password_history')
    op.drop_table('password_history')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_changed_at')
