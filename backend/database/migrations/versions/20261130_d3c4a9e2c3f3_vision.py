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


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
