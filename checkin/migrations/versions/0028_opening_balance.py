"""opening balances at go-live (开账前天数) and households' last visit and contact before it

Revision ID: 0028_opening_balance
Revises: 0027_polygon_fences
Create Date: 2026-12-02 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0028_opening_balance'
down_revision = '0027_polygon_fences'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'opening_balances',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('go_live', sa.Date(), nullable=False),
        sa.Column('on_post_days', sa.Integer(), nullable=False),
        sa.Column('official_days', sa.Integer(), nullable=False),
        sa.Column('training_days', sa.Integer(), nullable=False),
        sa.Column('leave_days', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('set_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name='fk_opening_balances_user_id_users'),
        sa.ForeignKeyConstraint(['set_by_id'], ['users.id'],
                                name='fk_opening_balances_set_by_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_opening_balances'),
        sa.UniqueConstraint('user_id', 'year', name='uq_opening_balances_user_year'),
    )
    with op.batch_alter_table('households') as batch:
        batch.add_column(sa.Column('visited_before', sa.Date(), nullable=True))
        batch.add_column(sa.Column('contacted_before', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('households') as batch:
        batch.drop_column('contacted_before')
        batch.drop_column('visited_before')
    op.drop_table('opening_balances')
