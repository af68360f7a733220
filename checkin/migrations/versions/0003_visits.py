"""visits and photos; proposed household positions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:24:09.654143
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('visits',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('purposes', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('flags', sa.String(length=200), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('queued', sa.Boolean(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('corrects_id', sa.String(length=36), nullable=True),
    sa.Column('correction_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['corrects_id'], ['visits.id'], name=op.f('fk_visits_corrects_id_visits')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_visits_household_id_households')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visits_user_id_users')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_visits_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_corrects_id'), ['corrects_id'], unique=False)
        batch_op.create_index('ix_visits_household_day', ['household_id', 'local_day'], unique=False)
        batch_op.create_index('ix_visits_user_recorded', ['user_id', 'recorded_at'], unique=False)
        batch_op.create_index('ix_visits_village_day', ['village_id', 'local_day'], unique=False)

    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('thumb_sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('original_format', sa.String(length=16), nullable=False),
    sa.Column('original_width', sa.Integer(), nullable=False),
    sa.Column('original_height', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=True),
    sa.Column('exif_lat', sa.Float(), nullable=True),
    sa.Column('exif_lon', sa.Float(), nullable=True),
    sa.Column('camera', sa.String(length=100), nullable=True),
    sa.Column('phash', sa.BigInteger(), nullable=False),
    sa.Column('band0', sa.Integer(), nullable=False),
    sa.Column('band1', sa.Integer(), nullable=False),
    sa.Column('band2', sa.Integer(), nullable=False),
    sa.Column('band3', sa.Integer(), nullable=False),
    sa.Column('flags', sa.String(length=200), nullable=False),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['areas.id'], name=op.f('fk_photos_county_id_areas')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['photos.id'], name=op.f('fk_photos_duplicate_of_id_photos')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_photos_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos'))
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index('ix_photos_county_band0', ['county_id', 'band0'], unique=False)
        batch_op.create_index('ix_photos_county_band1', ['county_id', 'band1'], unique=False)
        batch_op.create_index('ix_photos_county_band2', ['county_id', 'band2'], unique=False)
        batch_op.create_index('ix_photos_county_band3', ['county_id', 'band3'], unique=False)
        batch_op.create_index(batch_op.f('ix_photos_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_photos_visit_id'), ['visit_id'], unique=False)

    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposed_lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('proposed_lon', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('proposed_by_visit_id', sa.String(length=36), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_column('proposed_by_visit_id')
        batch_op.drop_column('proposed_lon')
        batch_op.drop_column('proposed_lat')

    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photos_visit_id'))
        batch_op.drop_index(batch_op.f('ix_photos_sha256'))
        batch_op.drop_index('ix_photos_county_band3')
        batch_op.drop_index('ix_photos_county_band2')
        batch_op.drop_index('ix_photos_county_band1')
        batch_op.drop_index('ix_photos_county_band0')

    op.drop_table('photos')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_village_day')
        batch_op.drop_index('ix_visits_user_recorded')
        batch_op.drop_index('ix_visits_household_day')
        batch_op.drop_index(batch_op.f('ix_visits_corrects_id'))

    op.drop_table('visits')
