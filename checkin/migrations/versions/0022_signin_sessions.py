"""signin sessions: one row per browser sign-in, so a person and the security administrator
can list where an account is signed in and end one session (issue 20, 等保 sessions)

Revision ID: 0022_signin_sessions
Revises: 0021_warning_talks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022_signin_sessions'
down_revision = '0021_warning_talks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signin_sessions',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('epoch', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('agent', sa.String(length=200), nullable=True),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('ended_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_signin_sessions_user_id_users')),
        sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'],
                                name=op.f('fk_signin_sessions_ended_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signin_sessions')),
    )
    op.create_index(op.f('ix_signin_sessions_user_id'), 'signin_sessions', ['user_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_signin_sessions_user_id'), table_name='signin_sessions')
    op.drop_table('signin_sessions')
