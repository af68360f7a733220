"""coordinates: the map each village's and household's position was read from

Revision ID: 0007_coordinates
Revises: 0006
Create Date: 2026-12-02 03:00:00.000000

Positions are stored in WGS-84; `coord_source` keeps the system the office typed them in
(wgs84, cgcs2000, gcj02, bd09). Rows from before are WGS-84, as the import took them.
Plain ADD COLUMN (no batch copy), so SQLite keeps its tables and their triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_coordinates'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('villages', 'households'):
        op.add_column(table, sa.Column('coord_source', sa.String(length=10), nullable=False,
                                       server_default='wgs84'))


def downgrade() -> None:
    for table in ('villages', 'households'):
        op.drop_column(table, 'coord_source')
