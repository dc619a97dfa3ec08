"""Live events: a pub/sub EventBus (in-process, Redis or NATS) and publish-after-commit."""

from backend.events.bus import EventBus, create_event_bus, publish_after_commit, take_pending_events

__all__ = ["EventBus", "create_event_bus", "publish_after_commit", "take_pending_events"]
