"""an outside helper's phone sealed at rest like the other numbers: room for the
ciphertext, and a blind index beside it (as 0023 for households and users).

Revision ID: 0031_outside_helper_phones
Revises: 0030_duties_rotation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0031_outside_helper_phones'
down_revision = '0030_duties_rotation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('outside_helpers', sa.Column('phone_index', sa.String(length=64),
                                               nullable=True))
    op.create_index('ix_outside_helpers_phone_index', 'outside_helpers', ['phone_index'],
                    unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('outside_helpers', 'phone', type_=sa.String(length=128),
                        existing_type=sa.String(length=32), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('outside_helpers', 'phone', type_=sa.String(length=32),
                        existing_type=sa.String(length=128), existing_nullable=False)
    op.drop_index('ix_outside_helpers_phone_index', table_name='outside_helpers')
    with op.batch_alter_table('outside_helpers') as batch_op:
        batch_op.drop_column('phone_index')
