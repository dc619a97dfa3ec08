"""vision

Revision ID: d3c4a9e2c3f3
Revises: c2b3f8d1b2f2
Create Date: 2026-11-30 22:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.database.base


revision: str = 'd3c4a9e2c3f3'
down_revision: str | Sequence[str] | None = 'c2b3f8d1b2f2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CAMERA_KIND = sa.Enum('CAMERA', 'ROBOT', name='camerakind', native_enum=False, length=32)
ZONE_RULE = sa.Enum('NO_ENTRY', 'MAX_PEOPLE', 'NO_LYING', 'DWELL_LIMIT', 'CLASS_PRESENT', name='zonerule',
                    native_enum=False, length=32)
ZONE_COORDS = sa.Enum('NORMALISED', 'PIXEL', name='zonecoords', native_enum=False, length=32)
JOB_STATE = sa.Enum('QUEUED', 'RUNNING', 'DONE', 'FAILED', name='visionjobstate', native_enum=False, length=32)


def upgrade() -> None:
    # upload sizes pass 2^31 - 1 bytes for videos (max_video_bytes is 2 GiB)
    with op.batch_alter_table('upload_slots', schema=None) as batch_op:
        batch_op.alter_column('declared_size', existing_type=sa.Integer(), type_=sa.BigInteger(),
                              existing_nullable=False)

    op.create_table('vision_cameras',
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', CAMERA_KIND, nullable=False),
    sa.Column('stream_url', sa.String(length=500), nullable=True),
    sa.Column('frame_width', sa.Integer(), nullable=True),
    sa.Column('frame_height', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.Uuid(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_vision_cameras_area_id_areas')),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_vision_cameras_device_id_devices')),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_vision_cameras_mine_id_mines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vision_cameras')),
    sa.UniqueConstraint('mine_id', 'code', name=op.f('uq_vision_cameras_mine_id'))
    )
    with op.batch_alter_table('vision_cameras', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vision_cameras_area_id'), ['area_id'], unique=False)

    op.create_table('vision_zones',
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('rule', ZONE_RULE, nullable=False),
    sa.Column('coords', ZONE_COORDS, nullable=False),
    sa.Column('points', sa.JSON(), nullable=False),
    sa.Column('max_people', sa.Integer(), nullable=True),
    sa.Column('dwell_seconds', sa.Float(), nullable=True),
    sa.Column('detector_class', sa.String(length=64), nullable=True),
    sa.Column('open_hazard', sa.Boolean(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['vision_cameras.id'], name=op.f('fk_vision_zones_camera_id_vision_cameras')),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_vision_zones_mine_id_mines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vision_zones'))
    )
    with op.batch_alter_table('vision_zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vision_zones_camera_id'), ['camera_id'], unique=False)

    op.create_table('vision_jobs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('submitted_by', sa.Uuid(), nullable=False),
    sa.Column('video_key', sa.String(length=300), nullable=False),
    sa.Column('video_size', sa.BigInteger(), nullable=False),
    sa.Column('recorded_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', JOB_STATE, nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.String(length=100), nullable=True),
    sa.Column('worker_device_id', sa.Uuid(), nullable=True),
    sa.Column('lease_expires_at', backend.database.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('frames_analysed', sa.Integer(), nullable=False),
    sa.Column('started_at', backend.database.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', backend.database.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('created_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_vision_jobs_area_id_areas')),
    sa.ForeignKeyConstraint(['camera_id'], ['vision_cameras.id'], name=op.f('fk_vision_jobs_camera_id_vision_cameras')),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_vision_jobs_mine_id_mines')),
    sa.ForeignKeyConstraint(['worker_device_id'], ['devices.id'],
                            name=op.f('fk_vision_jobs_worker_device_id_devices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vision_jobs'))
    )
    with op.batch_alter_table('vision_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_vision_jobs_camera', ['camera_id', 'created_at'], unique=False)
        batch_op.create_index('ix_vision_jobs_queue', ['mine_id', 'state', 'created_at'], unique=False)

    op.create_table('vision_events',
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('job_id', sa.Uuid(), nullable=False),
    sa.Column('camera_id', sa.Uuid(), nullable=False),
    sa.Column('zone_id', sa.Uuid(), nullable=True),
    sa.Column('event_key', sa.String(length=200), nullable=False),
    sa.Column('rule', ZONE_RULE, nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=True),
    sa.Column('video_time_s', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('snapshot_key', sa.String(length=300), nullable=True),
    sa.Column('occurred_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('alert_id', sa.Uuid(), nullable=True),
    sa.Column('hazard_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['vision_cameras.id'], name=op.f('fk_vision_events_camera_id_vision_cameras')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_vision_events_hazard_id_hazards')),
    sa.ForeignKeyConstraint(['job_id'], ['vision_jobs.id'], name=op.f('fk_vision_events_job_id_vision_jobs')),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_vision_events_mine_id_mines')),
    sa.ForeignKeyConstraint(['zone_id'], ['vision_zones.id'], name=op.f('fk_vision_events_zone_id_vision_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vision_events')),
    sa.UniqueConstraint('job_id', 'event_key', name=op.f('uq_vision_events_job_id'))
    )
    with op.batch_alter_table('vision_events', schema=None) as batch_op:
        batch_op.create_index('ix_vision_events_camera', ['camera_id', 'occurred_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('vision_events', schema=None) as batch_op:
        batch_op.drop_index('ix_vision_events_camera')
    op.drop_table('vision_events')
    with op.batch_alter_table('vision_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_vision_jobs_queue')
        batch_op.drop_index('ix_vision_jobs_camera')
    op.drop_table('vision_jobs')
    with op.batch_alter_table('vision_zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vision_zones_camera_id'))
    op.drop_table('vision_zones')
    with op.batch_alter_table('vision_cameras', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vision_cameras_area_id'))
    op.drop_table('vision_cameras')
    with op.batch_alter_table('upload_slots', schema=None) as batch_op:
        batch_op.alter_column('declared_size', existing_type=sa.BigInteger(), type_=sa.Integer(),
                              existing_nullable=False)
