"""Running blocking work off the UI thread and handing results back to it.

`KivyRunner` uses a small thread pool and delivers callbacks through `@mainthread`;
`InlineRunner` runs everything in the calling thread (plain unit tests of controllers).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Runner(Protocol):
    def submit(self, work: Callable[[], T], on_done: Callable[[T], None],
               on_error: Callable[[Exception], None]) -> None: ...

    def ui(self, callback: Callable[[], None]) -> None:
        """Run `callback` on the UI thread."""


class InlineRunner:
    """Runs the work and its callbacks at once, in the calling thread."""

    def submit(self, work: Callable[[], T], on_done: Callable[[T], None],
               on_error: Callable[[Exception], None]) -> None:
        try:
            result = work()
        except Exception as error:
            on_error(error)
            return
        on_done(result)

    def ui(self, callback: Callable[[], None]) -> None:
        callback()


class KivyRunner:
    """Work on a thread pool; `on_done` / `on_error` on the Kivy main thread."""

    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="net")
        self.pending = 0

    def submit(self, work: Callable[[], T], on_done: Callable[[T], None],
               on_error: Callable[[Exception], None]) -> None:
        from kivy.clock import mainthread

        @mainthread
        def deliver(ok: bool, value: Any) -> None:
            self.pending -= 1
            if ok:
                on_done(value)
            else:
                on_error(value)

        def job() -> None:
            try:
                value = work()
            except Exception as error:
                deliver(False, error)
                return
            deliver(True, value)

        self.pending += 1
        self._pool.submit(job)

    def ui(self, callback: Callable[[], None]) -> None:
        from kivy.clock import mainthread

        mainthread(callback)()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
