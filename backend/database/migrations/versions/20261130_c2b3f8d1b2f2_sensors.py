"""sensors

Revision ID: c2b3f8d1b2f2
Revises: b1a2e7c0a1e1
Create Date: 2026-11-30 22:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.database.base


revision: str = 'c2b3f8d1b2f2'
down_revision: str | Sequence[str] | None = 'b1a2e7c0a1e1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sensor_power_zones',
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=True),
    sa.Column('equipment', sa.JSON(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_sensor_power_zones_mine_id_mines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_power_zones')),
    sa.UniqueConstraint('mine_id', 'name', name=op.f('uq_sensor_power_zones_mine_id'))
    )
    with op.batch_alter_table('sensor_power_zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sensor_power_zones_mine_id'), ['mine_id'], unique=False)

    op.create_table('sensor_threshold_profiles',
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('CH4', 'CO', 'O2', 'CO2', 'H2S', 'TEMPERATURE', 'AIR_SPEED', 'ROOF_SEPARATION', 'SUPPORT_PRESSURE', name='sensorkind', native_enum=False, length=32), nullable=False),
    sa.Column('location_key', sa.String(length=32), nullable=False),
    sa.Column('warning', sa.Float(), nullable=True),
    sa.Column('alarm', sa.Float(), nullable=True),
    sa.Column('power_cut', sa.Float(), nullable=True),
    sa.Column('restore', sa.Float(), nullable=True),
    sa.Column('low_alarm', sa.Float(), nullable=True),
    sa.Column('low_restore', sa.Float(), nullable=True),
    sa.Column('rate_delta', sa.Float(), nullable=True),
    sa.Column('rate_window_s', sa.Float(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_sensor_threshold_profiles_mine_id_mines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_threshold_profiles')),
    sa.UniqueConstraint('mine_id', 'kind', 'location_key', name=op.f('uq_sensor_threshold_profiles_mine_id'))
    )
    with op.batch_alter_table('sensor_threshold_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sensor_threshold_profiles_mine_id'), ['mine_id'], unique=False)

    op.create_table('sensors',
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('CH4', 'CO', 'O2', 'CO2', 'H2S', 'TEMPERATURE', 'AIR_SPEED', 'ROOF_SEPARATION', 'SUPPORT_PRESSURE', name='sensorkind', native_enum=False, length=32), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=False),
    sa.Column('location_type', sa.Enum('WORKING_FACE', 'WORKING_FACE_RETURN', 'HEADING_FACE', 'HEADING_RETURN', 'INTAKE_HIGH_GAS', 'ONBOARD', 'DRAINAGE_ROADWAY', 'WORKING_FACE_INTAKE', 'CHAMBER', 'ROADWAY', name='locationtype', native_enum=False, length=32), nullable=True),
    sa.Column('polling_seconds', sa.Float(), nullable=False),
    sa.Column('physical_min', sa.Float(), nullable=False),
    sa.Column('physical_max', sa.Float(), nullable=False),
    sa.Column('power_zone_id', sa.Uuid(), nullable=True),
    sa.Column('cut_on_fault', sa.Boolean(), nullable=False),
    sa.Column('stuck_readings', sa.Integer(), nullable=False),
    sa.Column('threshold_override', sa.JSON(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('last_value', sa.Float(), nullable=True),
    sa.Column('last_reading_at', backend.database.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('level', sa.Enum('NORMAL', 'WARNING', 'ALARM', name='sensorlevel', native_enum=False, length=32), nullable=False),
    sa.Column('fault', sa.Enum('OUT_OF_RANGE', 'STUCK', 'SILENT', name='sensorfault', native_enum=False, length=32), nullable=True),
    sa.Column('power_cut', sa.Boolean(), nullable=False),
    sa.Column('state_changed_at', backend.database.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_sensors_area_id_areas')),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_sensors_mine_id_mines')),
    sa.ForeignKeyConstraint(['power_zone_id'], ['sensor_power_zones.id'], name=op.f('fk_sensors_power_zone_id_sensor_power_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensors')),
    sa.UniqueConstraint('mine_id', 'code', name=op.f('uq_sensors_mine_id'))
    )
    with op.batch_alter_table('sensors', schema=None) as batch_op:
        batch_op.create_index('ix_sensors_mine_area', ['mine_id', 'area_id'], unique=False)

    op.create_table('sensor_batches',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('bridge_seq', sa.BigInteger(), nullable=False),
    sa.Column('received_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('readings_stored', sa.Integer(), nullable=False),
    sa.Column('readings_rejected', sa.Integer(), nullable=False),
    sa.Column('alerts_raised', sa.Integer(), nullable=False),
    sa.Column('alarm_changes_rejected', sa.Integer(), nullable=False),
    sa.Column('seq_gap', sa.Integer(), nullable=False),
    sa.Column('out_of_order', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_sensor_batches_device_id_devices')),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_sensor_batches_mine_id_mines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_batches')),
    sa.UniqueConstraint('device_id', 'batch_id', name=op.f('uq_sensor_batches_device_id'))
    )
    with op.batch_alter_table('sensor_batches', schema=None) as batch_op:
        batch_op.create_index('ix_sensor_batches_device_seq', ['device_id', 'bridge_seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensor_batches_received_at'), ['received_at'], unique=False)

    op.create_table('sensor_bridges',
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_batch_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('batches', sa.Integer(), nullable=False),
    sa.Column('missing_seqs', sa.Integer(), nullable=False),
    sa.Column('out_of_order_batches', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_sensor_bridges_device_id_devices')),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_sensor_bridges_mine_id_mines')),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_sensor_bridges'))
    )
    with op.batch_alter_table('sensor_bridges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sensor_bridges_mine_id'), ['mine_id'], unique=False)

    op.create_table('sensor_hour_stats',
    sa.Column('sensor_id', sa.Uuid(), nullable=False),
    sa.Column('hour', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('min', sa.Float(), nullable=False),
    sa.Column('max', sa.Float(), nullable=False),
    sa.Column('sum', sa.Float(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sensor_id'], ['sensors.id'], name=op.f('fk_sensor_hour_stats_sensor_id_sensors')),
    sa.PrimaryKeyConstraint('sensor_id', 'hour', name=op.f('pk_sensor_hour_stats'))
    )
    with op.batch_alter_table('sensor_hour_stats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sensor_hour_stats_hour'), ['hour'], unique=False)

    op.create_table('sensor_readings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('sensor_id', sa.Uuid(), nullable=False),
    sa.Column('ts', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('fault', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['sensor_id'], ['sensors.id'], name=op.f('fk_sensor_readings_sensor_id_sensors')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_readings'))
    )
    with op.batch_alter_table('sensor_readings', schema=None) as batch_op:
        batch_op.create_index('ix_sensor_readings_sensor_ts', ['sensor_id', 'ts'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensor_readings_ts'), ['ts'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sensor_readings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_readings_ts'))
        batch_op.drop_index('ix_sensor_readings_sensor_ts')

    op.drop_table('sensor_readings')
    with op.batch_alter_table('sensor_hour_stats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_hour_stats_hour'))

    op.drop_table('sensor_hour_stats')
    with op.batch_alter_table('sensor_bridges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_bridges_mine_id'))

    op.drop_table('sensor_bridges')
    with op.batch_alter_table('sensor_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_batches_received_at'))
        batch_op.drop_index('ix_sensor_batches_device_seq')

    op.drop_table('sensor_batches')
    with op.batch_alter_table('sensors', schema=None) as batch_op:
        batch_op.drop_index('ix_sensors_mine_area')

    op.drop_table('sensors')
    with op.batch_alter_table('sensor_threshold_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_threshold_profiles_mine_id'))

    op.drop_table('sensor_threshold_profiles')
    with op.batch_alter_table('sensor_power_zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_power_zones_mine_id'))

    op.drop_table('sensor_power_zones')
