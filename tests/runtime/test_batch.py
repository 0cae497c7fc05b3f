"""Batch semantics: both modes x both error modes, retries, order, the concurrency limit.

Every test that runs items takes the `executor` fixture, so the same assertions hold for the
local asyncio executor and for Ray. Item work logs to a file (`item_log.py`), which is how
in-flight counts and attempts are observed when items run in another process.
"""

from __future__ import annotations

import asyncio
import itertools
import random

import pytest

from planflow.ir import BatchSpec
from planflow.runtime.batch import run_batch
from planflow.runtime.context import NodeContext, RunContext
from planflow.runtime.errors import RunFailed
from planflow.runtime.executor import LocalExecutor
from planflow.runtime.progress import NullProgress
from tests.runtime import item_log
from tests.runtime.helpers import run_doc, workflow
from tests.runtime.item_log import LoggedWork


def spec(**fields):
    return BatchSpec.model_validate({"items": [], **fields})


def batch(items, call, executor=None, **fields):
    ctx = NodeContext(RunContext(), "n", fields.get("max_concurrent", 1))
    return asyncio.run(run_batch("n", items, spec(**fields), call, ctx, executor or LocalExecutor(), NullProgress()))


@pytest.fixture
def log(tmp_path):
    return tmp_path / "items.log"


@pytest.mark.parametrize("limit", [1, 3, 7, 25])
def test_parallel_peak_in_flight_equals_the_limit(limit, executor, log):
    # Ray hands items over in chunks a round trip apart: items long enough to overlap
    delay = 0.005 if isinstance(executor, LocalExecutor) else 0.1
    out = batch(list(range(60)), LoggedWork(log, delay=delay), executor, parallel=True, max_concurrent=limit)
    assert out["success_count"] == 60
    assert item_log.peak_in_flight(log) == limit


def test_sequential_runs_one_at_a_time_in_order(executor, log):
    out = batch(list(range(10)), LoggedWork(log), executor, max_concurrent=50)  # parallel false: no limit applies
    assert item_log.peak_in_flight(log) == 1 and item_log.started(log) == list(range(10))
    assert [r["value"] for r in out["results"]] == [i * 10 for i in range(10)]


@pytest.mark.parametrize("parallel", [False, True])
def test_results_keep_input_order_and_carry_the_item(parallel, executor, log):
    rng = random.Random(4)
    delays = {i: rng.random() / 50 for i in range(40)}
    work = LoggedWork(log, delay=delays.__getitem__)
    out = batch(list(range(40)), work, executor, parallel=parallel, max_concurrent=8)
    assert [r["item"] for r in out["results"]] == list(range(40))
    assert [r["value"] for r in out["results"]] == [i * 10 for i in range(40)]
    assert (out["count"], out["success_count"], out["error_count"], out["errors"]) == (40, 40, 0, [])


@pytest.mark.parametrize("parallel", [False, True])
def test_continue_runs_everything_and_records_each_failure(parallel, executor, log):
    work = LoggedWork(log, fail={2, 7})
    out = batch(list(range(10)), work, executor, parallel=parallel, error_handling="continue")
    assert out["results"][2] is None and out["results"][7] is None
    assert out["success_count"] == 8 and out["error_count"] == 2
    assert out["errors"] == [
        {"index": 2, "item": 2, "error": "item 2 is bad"},
        {"index": 7, "item": 7, "error": "item 7 is bad"},
    ]


def test_fail_fast_sequential_stops_at_the_first_error_and_keeps_finished_results(executor, log):
    with pytest.raises(RunFailed) as info:
        batch(list(range(10)), LoggedWork(log, fail={3}), executor)
    assert item_log.started(log) == [0, 1, 2, 3]
    partial = info.value.partial
    assert [r and r["item"] for r in partial["results"]] == [0, 1, 2, None, None, None, None, None, None, None]
    assert partial["errors"] == [{"index": 3, "item": 3, "error": "item 3 is bad"}]
    assert "the item at index 3 (value 3) failed: item 3 is bad; 3 of 10 items had finished" in str(info.value)


def test_fail_fast_parallel_stops_starting_new_items(executor, log):
    work = LoggedWork(log, delay=lambda i: 0.001 if i == 1 else 0.2, fail={1})
    with pytest.raises(RunFailed) as info:
        batch(list(range(100)), work, executor, parallel=True, max_concurrent=4)
    assert len(item_log.started(log)) < 10  # the first wave, not the whole batch
    assert info.value.partial["error_count"] == 1


