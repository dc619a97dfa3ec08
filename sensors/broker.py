"""The embedded MQTT broker (amqtt) for the zero-configuration demo."""

from __future__ import annotations

import asyncio
import logging
import threading

logger = logging.getLogger(__name__)
EMBEDDED_PORT = 11883


class EmbeddedBroker:
    """amqtt in a background thread with its own event loop, listening on 127.0.0.1:port."""

    def __init__(self, port: int = EMBEDDED_PORT) -> None:
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="amqtt", daemon=True)
        self._broker = None

    def start(self) -> None:
        from amqtt.broker import Broker

        for noisy in ("transitions", "amqtt"):
            logging.getLogger(noisy).setLevel(logging.WARNING)

        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
        self._thread.start()

        async def boot() -> None:
            self._broker = Broker(config)
            await self._broker.start()

        asyncio.run_coroutine_threadsafe(boot(), self._loop).result(timeout=15)
        logger.info("embedded MQTT broker on 127.0.0.1:%s", self.port)

    def stop(self) -> None:
        if self._broker is not None:
            asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop).result(timeout=15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
