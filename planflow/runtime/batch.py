"""The batch wrapper: one node, many items, bounded, retried per item, results in input order.

What PocketFlow's batch nodes lack and this adds: a real concurrency limit, retry state that
lives in each item's own call (no shared instance attribute), per-item errors that are kept,
and partial results that survive a fail_fast stop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planflow.ir.models import BatchSpec
from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure, RunFailed, RunStop
from planflow.runtime.executor import BatchJob, ItemCall, ItemExecutor, with_retries
from planflow.runtime.progress import Progress

__all__ = ["BatchState", "ItemRecord", "describe", "run_batch", "with_retries"]


def describe(exc: BaseException) -> str:
    """An item's error as a person reads it: our own failures by message, bugs by type too."""
    if isinstance(exc, NodeFailure):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class BatchState:
    """Results as they arrive; readable mid-run so an interrupt can say how far it got."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.results: list[Any] = [None] * len(items)
        self.errors: list[dict[str, Any]] = []
        self.succeeded = 0

    @property
    def finished(self) -> int:
        return self.succeeded + len(self.errors)

    def output(self) -> dict[str, Any]:
        return {
            "results": self.results,
            "count": len(self.items),
            "success_count": self.succeeded,
            "error_count": len(self.errors),
            "errors": sorted(self.errors, key=lambda e: e["index"]),
        }


# Told of each item that finished here (not of reused ones): index, item, output or None, error or None.
ItemRecord = Callable[[int, Any, Any, str | None], None]


async def run_batch(
    node_id: str,
    items: list[Any],
    spec: BatchSpec,
    call: ItemCall,
    context: NodeContext,
    executor: ItemExecutor,
    progress: Progress,
    state: BatchState | None = None,
    prepare: Callable[[Any], Any] | None = None,
    io_bound: bool = True,
    finished: dict[int, Any] | None = None,
    record: ItemRecord | None = None,
) -> dict[str, Any]:
    """Run `call` over `items` (each first turned into arguments by `prepare`, on this side).

    `finished`: results kept from an earlier attempt of the run (resume), by index; only the
    other items run. An item raising RunStop (a budget) is neither a result nor an error: the
    batch stops starting items, lets those in flight finish, and re-raises it."""
    state = state or BatchState(items)
    for index, result in (finished or {}).items():
        state.results[index] = result
        state.succeeded += 1
    pending = [i for i in range(len(items)) if state.results[i] is None]
    limit = spec.max_concurrent if spec.parallel else 1
    fail_fast = spec.error_handling == "fail_fast"
    progress.batch_started(node_id, len(items))
    for _ in range(state.succeeded):
        progress.item_finished(node_id, True)
    job = BatchJob(
        items=[items[i] for i in pending],
        call=call,
        context=context,
        prepare=prepare or _same,
        attempts=spec.max_retries,
        retry_wait=spec.retry_wait,
        fail_fast=fail_fast,
        io_bound=io_bound,
    )
    stopped: list[RunStop] = []

    def on_done(position: int, value: Any, error: BaseException | None) -> bool:
        index = pending[position]
        if isinstance(error, RunStop):
            if not stopped:
                stopped.append(error)
            return True  # the items still queued meet the same stop at once, without a call
        if error is None:
            state.results[index] = {**value, "item": items[index]}
            state.succeeded += 1
        else:
            state.errors.append({"index": index, "item": items[index], "error": describe(error)})
        progress.item_finished(node_id, error is None)
        if record is not None:
            record(index, items[index], state.results[index], None if error is None else describe(error))
        return error is None or not fail_fast

    await executor.map(job, limit, on_done)
    if stopped:
        raise stopped[0]
    output = state.output()
    if fail_fast and state.errors:
        first = state.errors[0]
        raise RunFailed(
            node_id,
            f"the item at index {first['index']} (value {_short(first['item'])}) failed: {first['error']}; "
            f"{state.succeeded} of {len(items)} items had finished",
            output,
        )
    return output


def _short(item: Any, limit: int = 60) -> str:
    text = item if isinstance(item, str) else repr(item)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same(item: Any) -> Any:
    return item
