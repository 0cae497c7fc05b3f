"""Where batch items run: one small interface, with a local asyncio implementation.

The batch wrapper describes the work (`BatchJob`) and hands over a callback; the executor keeps
at most `limit` items in flight and reports each item as it finishes. An item's work is split in
two so that a distributed executor can ship it: `prepare` resolves the item's arguments where the
run's outputs live (the driver), `call` does the node's work and may run anywhere, so it must be
picklable (a module-level function, as every registered node type is).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from planflow.runtime.errors import NodeFailure, RunStop

if TYPE_CHECKING:  # at run time the context module imports this one, not the other way
    from planflow.runtime.context import NodeContext

MAX_BACKOFF_SECONDS = 60.0

# Called once per finished item with (index, value, error); returning False stops the batch:
# no new items start and those in flight are cancelled.
OnDone = Callable[[int, Any, BaseException | None], bool]
# One item's work: the prepared arguments and the context of wherever it runs -> the node's output.
ItemCall = Callable[[Any, "NodeContext"], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class BatchJob:
    """One batch node's items and what to do with each."""

    items: Sequence[Any]
    call: ItemCall
    context: NodeContext  # the context for running here; remote executors rebuild one from it
    prepare: Callable[[Any], Any]  # item -> arguments; raises for an item that cannot run
    attempts: int = 1
    retry_wait: float = 0.0
    fail_fast: bool = True
    io_bound: bool = True  # many items at once per worker; CPU-bound work runs one per CPU

    async def run_here(self, index: int) -> dict[str, Any]:
        args = self.prepare(self.items[index])
        return await with_retries(lambda: self.call(args, self.context), self.attempts, self.retry_wait)


class ItemExecutor(Protocol):
    async def map(self, job: BatchJob, limit: int, on_done: OnDone) -> None: ...

    def close(self) -> None:
        """Release what the executor holds (workers, a cluster it started); its creator calls it."""


async def with_retries(call: Callable[[], Awaitable[Any]], attempts: int, wait: float) -> Any:
    """Up to `attempts` tries; waits `wait`, then twice that, and so on (capped), between them.
    The attempt count lives in this call's locals: one item's retries never touch another's."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except Exception as exc:
            if attempt == attempts or isinstance(exc, RunStop) or (isinstance(exc, NodeFailure) and not exc.retryable):
                raise
            if wait > 0:
                await asyncio.sleep(min(wait * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
    raise AssertionError("unreachable")


class LocalExecutor:
    """`limit` worker coroutines pull item indexes in order: exactly `limit` in flight while
    work waits, O(limit) memory whatever the batch size, and no thread per item."""

    async def map(self, job: BatchJob, limit: int, on_done: OnDone) -> None:
        count = len(job.items)
        if count == 0:
            return
        if limit <= 1:
            for index in range(count):
                if not await _finish(job, index, on_done):
                    return
            return
        state = {"next": 0, "stopped": False}
        workers: list[asyncio.Task[None]] = []

        async def worker() -> None:
            while not state["stopped"] and state["next"] < count:
                index = state["next"]
                state["next"] += 1
                if not await _finish(job, index, on_done):
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

    def close(self) -> None:
        pass


async def _finish(job: BatchJob, index: int, on_done: OnDone) -> bool:
    try:
        value = await job.run_here(index)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return on_done(index, None, exc)
    return on_done(index, value, None)
