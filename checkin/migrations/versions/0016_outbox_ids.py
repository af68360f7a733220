"""ids made on the phone for 销假 and team report remarks (both sent through the outbox)

Revision ID: 0016_outbox_ids
Revises: 0015_notify_prefs
Create Date: 2026-12-02 06:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016_outbox_ids'
down_revision = '0015_notify_prefs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('leaves', sa.Column('return_request_id', sa.String(length=36), nullable=True))
    op.create_index('ix_leaves_return_request_id', 'leaves', ['return_request_id'], unique=True)
    op.create_table(
        'team_report_remarks',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('remarks', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('saved_by_id', sa.Integer(), nullable=False),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['team_reports.id'],
                                name='fk_team_report_remarks_report_id_team_reports'),
        sa.ForeignKeyConstraint(['saved_by_id'], ['users.id'],
                                name='fk_team_report_remarks_saved_by_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_team_report_remarks'),
    )
    op.create_index('ix_team_report_remarks_report_id', 'team_report_remarks', ['report_id'])


def downgrade() -> None:
    op.drop_index('ix_team_report_remarks_report_id', table_name='team_report_remarks')
    op.drop_table('team_report_remarks')
    op.drop_index('ix_leaves_return_request_id', table_name='leaves')
    op.drop_column('leaves', 'return_request_id')
