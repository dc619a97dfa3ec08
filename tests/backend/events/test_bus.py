"""The event bus on every transport: in-process, real Redis and real NATS."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from backend.config import Settings
from backend.events.bus import SUBSCRIBER_QUEUE_SIZE, InProcessEventBus, create_event_bus


@pytest.mark.parametrize("transport", ["memory", "redis", "nats"])
async def test_every_subscriber_of_a_channel_gets_each_message_in_order(transport: str) -> None:
    bus = create_event_bus(Settings(event_bus=transport))
    channel = f"hazards.{uuid.uuid4()}"
    received: list[list[str]] = [[], []]
    ready = asyncio.Event()

    async def listen(index: int) -> None:
        subscription = bus.subscribe(channel)
        waiter = asyncio.ensure_future(subscription.__anext__())
        await asyncio.sleep(0.3)  # the subscription is registered on the server by now
        ready.set()
        received[index].append(await waiter)
        async for message in subscription:
            received[index].append(message)
            if len(received[index]) == 3:
                break
        await subscription.aclose()

    listeners = [asyncio.create_task(listen(i)) for i in range(2)]
    await ready.wait()
    await asyncio.sleep(0.1)
    await bus.publish(f"hazards.{uuid.uuid4()}", "other channel")
    for n in range(3):
        await bus.publish(channel, f"event {n}")
    await asyncio.wait_for(asyncio.gather(*listeners), timeout=10)
    assert received == [["event 0", "event 1", "event 2"]] * 2
    await bus.close()


async def test_a_slow_in_process_subscriber_drops_old_events_instead_of_blocking() -> None:
    bus = InProcessEventBus()
    subscription = bus.subscribe("c")
    first = asyncio.ensure_future(subscription.__anext__())
    await asyncio.sleep(0)
    for n in range(1500):
        await bus.publish("c", str(n))  # never waits for the subscriber
    received = [await first]
    while len(received) < SUBSCRIBER_QUEUE_SIZE:
        received.append(await asyncio.wait_for(subscription.__anext__(), 1))
    assert received[-1] == "1499"
    assert int(received[0]) > 0  # the oldest events were dropped
    await subscription.aclose()
