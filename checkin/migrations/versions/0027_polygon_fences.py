"""polygon fences: a village's boundary (polygons, several natural villages) as its fence

Revision ID: 0027_polygon_fences
Revises: 0026_assessment_pledges
Create Date: 2026-12-02 14:00:00.000000

`boundary` is WKT in WGS-84 (a POLYGON or MULTIPOLYGON, checked by domain/boundary when
stored); when set it decides inside or outside instead of the circle. `boundary_source`
keeps the system the office read it in (wgs84, cgcs2000, gcj02, bd09). Plain ADD COLUMN
(no batch copy), so SQLite keeps its tables and their triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027_polygon_fences'
down_revision = '0026_assessment_pledges'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('villages', sa.Column('boundary', sa.Text(), nullable=True))
    op.add_column('villages', sa.Column('boundary_source', sa.String(length=10), nullable=True))


def downgrade() -> None:
    op.drop_column('villages', 'boundary_source')
    op.drop_column('villages', 'boundary')
