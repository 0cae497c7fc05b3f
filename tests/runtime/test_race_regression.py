"""Retries under concurrency: our batch wrapper keeps each item's retry state to itself.

Upstream, for the record (PocketFlow 0.0.3, checked when planflow adopted it): `Node._exec`
keeps its retry counter on the node instance (`self.cur_retry`), which every item of a
parallel batch shares. When item A is on its last attempt and item B starts, B resets the
counter; A's failure is then not judged final, its loop ends, and A's error vanishes (its result
is None). planflow never relies on that loop: its PocketFlow nodes run with `max_retries=1` and
retries happen per item in `planflow.runtime.batch` (`with_retries` counts in its own locals).
These tests hold our wrapper to what it promises, in that same interleaving and in a crowd.
"""

from __future__ import annotations

import asyncio

from planflow.ir import BatchSpec
from planflow.runtime.batch import run_batch
from planflow.runtime.context import NodeContext, RunContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.executor import LocalExecutor
from planflow.runtime.progress import NullProgress


def spec(**fields):
    return BatchSpec.model_validate({"items": [], "parallel": True, "error_handling": "continue", **fields})


def test_an_item_starting_during_anothers_last_attempt_does_not_swallow_its_error():
    """The upstream interleaving: B starts exactly while A's last attempt runs."""

    async def scenario():
        b_started = asyncio.Event()
        a_on_last_attempt = asyncio.Event()
        attempts = {"A": 0, "B": 0}

        async def run_item(item, ctx):
            attempts[item] += 1
            if item == "A":
                if attempts["A"] == 3:
                    a_on_last_attempt.set()
                    await asyncio.wait_for(b_started.wait(), 5)
                raise NodeFailure("A failed")
            await asyncio.wait_for(a_on_last_attempt.wait(), 5)
            b_started.set()
            return {"ok": True}

        ctx = NodeContext(RunContext(), "n", 2)
        out = await run_batch(
            "n", ["A", "B"], spec(max_concurrent=2, max_retries=3), run_item, ctx, LocalExecutor(), NullProgress()
        )
        return out, attempts

    out, attempts = asyncio.run(scenario())
    assert attempts == {"A": 3, "B": 1}
    assert out["errors"] == [{"index": 0, "item": "A", "error": "A failed"}]
    assert out["results"] == [None, {"ok": True, "item": "B"}]
    assert (out["success_count"], out["error_count"]) == (1, 1)


def test_many_items_retrying_at_once_each_get_their_attempts_their_error_and_their_place():
    """Odd items always fail, even ones succeed on their second try; at most 3 in flight."""

    async def scenario():
        attempts = dict.fromkeys(range(12), 0)
        in_flight = {"now": 0, "peak": 0}

        async def run_item(item, ctx):
            attempts[item] += 1
            in_flight["now"] += 1
            in_flight["peak"] = max(in_flight["peak"], in_flight["now"])
            try:
                await asyncio.sleep(0.001 * (item % 4))  # interleave the items' attempts
                if item % 2 or attempts[item] == 1:
                    raise NodeFailure(f"{item} failed on attempt {attempts[item]}")
                return {"value": item * 10}
            finally:
                in_flight["now"] -= 1

        ctx = NodeContext(RunContext(), "n", 3)
        out = await run_batch(
            "n", list(range(12)), spec(max_concurrent=3, max_retries=4), run_item, ctx, LocalExecutor(), NullProgress()
        )
        return out, attempts, in_flight["peak"]

    out, attempts, peak = asyncio.run(scenario())
    assert attempts == {i: 4 if i % 2 else 2 for i in range(12)}
    assert peak <= 3
    assert out["results"] == [None if i % 2 else {"value": i * 10, "item": i} for i in range(12)]
    assert out["errors"] == [{"index": i, "item": i, "error": f"{i} failed on attempt 4"} for i in range(1, 12, 2)]
