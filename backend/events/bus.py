"""EventBus implementations. Messages are pydantic models serialised to JSON strings.

Every call that talks to Redis or NATS is bounded (connect and ping timeouts); writers never call the bus
themselves: they queue events in the outbox (`publish_after_commit`) and backend/events/outbox.py publishes.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import NamedTuple

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings

logger = logging.getLogger(__name__)
PENDING_EVENTS_KEY = "minesafe.pending_events"
SUBSCRIBER_QUEUE_SIZE = 1000
CONNECT_TIMEOUT_SECONDS = 2.0


class PendingEvent(NamedTuple):
    """An event its transaction wrote to the outbox, to publish once that transaction has committed."""

    id: uuid.UUID
    channel: str
    message: str


class EventBus(abc.ABC):
    """Publish to a channel; every live subscriber of that channel gets the message."""

    @abc.abstractmethod
    async def publish(self, channel: str, message: str) -> None: ...

    @abc.abstractmethod
    def subscribe(self, channel: str) -> AsyncIterator[str]: ...

    async def ping(self) -> None:  # noqa: B027 - in-process: always there
        """Raise when the bus cannot be reached (callers bound it with a timeout)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


class InProcessEventBus(EventBus):
    """One process, many subscribers. A slow subscriber loses old messages, never blocks others."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[str]]] = defaultdict(set)

    async def publish(self, channel: str, message: str) -> None:
        for queue in list(self._queues.get(channel, ())):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
                logger.warning("subscriber on %s is slow; dropped its oldest event", channel)
            queue.put_nowait(message)

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        queue: asyncio.Queue[str] = asyncio.Queue(SUBSCRIBER_QUEUE_SIZE)
        self._queues[channel].add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues[channel].discard(queue)
            if not self._queues[channel]:
                del self._queues[channel]


class RedisEventBus(EventBus):
    """Redis pub/sub, for several backend replicas."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url, decode_responses=True, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                     health_check_interval=30)

    async def ping(self) -> None:
        await self._redis.ping()

    async def publish(self, channel: str, message: str) -> None:
        await self._redis.publish(channel, message)

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(channel)
        try:
            async for item in pubsub.listen():
                if item["type"] == "message":
                    yield item["data"]
        finally:
            await pubsub.unsubscribe(channel)
            await pubsub.aclose()

    async def close(self) -> None:
        await self._redis.aclose()


class NatsEventBus(EventBus):
    """NATS core pub/sub, for several backend replicas."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._client = None
        self._lock = asyncio.Lock()

    async def _connection(self):  # type: ignore[no-untyped-def]
        async with self._lock:
            if self._client is None:
                import nats

                self._client = await nats.connect(self._url, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                                  max_reconnect_attempts=-1, reconnect_time_wait=1)
            return self._client

    async def _connected(self):  # type: ignore[no-untyped-def]
        """The client, which must be connected now: while it reconnects NATS would only buffer in memory."""
        client = await self._connection()
        if not client.is_connected:
            raise ConnectionError("NATS is not connected (reconnecting)")
        return client

    async def ping(self) -> None:
        client = await self._connected()
        await client.flush(timeout=CONNECT_TIMEOUT_SECONDS)

    async def publish(self, channel: str, message: str) -> None:
        client = await self._connected()
        await client.publish(channel, message.encode())
        await client.flush(timeout=CONNECT_TIMEOUT_SECONDS)

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        client = await self._connection()
        subscription = await client.subscribe(channel)
        await client.flush()
        try:
            async for msg in subscription.messages:
                yield msg.data.decode()
        finally:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await asyncio.wait_for(client.drain() if client.is_connected else client.close(),
                                       CONNECT_TIMEOUT_SECONDS)
            except Exception as error:  # closing a client whose server is gone
                logger.info("NATS close: %s", error)
                with contextlib.suppress(Exception):
                    await client.close()


def create_event_bus(settings: Settings) -> EventBus:
    if settings.event_bus == "redis":
        return RedisEventBus(settings.redis_url)
    if settings.event_bus == "nats":
        return NatsEventBus(settings.nats_url)
    return InProcessEventBus()


def publish_after_commit(session: AsyncSession, channel: str, message: BaseModel) -> None:
    """Write an event to the outbox in the session's transaction; it is published once that has committed
    (at once, or later from the outbox when the bus is down), and never when it rolls back."""
    from backend.events.models import OutboxEvent

    event = PendingEvent(uuid.uuid4(), channel, message.model_dump_json())
    session.add(OutboxEvent(id=event.id, channel=channel, message=event.message))
    session.info.setdefault(PENDING_EVENTS_KEY, []).append(event)


def take_pending_events(session: AsyncSession) -> list[PendingEvent]:
    return session.info.pop(PENDING_EVENTS_KEY, [])
