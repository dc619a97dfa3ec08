"""Publishing after commit that never fails or blocks the write: the transactional outbox.

A change writes its events to `event_outbox` in its own transaction (`publish_after_commit`). After the commit
the request hands them to the process's EventPublisher and answers at once; the publisher puts them on the bus
in the background, each call bounded, and deletes what it delivered. What it could not deliver (the bus down or
hung, a crash between commit and publish) stays in the table: a drain claims it after a grace period and retries
until the bus is back. Delivery is at least once (a subscriber may, rarely, see an event twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.database.base import utcnow
from backend.events.bus import EventBus, PendingEvent
from backend.events.models import OutboxEvent

logger = logging.getLogger(__name__)
FORGET_BATCH = 500
FORGET_MAX_SECONDS = 1.0
FORGET_IDLE_SECONDS = 0.05


class EventPublisher:
    """One per process: the fast path for fresh events and the drain for what it missed."""

    def __init__(self, bus: EventBus, session_factory: async_sessionmaker[AsyncSession], *,
                 publish_timeout: float = 2.0, retry_seconds: float = 5.0, grace_seconds: float = 10.0,
                 batch: int = 200, queue_size: int = 10_000, sweep_seconds: float = 60.0) -> None:
        self.bus = bus
        self._sessions = session_factory
        self.publish_timeout = publish_timeout
        self.retry_seconds = retry_seconds
        self.grace = timedelta(seconds=grace_seconds)
        self.batch = batch
        self._queue: asyncio.Queue[PendingEvent] = asyncio.Queue(queue_size)
        self._task: asyncio.Task[None] | None = None
        self._down_until = 0.0  # monotonic: while the bus is known down, fresh events wait for the drain
        self.last_error: str | None = None
        self._stopping = False
        self._busy = False
        self.sweep_seconds = sweep_seconds
        self._retry_pending = False
        self._last_drain = 0.0
        self._delivered: list[uuid.UUID] = []  # published, not yet deleted
        self._last_forget = 0.0

    @property
    def bus_up(self) -> bool:
        return time.monotonic() >= self._down_until

    def submit(self, events: Sequence[PendingEvent]) -> None:
        """Committed events: published soon, never waited for (a full queue leaves them to the drain)."""
        if not events:
            return
        self.start()
        for event in events:
            try:
                self._queue.put_nowait(event)
            except asyncio.QueueFull:
                break

    def start(self) -> None:
        """Run the publisher in this event loop (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="event-publisher")

    async def stop(self, flush_seconds: float = 2.0) -> None:
        """Publish what is queued (bounded: the rest stays in the outbox for the next run), then end the task."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        try:
            await asyncio.wait_for(asyncio.shield(task), flush_seconds)
        except (TimeoutError, asyncio.CancelledError, Exception):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        finally:
            self._stopping = False

    async def settle(self, within: float = 5.0) -> None:
        """Wait (bounded) until what was submitted so far has been published and forgotten (tests, benchmarks)."""
        deadline = time.monotonic() + within
        while (not self._queue.empty() or self._busy or self._delivered) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.005)

    async def ping(self) -> bool:
        """Whether the bus answers within the publish timeout (readiness)."""
        try:
            await asyncio.wait_for(self.bus.ping(), self.publish_timeout)
        except Exception as error:
            self._mark_down(error)
            return False
        return True

    async def backlog(self) -> int:
        """Events committed but not yet known to be on the bus."""
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(OutboxEvent)) or 0)

    async def _run(self) -> None:
        next_drain = 0.0  # at start: deliver what an earlier run left
        while not (self._stopping and self._queue.empty()):
            if self._retry_pending:
                next_drain = min(next_drain, self._last_drain + self.retry_seconds)
            try:
                wait = 0 if self._stopping else (FORGET_IDLE_SECONDS if self._delivered else self.retry_seconds)
                async with asyncio.timeout(wait):
                    first = await self._queue.get()
                events = [first]
                while not self._queue.empty() and len(events) < self.batch:
                    events.append(self._queue.get_nowait())
                if self.bus_up:
                    self._busy = True
                    try:
                        self._delivered.extend(e.id for e in await self._publish(events))
                        await self._forget_delivered(idle=False)
                    finally:
                        self._busy = False
                else:  # known down: these wait in the outbox for the next drain
                    self._retry_pending = True
            except TimeoutError:
                try:
                    await self._forget_delivered(idle=True)
                except Exception as error:  # the rows stay; the drain delivers them again later (at least once)
                    logger.warning("event outbox: deleting delivered rows failed: %s: %s", type(error).__name__, error)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the publisher must outlive any one failure (a database outage included)
                logger.warning("event publisher: a round failed (%s: %s); the outbox keeps the events",
                               type(error).__name__, error)
            if time.monotonic() >= next_drain and not self._stopping:
                # after a failure, retry often; otherwise only look now and then (another replica's leftovers)
                self._retry_pending = False
                self._busy = True
                self._last_drain = time.monotonic()
                next_drain = self._last_drain + self.sweep_seconds
                try:
                    await self.drain_once()
                    if self._retry_pending or await self.backlog() > len(self._delivered):  # more: look again soon
                        self._retry_pending = True
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    logger.warning("event outbox drain failed: %s: %s", type(error).__name__, error)
                finally:
                    self._busy = False

        with contextlib.suppress(Exception):  # stopping: what is left is delivered again by the next run
            await self._forget_delivered(idle=True)

    async def _publish(self, events: Sequence[PendingEvent]) -> list[PendingEvent]:
        """Publish in order until one fails; the ones delivered."""
        delivered: list[PendingEvent] = []
        for event in events:
            try:
                await asyncio.wait_for(self.bus.publish(event.channel, event.message), self.publish_timeout)
            except Exception as error:
                self._mark_down(error)
                break
            delivered.append(event)
        if delivered and not self.bus_up:
            logger.info("event bus is back")
        if delivered:
            self._down_until = 0.0
        return delivered

    def _mark_down(self, error: BaseException) -> None:
        self._retry_pending = True
        if self.bus_up:
            logger.warning("event bus unreachable (%s: %s); events wait in the outbox", type(error).__name__,
                           error)
        self.last_error = f"{type(error).__name__}: {error}"
        self._down_until = time.monotonic() + self.retry_seconds

    async def _forget_delivered(self, *, idle: bool) -> None:
        """Delete delivered rows in batches (one write for many events: SQLite has one writer at a time), at the
        latest after FORGET_MAX_SECONDS and whenever the queue goes quiet; well inside the drain's grace period."""
        if not self._delivered or not (idle or self._stopping or len(self._delivered) >= FORGET_BATCH
                                       or time.monotonic() - self._last_forget >= FORGET_MAX_SECONDS):
            return
        ids, self._delivered = self._delivered, []
        self._last_forget = time.monotonic()
        busy, self._busy = self._busy, True
        try:
            async with self._sessions() as session:
                await session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids))
                                      .execution_options(synchronize_session=False))
                await session.commit()
        finally:
            self._busy = busy

    async def _forget(self, events: Sequence[PendingEvent]) -> None:
        if not events:
            return
        async with self._sessions() as session:
            await session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_([e.id for e in events]))
                                  .execution_options(synchronize_session=False))
            await session.commit()

    async def drain_once(self) -> int:
        """Claim events older than the grace period (or whose claim ran out), publish them, delete the delivered;
        the number delivered."""
        now = utcnow()
        async with self._sessions() as session:
            candidates = (await session.scalars(
                select(OutboxEvent.id).where(OutboxEvent.created_at < now - self.grace,
                                             or_(OutboxEvent.claimed_until.is_(None), OutboxEvent.claimed_until < now))
                .order_by(OutboxEvent.created_at).limit(self.batch))).all()
            if not candidates:
                return 0
            claimed = (await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(candidates),
                       or_(OutboxEvent.claimed_until.is_(None), OutboxEvent.claimed_until < now))
                .values(claimed_until=now + 4 * self.grace)
                .returning(OutboxEvent.id, OutboxEvent.channel, OutboxEvent.message, OutboxEvent.created_at)
                .execution_options(synchronize_session=False))).all()
            await session.commit()
        events = [PendingEvent(row.id, row.channel, row.message) for row in sorted(claimed, key=lambda r: r[3])]
        delivered = await self._publish(events)
        await self._forget(delivered)
        if len(delivered) < len(events):  # let the next drain (here or on another replica) retry them soon
            async with self._sessions() as session:
                await session.execute(update(OutboxEvent).where(
                    OutboxEvent.id.in_([e.id for e in events[len(delivered):]])).values(claimed_until=None)
                    .execution_options(synchronize_session=False))
                await session.commit()
        if delivered:
            logger.info("event outbox: delivered %s late events", len(delivered))
        return len(delivered)
