"""per-person notification channels: the personal channels a person turned off

Revision ID: 0015_notify_prefs
Revises: 0014_security
Create Date: 2026-12-02 06:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015_notify_prefs'
down_revision = '0014_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('muted_channels', sa.String(length=64), nullable=False,
                                     server_default=''))


def downgrade() -> None:
    op.drop_column('users', 'muted_channels')
