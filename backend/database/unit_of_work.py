"""The unit of work for work outside a GraphQL request (sweeps, ingest tasks): commit, then publish.

Events are written to the outbox in the transaction (backend.events.publish_after_commit); once the commit
has succeeded they are handed to the publisher, which sends them at once (or the outbox sweep does later).
A GraphQL request does the same through its context's commit.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.events import take_pending_events
from backend.events.outbox import EventPublisher


async def commit_and_publish(session: AsyncSession, publisher: EventPublisher) -> None:
    """Commit, then hand what the transaction queued to the publisher."""
    await session.commit()
    publisher.submit(take_pending_events(session))
