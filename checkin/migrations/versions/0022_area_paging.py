"""area paging: the households list pages by (village, register code); an index gives a
page of a province's 220,000 households without sorting them all

Revision ID: 0022_area_paging
Revises: 0021_warning_talks
"""

from __future__ import annotations

from alembic import op

revision = '0022_area_paging'
down_revision = '0021_warning_talks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_households_village_code', 'households', ['village_id', 'code'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_households_village_code', table_name='households')
