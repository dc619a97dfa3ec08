"""hazards: per-mine hazard categories with quick phrases; a hazard's category and when it was seen

Revision ID: e5f1a7b3c9d2
Revises: e5b7c1d9f4a2
Create Date: 2026-12-04 18:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.database.base

revision: str = 'e5f1a7b3c9d2'
down_revision: str | Sequence[str] | None = 'e5b7c1d9f4a2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRADE = sa.Enum('MAJOR', 'GENERAL', name='hazardgrade', native_enum=False, length=32)


def upgrade() -> None:
    op.create_table('hazard_categories',
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('phrases', sa.JSON(), nullable=False),
    sa.Column('suggested_grade', GRADE, nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_hazard_categories_mine_id_mines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_categories')),
    sa.UniqueConstraint('mine_id', 'code', name=op.f('uq_hazard_categories_mine_id'))
    )
    op.create_index('ix_hazard_categories_mine', 'hazard_categories', ['mine_id', 'position'], unique=False)
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('observed_at', backend.database.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_hazards_category_id_hazard_categories'), 'hazard_categories',
                                    ['category_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_hazards_category_id_hazard_categories'), type_='foreignkey')
        batch_op.drop_column('observed_at')
        batch_op.drop_column('category_id')
    op.drop_index('ix_hazard_categories_mine', table_name='hazard_categories')
    op.drop_table('hazard_categories')
