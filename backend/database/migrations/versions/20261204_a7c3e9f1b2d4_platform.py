"""platform: the event outbox and sign-in throttles

Revision ID: a7c3e9f1b2d4
Revises: f1a6c2d8e0b5
Create Date: 2026-12-04 19:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.database.base


revision: str = 'a7c3e9f1b2d4'
down_revision: str | Sequence[str] | None = 'f1a6c2d8e0b5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event_outbox',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', backend.database.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_outbox'))
    )
    op.create_index(op.f('ix_event_outbox_created_at'), 'event_outbox', ['created_at'], unique=False)
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', backend.database.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('strikes', sa.Integer(), nullable=False),
    sa.Column('updated_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )
    op.create_index(op.f('ix_login_throttles_updated_at'), 'login_throttles', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_login_throttles_updated_at'), table_name='login_throttles')
    op.drop_table('login_throttles')
    op.drop_index(op.f('ix_event_outbox_created_at'), table_name='event_outbox')
    op.drop_table('event_outbox')
