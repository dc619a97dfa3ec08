"""alerts

Revision ID: b1a2e7c0a1e1
Revises: 50895434ac34
Create Date: 2026-11-30 22:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.database.base


revision: str = 'b1a2e7c0a1e1'
down_revision: str | Sequence[str] | None = '50895434ac34'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('area_id', sa.Uuid(), nullable=True),
    sa.Column('source', sa.Enum('SENSOR', 'VISION', 'HAZARD_OVERDUE', 'MANUAL', name='alertsource', native_enum=False, length=32), nullable=False),
    sa.Column('source_ref', sa.String(length=200), nullable=False),
    sa.Column('severity', sa.Enum('INFO', 'WARNING', 'ALARM', 'CRITICAL', name='alertseverity', native_enum=False, length=32), nullable=False),
    sa.Column('state', sa.Enum('RAISED', 'ACKNOWLEDGED', 'RESOLVED', name='alertstate', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=300), nullable=False),
    sa.Column('raise_count', sa.Integer(), nullable=False),
    sa.Column('first_raised_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_raised_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('snapshot_key', sa.String(length=300), nullable=True),
    sa.Column('raised_by_id', sa.Uuid(), nullable=True),
    sa.Column('client_id', sa.Uuid(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Uuid(), nullable=True),
    sa.Column('acknowledged_at', backend.database.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verdict', sa.Enum('CONFIRMED', 'FALSE_ALARM', name='alertverdict', native_enum=False, length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('resolved_by_id', sa.Uuid(), nullable=True),
    sa.Column('resolved_at', backend.database.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('escalated_at', backend.database.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hazard_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_alerts_area_id_areas')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_alerts_hazard_id_hazards')),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_alerts_mine_id_mines')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_alerts_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('mine_id', 'client_id', name='uq_alerts_mine_client')
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_dedupe', ['mine_id', 'dedupe_key'], unique=False)
        batch_op.create_index('ix_alerts_mine_raised', ['mine_id', 'first_raised_at', 'id'], unique=False)
        batch_op.create_index('ix_alerts_mine_state', ['mine_id', 'state'], unique=False)
        batch_op.create_index('uq_alerts_open_dedupe', ['mine_id', 'dedupe_key'], unique=True, sqlite_where=sa.text("state IN ('RAISED', 'ACKNOWLEDGED')"), postgresql_where=sa.text("state IN ('RAISED', 'ACKNOWLEDGED')"))


def downgrade() -> None:
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_open_dedupe', sqlite_where=sa.text("state IN ('RAISED', 'ACKNOWLEDGED')"), postgresql_where=sa.text("state IN ('RAISED', 'ACKNOWLEDGED')"))
        batch_op.drop_index('ix_alerts_mine_state')
        batch_op.drop_index('ix_alerts_mine_raised')
        batch_op.drop_index('ix_alerts_dedupe')

    op.drop_table('alerts')
