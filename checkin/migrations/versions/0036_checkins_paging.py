"""checkins paging: the API lists check-ins newest first by a keyset of (time, id); an
index gives a page of a province's eight million check-ins without sorting them all (a
cadre's own come from ix_checkins_user_recorded)

Revision ID: 0036_checkins_paging
Revises: 0035_audit_keyed_digests
"""

from __future__ import annotations

from alembic import op

revision = '0036_checkins_paging'
down_revision = '0035_audit_keyed_digests'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_checkins_recorded', 'checkins', ['recorded_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_checkins_recorded', table_name='checkins')
