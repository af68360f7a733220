"""roster imports as background jobs: the job, its files

Revision ID: 0013_imports
Revises: 0012_notifications
Create Date: 2026-12-02 03:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013_imports'
down_revision = '0012_notifications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'roster_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=False),
        sa.Column('dry_run', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('credentials', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name='fk_roster_imports_actor_id_users'),
        sa.PrimaryKeyConstraint('id', name='pk_roster_imports'),
    )
    op.create_index('ix_roster_imports_status', 'roster_imports', ['status', 'id'])
    op.create_table(
        'roster_import_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['import_id'], ['roster_imports.id'],
                                name='fk_roster_import_files_import_id_roster_imports'),
        sa.PrimaryKeyConstraint('id', name='pk_roster_import_files'),
    )
    op.create_index('ix_roster_import_files_import_id', 'roster_import_files', ['import_id'])


def downgrade() -> None:
    op.drop_table('roster_import_files')
    op.drop_table('roster_imports')
