"""PocketFlow keeps retry state on the one node instance all items share; ours keeps it per item.

The scenario: two items run at once, each with 3 attempts. Item A fails every attempt; just
before A's last attempt fails, item B starts its first attempt, which sets the shared
`cur_retry` back to 0. A then reads 0, does not take the "last attempt" branch, and its loop
simply ends: A's error vanishes and its result is None.
"""

from __future__ import annotations

import asyncio
import threading

from pocketflow import Node

from planflow.ir import BatchSpec
from planflow.runtime.batch import run_batch
from planflow.runtime.context import NodeContext, RunContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.executor import LocalExecutor
from planflow.runtime.progress import NullProgress


def test_pocketflow_shared_instance_loses_an_error():
    b_started = threading.Event()
    a_on_last_attempt = threading.Event()
    attempts = {"A": 0}

    class Flaky(Node):
        def exec(self, item):
            if item == "A":
                attempts["A"] += 1
                if attempts["A"] == 3:
                    a_on_last_attempt.set()
                    b_started.wait(5)  # B resets the shared cur_retry before A's failure is judged
                raise RuntimeError(f"{item} failed")
            b_started.set()
            return "B ok"

    node = Flaky(max_retries=3)
    results = {}
    a = threading.Thread(target=lambda: results.__setitem__("A", node._exec("A")))
    a.start()
    a_on_last_attempt.wait(5)
    b = threading.Thread(target=lambda: results.__setitem__("B", node._exec("B")))
    b.start()
    a.join(5)
    b.join(5)
    assert attempts["A"] == 3
    assert results == {"A": None, "B": "B ok"}  # A failed three times, yet no error surfaced


def test_our_batch_keeps_retry_state_per_item():
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
            await asyncio.wait_for(a_on_last_attempt.wait(), 5)  # B starts exactly as A's last try runs
            b_started.set()
            return {"ok": True}

        spec = BatchSpec.model_validate(
            {"items": [], "parallel": True, "max_concurrent": 2, "max_retries": 3, "error_handling": "continue"}
        )
        ctx = NodeContext(RunContext(), "n", 2)
        out = await run_batch("n", ["A", "B"], spec, run_item, ctx, LocalExecutor(), NullProgress())
        return out, attempts

    out, attempts = asyncio.run(scenario())
    assert attempts == {"A": 3, "B": 1}
    assert out["errors"] == [{"index": 0, "item": "A", "error": "A failed"}]
    assert out["results"][0] is None and out["results"][1] == {"ok": True, "item": "B"}
