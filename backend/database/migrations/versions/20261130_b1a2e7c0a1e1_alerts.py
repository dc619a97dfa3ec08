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
    pass


def downgrade() -> None:
    pass
