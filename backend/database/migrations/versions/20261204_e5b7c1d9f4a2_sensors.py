"""sensors: each bridge's health from its heartbeat (issue 9.3)

Revision ID: e5b7c1d9f4a2
Revises: e4d5b0f3d4a4
Create Date: 2026-12-04 18:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.database.base


revision: str = 'e5b7c1d9f4a2'
down_revision: str | Sequence[str] | None = 'e4d5b0f3d4a4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ('readings_in', 'malformed', 'readings_rejected', 'outbox_batches', 'dead_letters', 'forward_failures')


def upgrade() -> None:
    with op.batch_alter_table('sensor_bridges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_at', backend.database.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('started_at', backend.database.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('mqtt_connected', sa.Boolean(), nullable=True))
        for name in COUNTERS:
            batch_op.add_column(sa.Column(name, sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_forward_at', backend.database.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('config_sensors', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('sensor_bridges', schema=None) as batch_op:
        for name in ('config_sensors', 'last_forward_at', *reversed(COUNTERS), 'mqtt_connected', 'started_at',
                     'client_id', 'reported_at'):
            batch_op.drop_column(name)
