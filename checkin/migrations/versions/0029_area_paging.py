"""area paging: the households list pages by (village, register code) and the visits list
newest first by (time, id); an index for each gives a page of a province's 220,000
households or 4.5 million visits without sorting them all

Revision ID: 0029_area_paging
Revises: 0028_opening_balance
"""

from __future__ import annotations

from alembic import op

revision = '0029_area_paging'
down_revision = '0028_opening_balance'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_households_village_code', 'households', ['village_id', 'code'],
                    unique=False)
    op.create_index('ix_visits_recorded', 'visits', ['recorded_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_visits_recorded', table_name='visits')
    op.drop_index('ix_households_village_code', table_name='households')
