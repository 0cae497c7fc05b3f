"""Item work that logs each start and end to a file, so peak in-flight, attempts and start order
can be read back whichever process ran the item (the local executor or a Ray worker)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from planflow.runtime.errors import NodeFailure


class LoggedWork:
    def __init__(
        self,
        log: Path,
        delay: float | Callable[[Any], float] = 0.01,
        fail: set[Any] | frozenset[Any] = frozenset(),
        flaky: dict[Any, int] | None = None,
    ) -> None:
        self.log, self.delay, self.fail, self.flaky = str(log), delay, set(fail), dict(flaky or {})

    def _write(self, event: str, item: Any) -> None:
        # one short O_APPEND write per event: the kernel orders them, so the file is a timeline
        line = json.dumps([event, item, asyncio.get_running_loop().time()]) + "\n"
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def attempts_so_far(self, item: Any) -> int:
        return sum(1 for event, logged, _ in read(Path(self.log)) if event == "start" and logged == item)

    async def __call__(self, item: Any, ctx: Any = None) -> dict[str, Any]:
        attempt = self.attempts_so_far(item) + 1
        self._write("start", item)
        try:
            await asyncio.sleep(self.delay(item) if callable(self.delay) else self.delay)
            if item in self.fail:
                raise NodeFailure(f"item {item} is bad")
            if attempt <= self.flaky.get(item, 0):
                raise NodeFailure(f"item {item} flaked")
        except asyncio.CancelledError:
            self._write("cancelled", item)
            raise
        finally:
            self._write("end", item)
        return {"value": item * 10}


def read(log: Path) -> list[tuple[str, Any, float]]:
    if not log.exists():
        return []
    return [tuple(json.loads(line)) for line in log.read_text().splitlines()]  # type: ignore[misc]


def started(log: Path) -> list[Any]:
    return [item for event, item, _ in read(log) if event == "start"]


def cancelled(log: Path) -> list[Any]:
    return [item for event, item, _ in read(log) if event == "cancelled"]


def attempts(log: Path) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for item in started(log):
        counts[item] = counts.get(item, 0) + 1
    return counts


def peak_in_flight(log: Path) -> int:
    running = peak = 0
    for event, _, _ in read(log):
        if event == "start":
            running += 1
            peak = max(peak, running)
        elif event == "end":
            running -= 1
    return peak


def start_times(log: Path, item: Any) -> list[float]:
    return [t for event, logged, t in read(log) if event == "start" and logged == item]
