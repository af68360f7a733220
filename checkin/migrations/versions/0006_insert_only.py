"""insert-only evidence: triggers refuse UPDATE and DELETE; photos.purged_at for retention

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-22 05:00:00.000000

Check-ins, visits, photos, spot-check results and the audit log get triggers that refuse
UPDATE and DELETE, except the retention purge clearing personal columns (see
checkin/services/retention.py for how the purge is let through on each database). A table
that does not exist yet is skipped: a later migration calls
``retention.protect_table(op.get_bind(), name)`` once it does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from checkin.ops.retention import (
    INSERT_ONLY,
    PG_FUNCTION,
    UNLOCK_TABLE,
    protect_table,
    unprotect_table,
)

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('photos', sa.Column('purged_at', sa.DateTime(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute(f"CREATE TABLE IF NOT EXISTS {UNLOCK_TABLE} "
                   "(reason VARCHAR(16) PRIMARY KEY)")
    for table in INSERT_ONLY:
        protect_table(bind, table)


def downgrade() -> None:
    bind = op.get_bind()
    for table in INSERT_ONLY:
        if sa.inspect(bind).has_table(table):
            unprotect_table(bind, table)
    if bind.dialect.name == 'postgresql':
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    else:
        op.execute(f"DROP TABLE IF EXISTS {UNLOCK_TABLE}")
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
