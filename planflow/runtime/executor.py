"""Where batch items run: one small interface, with a local asyncio implementation.

The batch wrapper hands over item work and a callback; the executor keeps at most `limit` items
in flight and reports each item as it finishes. A distributed engine can implement the same
interface without the batch wrapper knowing where an item ran.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

# Called once per finished item with (index, value, error); returning False stops the batch:
# no new items start and those in flight are cancelled.
OnDone = Callable[[int, Any, BaseException | None], bool]
ItemWork = Callable[[int], Awaitable[Any]]


class ItemExecutor(Protocol):
    async def map(self, work: ItemWork, count: int, limit: int, on_done: OnDone) -> None: ...


class LocalExecutor:
    """`limit` worker coroutines pull item indexes in order: exactly `limit` in flight while
    work waits, O(limit) memory whatever the batch size, and no thread per item."""

    async def map(self, work: ItemWork, count: int, limit: int, on_done: OnDone) -> None:
        if count == 0:
            return
        if limit <= 1:
            for index in range(count):
                if not await _finish(work, index, on_done):
                    return
            return
        state = {"next": 0, "stopped": False}
        workers: list[asyncio.Task[None]] = []

        async def worker() -> None:
            while not state["stopped"] and state["next"] < count:
                index = state["next"]
                state["next"] += 1
                if not await _finish(work, index, on_done):
                    state["stopped"] = True
                    current = asyncio.current_task()
                    for task in workers:
                        if task is not current:
                            task.cancel()
                    return

        workers.extend(asyncio.create_task(worker()) for _ in range(min(limit, count)))
        try:
            await asyncio.gather(*workers)
        except asyncio.CancelledError:
            if not state["stopped"]:
                raise  # cancelled from outside (Ctrl-C), not by our own stop
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)


async def _finish(work: ItemWork, index: int, on_done: OnDone) -> bool:
    try:
        value = await work(index)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return on_done(index, None, exc)
    return on_done(index, value, None)
