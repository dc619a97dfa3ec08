"""The long-lived resources of one backend process: engine, sessions, object store, event bus."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import backend.database.models  # noqa: F401  (every mapper, whichever command uses the platform: foreign keys resolve)
from backend.config import Settings
from backend.database.session import create_engine, create_session_factory
from backend.events.bus import EventBus, create_event_bus
from backend.events.outbox import EventPublisher
from backend.storage.base import ObjectStore
from backend.storage.factory import create_object_store


@dataclass
class Platform:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    store: ObjectStore
    bus: EventBus
    publisher: EventPublisher = field(init=False)

    def __post_init__(self) -> None:
        self.publisher = EventPublisher(self.bus, self.session_factory)

    @classmethod
    def from_settings(cls, settings: Settings) -> Platform:
        engine = create_engine(settings.database_url, pool_size=settings.database_pool_size,
                               max_overflow=settings.database_max_overflow,
                               pool_timeout=settings.database_pool_timeout_seconds)
        return cls(
            settings=settings,
            engine=engine,
            session_factory=create_session_factory(engine),
            store=create_object_store(settings),
            bus=create_event_bus(settings),
        )

    async def close(self) -> None:
        await self.publisher.stop()
        await self.bus.close()
        await self.store.close()
        await self.engine.dispose()
