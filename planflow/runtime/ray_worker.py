"""The worker side of the Ray executor: an async actor that runs chunks of a batch's items.

It reaches the workers through Ray's `runtime_env` (py_modules), so a cluster needs only Ray
installed. Retries run here with the same `with_retries` the local executor uses; a stop signal
from the driver (fail_fast, Ctrl-C) keeps items from starting and cancels those running, and a
chunk still returns what it finished, so finished results are never lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planflow.runtime.batch import describe
from planflow.runtime.context import NodeContext, RunContext
from planflow.runtime.executor import ItemCall, with_retries
from planflow.runtime.models import ModelCache
from planflow.runtime.paths import PathPolicy

# One item's outcome: (index, True, output) or (index, False, error text). Items that a stop
# kept from running or cut short have no outcome.
Outcome = tuple[int, bool, Any]


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs to run one batch's items: plain data and a picklable call."""

    batch_id: str
    node_id: str
    concurrency: int
    cwd: str
    default_model: str | None
    url_policy: Callable[[str], str | None] | None
    call: ItemCall
    attempts: int
    retry_wait: float
    fail_fast: bool
    paths: PathPolicy  # checked by the file nodes, on the worker's own file system


class ItemWorker:
    """An async actor. I/O-bound batches run a whole chunk at once; a CPU-bound worker holds one
    CPU and runs one item at a time, whatever it has been sent."""

    def __init__(self, cpu_slots: int | None = None) -> None:
        # FIFO, so a CPU-bound worker runs its items one at a time in the order they came
        self._slots = asyncio.Semaphore(cpu_slots) if cpu_slots else None
        self._contexts: dict[str, NodeContext] = {}
        self._stopped: set[str] = set()
        self._running: dict[str, set[asyncio.Task[None]]] = {}

    async def node(self) -> str:
        return _node_id()

    async def run_chunk(self, setup: WorkerSetup, chunk: list[tuple[int, Any]]) -> tuple[str, list[Outcome]]:
        ctx = self._context(setup)
        outcomes: list[Outcome] = []
        tasks = self._running.setdefault(setup.batch_id, set())

        async def one(index: int, args: Any) -> None:
            if self._slots is not None:
                async with self._slots:
                    await attempt(index, args)
            else:
                await attempt(index, args)

        async def attempt(index: int, args: Any) -> None:
            if setup.batch_id in self._stopped:
                return
            try:
                value = await with_retries(lambda: setup.call(args, ctx), setup.attempts, setup.retry_wait)
            except Exception as exc:
                outcomes.append((index, False, describe(exc)))
                if setup.fail_fast:
                    self._stop(setup.batch_id)
                return
            outcomes.append((index, True, value))

        started = [asyncio.create_task(one(index, args)) for index, args in chunk]
        tasks.update(started)
        await asyncio.gather(*started, return_exceptions=True)  # a stop cancels some: not an error
        tasks.difference_update(started)
        return _node_id(), outcomes

    async def stop(self, batch_id: str) -> None:
        """Returns once the cancelled items have ended, so a caller about to kill this worker
        knows their shell processes are gone (they run in sessions of their own and would
        outlive the worker)."""
        await asyncio.gather(*self._stop(batch_id), return_exceptions=True)

    def _stop(self, batch_id: str) -> list[asyncio.Task[None]]:
        """Start nothing more of this batch and cancel what runs (a shell item's process group
        is killed by the shell node's own cancellation handling)."""
        self._stopped.add(batch_id)
        running = list(self._running.get(batch_id, ()))
        for task in running:
            task.cancel()
        return running

    async def finish(self, batch_id: str) -> None:
        """The batch is over: release its context (HTTP session, thread pools)."""
        self._stopped.discard(batch_id)
        self._running.pop(batch_id, None)
        ctx = self._contexts.pop(batch_id, None)
        if ctx is not None:
            await ctx.run.aclose()

    def _context(self, setup: WorkerSetup) -> NodeContext:
        if setup.batch_id not in self._contexts:
            run = RunContext(cwd=Path(setup.cwd), models=ModelCache(setup.default_model), url_policy=setup.url_policy)
            self._contexts[setup.batch_id] = NodeContext(run, setup.node_id, setup.concurrency, setup.paths)
        return self._contexts[setup.batch_id]


def _node_id() -> str:
    import ray

    return str(ray.get_runtime_context().get_node_id())
