"""warning talks (约谈) raised by satisfaction warnings of published bulletins

Revision ID: 0021_warning_talks
Revises: 0020_password_rules
Create Date: 2026-12-02 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021_warning_talks'
down_revision = '0020_password_rules'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'warning_talks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('publication_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('unit_name', sa.String(length=200), nullable=False),
        sa.Column('responsible_id', sa.Integer(), nullable=True),
        sa.Column('responsible_name', sa.String(length=100), nullable=False),
        sa.Column('answers', sa.Integer(), nullable=False),
        sa.Column('satisfaction', sa.Float(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=True),
        sa.Column('held_with', sa.String(length=200), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'],
                                name='fk_warning_talks_team_id_teams'),
        sa.ForeignKeyConstraint(['village_id'], ['villages.id'],
                                name='fk_warning_talks_village_id_villages'),
        sa.ForeignKeyConstraint(['publication_id'], ['bulletin_publications.id'],
                                name='fk_warning_talks_publication_id_bulletin_publications'),
        sa.ForeignKeyConstraint(['unit_id'], ['sending_units.id'],
                                name='fk_warning_talks_unit_id_sending_units'),
        sa.ForeignKeyConstraint(['responsible_id'], ['users.id'],
                                name='fk_warning_talks_responsible_id_users'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name='fk_warning_talks_recorded_by_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_warning_talks'),
        sa.UniqueConstraint('team_id', 'month', name='uq_warning_talks_team_month'),
    )
    op.create_index('ix_warning_talks_village_id', 'warning_talks', ['village_id'])


def downgrade() -> None:
    op.drop_index('ix_warning_talks_village_id', table_name='warning_talks')
    op.drop_table('warning_talks')