def test_fail_fast_cancels_items_that_are_running(executor, log):
    # Items 0, 2 and 3 would run for a minute; item 1 fails at once and must cut them short.
    work = LoggedWork(log, delay=lambda i: 0.05 if i == 1 else 60, fail={1})
    with pytest.raises(RunFailed):
        batch(list(range(4)), work, executor, parallel=True, max_concurrent=4)
    assert sorted(item_log.cancelled(log)) == [0, 2, 3]


def test_retries_are_counted_per_item(executor, log):
    work = LoggedWork(log, flaky={1: 2, 4: 1})
    out = batch(list(range(6)), work, executor, parallel=True, max_retries=3, error_handling="continue")
    assert out["success_count"] == 6
    assert item_log.attempts(log) == {0: 1, 1: 3, 2: 1, 3: 1, 4: 2, 5: 1}


def test_retries_give_up_after_max_retries(executor, log):
    out = batch([0, 1], LoggedWork(log, fail={0}), executor, max_retries=3, error_handling="continue")
    assert item_log.attempts(log)[0] == 3 and out["error_count"] == 1


def test_retry_waits_with_backoff(monkeypatch):
    waits = []
    real_sleep = asyncio.sleep

    async def fake_sleep(seconds):
        if seconds:  # the patch is global: keep only the retry waits, not the items' own sleep(0)
            waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("planflow.runtime.executor.asyncio.sleep", fake_sleep)

    async def always_fails(item, ctx):
        raise RuntimeError("no")

    batch([0], always_fails, max_retries=4, retry_wait=0.5, error_handling="continue")
    assert waits == [0.5, 1.0, 2.0]


def test_retry_backoff_doubles_wherever_items_run(executor, log):
    # Sleeps never end early, so the gaps between attempts are at least the waits.
    work = LoggedWork(log, delay=0, fail={0})
    batch([0], work, executor, max_retries=4, retry_wait=0.05, error_handling="continue")
    times = item_log.start_times(log, 0)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) == 3
    assert all(gap >= wait for gap, wait in zip(gaps, [0.05, 0.1, 0.2], strict=True)), gaps


def test_template_failures_are_not_retried(executor):
    doc = workflow(
        {
            "id": "a",
            "type": "shell",
            "params": {"command": "echo ${item.name}"},
            "batch": {"items": [{"name": "x"}, {"other": 1}], "max_retries": 5, "error_handling": "continue"},
        }
    )
    out = run_doc(doc, executor=executor).nodes["a"]
    assert out["results"][0]["stdout"] == "x\n"
    assert "cannot resolve ${item.name}: item has no field 'name'" in out["errors"][0]["error"]


def test_object_items_and_inline_arrays(executor):
    doc = workflow(
        {
            "id": "a",
            "type": "shell",
            "params": {"command": "echo ${f.path}:${f.n}"},
            "batch": {"items": [{"path": "a.md", "n": 1}, {"path": "b.md", "n": 2}], "as": "f"},
        }
    )
    out = run_doc(doc, executor=executor).nodes["a"]
    assert [r["stdout"] for r in out["results"]] == ["a.md:1\n", "b.md:2\n"]
    assert out["results"][1]["item"] == {"path": "b.md", "n": 2}


def test_empty_batch(executor):
    doc = workflow({"id": "a", "type": "shell", "params": {"command": "echo"}, "batch": {"items": []}})
    out = run_doc(doc, executor=executor)
    assert out.nodes["a"] == {"results": [], "count": 0, "success_count": 0, "error_count": 0, "errors": []}


def test_items_that_resolve_to_a_non_list_fail_clearly(tmp_path):
    (tmp_path / "a.txt").write_text("not json")
    doc = workflow(
        {"id": "r", "type": "read_file", "params": {"path": "a.txt"}},
        {"id": "b", "type": "shell", "params": {"command": "echo"}, "batch": {"items": "${r.json}"}},
    )
    out = run_doc(doc, cwd=tmp_path)
    assert out.error == {
        "node": "b",
        "message": "batch.items: ${r.json} is null, not a list "
        "(r's output was not JSON; a batch needs a JSON array there)",
    }


async def _divide(item, ctx):
    return {"x": 1 / item}


def test_a_bug_in_an_item_is_recorded_with_its_type(executor):
    out = batch([1, 0], _divide, executor, error_handling="continue")
    assert out["errors"][0]["error"] == "ZeroDivisionError: division by zero"
