"""audit entries chained inside COMMIT on PostgreSQL

Revision ID: 7c3e9a1f5b20
Revises: cb3909c0b0e3
Create Date: 2026-12-04 21:30:00

Writers insert a transaction's audit entries into audit_pending_entries, with the hashed text around
prev_hash and seq; a deferred constraint trigger chains each one when the transaction commits: the mine's
head row is locked inside the COMMIT only, not across the writer's round trips. The digest is the same
SHA-256 of the same text as `ChainLink.digest`, so `minesafe audit verify` checks the chain as before. SQLite
(one writer at a time for the whole database) keeps chaining in the writer (backend/audit/flows.py).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.database.base

revision: str = '7c3e9a1f5b20'
down_revision: str | Sequence[str] | None = 'cb3909c0b0e3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHAIN_FUNCTION = """
CREATE FUNCTION minesafe_chain_pending_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    next_seq integer;
    prev text;
    digest text;
BEGIN
    UPDATE audit_chain_heads SET seq = seq + 1 WHERE mine_id = NEW.mine_id RETURNING seq, hash INTO next_seq, prev;
    IF NOT FOUND THEN  -- the mine's first entry; a concurrent first entry must not create the head twice
        INSERT INTO audit_chain_heads (mine_id, seq, hash) VALUES (NEW.mine_id, 0, repeat('0', 64))
            ON CONFLICT (mine_id) DO NOTHING;
        UPDATE audit_chain_heads SET seq = seq + 1 WHERE mine_id = NEW.mine_id RETURNING seq, hash
            INTO next_seq, prev;
    END IF;
    digest := encode(sha256(convert_to(
        NEW.digest_head || prev || NEW.digest_middle || next_seq::text || NEW.digest_tail, 'UTF8')), 'hex');
    INSERT INTO audit_entries (id, mine_id, seq, at, actor_kind, actor_id, actor_name, actor_role, action,
                               subject_type, subject_id, before, after, reason, prev_hash, hash)
        VALUES (NEW.id, NEW.mine_id, next_seq, NEW.at, NEW.actor_kind, NEW.actor_id, NEW.actor_name,
                NEW.actor_role, NEW.action, NEW.subject_type, NEW.subject_id, NEW.before, NEW.after, NEW.reason,
                prev, digest);
    UPDATE audit_chain_heads SET hash = digest WHERE mine_id = NEW.mine_id;
    DELETE FROM audit_pending_entries WHERE id = NEW.id;
    RETURN NULL;
END
$$
"""
CHAIN_TRIGGER = """
CREATE CONSTRAINT TRIGGER audit_pending_entries_chain AFTER INSERT ON audit_pending_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION minesafe_chain_pending_audit()
"""


def upgrade() -> None:
    op.create_table('audit_pending_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('mine_id', sa.Uuid(), nullable=False),
    sa.Column('at', backend.database.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject_type', sa.String(length=64), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('digest_head', sa.Text(), nullable=False),
    sa.Column('digest_middle', sa.Text(), nullable=False),
    sa.Column('digest_tail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_pending_entries'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CHAIN_FUNCTION)
        op.execute(CHAIN_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_pending_entries_chain ON audit_pending_entries")
        op.execute("DROP FUNCTION minesafe_chain_pending_audit()")
    op.drop_table('audit_pending_entries')
