"""The batch wrapper: one node, many items, bounded, retried per item, results in input order.

What PocketFlow's batch nodes lack and this adds: a real concurrency limit, retry state that
lives in each item's own call (no shared instance attribute), per-item errors that are kept,
and partial results that survive a fail_fast stop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from planflow.ir.models import BatchSpec
from planflow.runtime.errors import NodeFailure, RunFailed
from planflow.runtime.executor import ItemExecutor
from planflow.runtime.progress import Progress

MAX_BACKOFF_SECONDS = 60.0


async def with_retries(call: Callable[[], Awaitable[Any]], attempts: int, wait: float) -> Any:
    """Up to `attempts` tries; waits `wait`, then twice that, and so on (capped), between them."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except Exception as exc:
            if attempt == attempts or (isinstance(exc, NodeFailure) and not exc.retryable):
                raise
            if wait > 0:
                await asyncio.sleep(min(wait * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS))
    raise AssertionError("unreachable")


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


async def run_batch(
    node_id: str,
    items: list[Any],
    spec: BatchSpec,
    run_item: Callable[[Any], Awaitable[dict[str, Any]]],
    executor: ItemExecutor,
    progress: Progress,
    state: BatchState | None = None,
) -> dict[str, Any]:
    state = state or BatchState(items)
    limit = spec.max_concurrent if spec.parallel else 1
    fail_fast = spec.error_handling == "fail_fast"
    progress.batch_started(node_id, len(items))

    def work(index: int) -> Awaitable[Any]:
        item = items[index]
        return with_retries(lambda: run_item(item), spec.max_retries, spec.retry_wait)

    def on_done(index: int, value: Any, error: BaseException | None) -> bool:
        if error is None:
            state.results[index] = {**value, "item": items[index]}
            state.succeeded += 1
            progress.item_finished(node_id, True)
            return True
        state.errors.append({"index": index, "item": items[index], "error": describe(error)})
        progress.item_finished(node_id, False)
        return not fail_fast

    await executor.map(work, len(items), limit, on_done)
    output = state.output()
    if fail_fast and state.errors:
        first = state.errors[0]
        raise RunFailed(
            node_id,
            f"item {first['index']} ({_short(first['item'])}) failed: {first['error']}; "
            f"{state.succeeded} of {len(items)} items had finished",
            output,
        )
    return output


def _short(item: Any, limit: int = 60) -> str:
    text = item if isinstance(item, str) else repr(item)
    return text if len(text) <= limit else text[: limit - 1] + "…"
