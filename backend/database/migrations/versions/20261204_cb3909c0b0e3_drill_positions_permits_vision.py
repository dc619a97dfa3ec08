"""drill positions (a drill's simulated people located from its tag sightings), drill permits, drill vision jobs

Revision ID: cb3909c0b0e3
Revises: a7d2e9f1c4b6
Create Date: 2026-12-04 21:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.database.base

revision: str = 'cb3909c0b0e3'
down_revision: str | Sequence[str] | None = 'a7d2e9f1c4b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('drill_positions',
    sa.Column('drill_id', sa.Uuid(), nullable=False),
    sa.Column('tag_code', sa.String(length=64), nullable=False, comment='a person of the scenario ({area}-{n})'),
    sa.Column('start_area', sa.String(length=64), nullable=False,
              comment="the model's area of the first sighting"),
    sa.Column('area', sa.String(length=64), nullable=False, comment="the model's area of the latest sighting"),
    sa.Column('reader_code', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('safe_at', backend.database.base.UTCDateTime(timezone=True), nullable=True,
              comment='first sighted in a safe area'),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['drill_id'], ['drills.id'], name=op.f('fk_drill_positions_drill_id_drills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_positions')),
    sa.UniqueConstraint('drill_id', 'tag_code', name='uq_drill_positions_tag')
    )
    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drill_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_permits_drill_id'), ['drill_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_permits_drill_id_drills'), 'drills', ['drill_id'], ['id'])
    with op.batch_alter_table('vision_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drill_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_vision_jobs_drill_id'), ['drill_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_vision_jobs_drill_id_drills'), 'drills', ['drill_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('vision_jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_vision_jobs_drill_id_drills'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_vision_jobs_drill_id'))
        batch_op.drop_column('drill_id')
    with op.batch_alter_table('permits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_permits_drill_id_drills'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_permits_drill_id'))
        batch_op.drop_column('drill_id')
    op.drop_table('drill_positions')
