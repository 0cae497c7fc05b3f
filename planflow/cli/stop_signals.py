"""SIGTERM and SIGHUP end a run the way Ctrl-C does.

asyncio.run turns the first Ctrl-C into a cancellation of the main task, which every layer
below handles (process groups killed and reaped, partial results kept, executors closed). A
stop signal takes the same path: its handler cancels the main task, and remembers which signal
came so the CLI can name it and exit with 128 + its number, as shells report it.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Coroutine
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class StopSignals:
    """Installed for the length of a run (main thread only: Python allows handlers nowhere else)."""

    def __init__(self, on_signal: Callable[[signal.Signals], None] | None = None) -> None:
        self.received: signal.Signals | None = None
        self._on_signal = on_signal
        self._previous: dict[int, Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    async def guard(self, work: Coroutine[Any, Any, T]) -> T:
        """Await `work` as the task a stop signal cancels."""
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        try:
            if self.received is not None:  # came while the loop was starting
                work.close()
                raise asyncio.CancelledError
            return await work
        finally:
            self._task = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        # Runs between two bytecodes of the main thread, maybe inside the loop: only schedule.
        if self.received is not None:
            return  # one stop is enough; the run is already ending
        self.received = signal.Signals(signum)
        if self._on_signal is not None:
            self._on_signal(self.received)
        if self._task is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._task.cancel)
