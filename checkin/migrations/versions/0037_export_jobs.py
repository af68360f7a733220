"""export jobs: an export too large for a request (a province's month grid, a county's year
of visits) is queued, written by the worker as the supervisor who asked, and downloaded
from a page that shows its progress

Revision ID: 0037_export_jobs
Revises: 0036_paging_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0037_export_jobs'
down_revision = '0036_paging_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'export_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=2000), nullable=False),
        sa.Column('locale', sa.String(length=8), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=True),
        sa.Column('kind', sa.String(length=8), nullable=True),
        sa.Column('error', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name='fk_export_jobs_actor_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_export_jobs'),
    )
    op.create_index('ix_export_jobs_status', 'export_jobs', ['status', 'id'], unique=False)
    op.create_index('ix_export_jobs_actor', 'export_jobs', ['actor_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_export_jobs_actor', table_name='export_jobs')
    op.drop_index('ix_export_jobs_status', table_name='export_jobs')
    op.drop_table('export_jobs')
