"""attendance: checkins, attendance days, leaves

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:11:18.631066
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checkins',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.Column('in_fence', sa.Boolean(), nullable=False),
    sa.Column('counts_for_day', sa.Boolean(), nullable=False),
    sa.Column('flags', sa.String(length=200), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('queued', sa.Boolean(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_checkins_user_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_checkins_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins'))
    )
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_user_recorded', ['user_id', 'recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_checkins_village_id'), ['village_id'], unique=False)

    op.create_table('leaves',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('approver_level', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_leaves_decided_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_leaves_user_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_leaves_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leaves'))
    )
    with op.batch_alter_table('leaves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leaves_status'), ['status'], unique=False)
        batch_op.create_index('ix_leaves_user_start', ['user_id', 'start_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_leaves_village_id'), ['village_id'], unique=False)

    op.create_table('attendance_days',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('first_checkin_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['first_checkin_id'], ['checkins.id'], name=op.f('fk_attendance_days_first_checkin_id_checkins')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_attendance_days_user_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_attendance_days_village_id_villages')),
    sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_attendance_days'))
    )
    with op.batch_alter_table('attendance_days', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_days_village_day', ['village_id', 'day'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('attendance_days', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_days_village_day')

    op.drop_table('attendance_days')
    with op.batch_alter_table('leaves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leaves_village_id'))
        batch_op.drop_index('ix_leaves_user_start')
        batch_op.drop_index(batch_op.f('ix_leaves_status'))

    op.drop_table('leaves')
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkins_village_id'))
        batch_op.drop_index('ix_checkins_user_recorded')

    op.drop_table('checkins')
