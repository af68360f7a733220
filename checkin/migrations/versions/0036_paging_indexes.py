"""paging indexes: the API lists check-ins newest first by a keyset of (time, id), and an
index gives a page of a province's eight million check-ins without sorting them all (a
cadre's own come from ix_checkins_user_recorded); the month grid finds the few days made
by a make-up in a partial index instead of reading every day of the month

Revision ID: 0036_paging_indexes
Revises: 0035_audit_keyed_digests
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0036_paging_indexes'
down_revision = '0035_audit_keyed_digests'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_checkins_recorded', 'checkins', ['recorded_at', 'id'], unique=False)
    op.create_index('ix_attendance_days_makeup', 'attendance_days', ['correction_id'],
                    unique=False, sqlite_where=sa.text('correction_id IS NOT NULL'),
                    postgresql_where=sa.text('correction_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_attendance_days_makeup', table_name='attendance_days')
    op.drop_index('ix_checkins_recorded', table_name='checkins')
