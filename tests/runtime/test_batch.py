"""Batch semantics: both modes x both error modes, retries, order, the concurrency limit."""

from __future__ import annotations

import asyncio
import random

import pytest

from planflow.ir import BatchSpec
from planflow.runtime.batch import run_batch
from planflow.runtime.errors import NodeFailure, RunFailed
from planflow.runtime.executor import LocalExecutor
from planflow.runtime.progress import NullProgress
from tests.runtime.helpers import run_doc, workflow


def spec(**fields):
    return BatchSpec.model_validate({"items": [], **fields})


def batch(items, item_fn, **fields):
    return asyncio.run(run_batch("n", items, spec(**fields), item_fn, LocalExecutor(), NullProgress()))


class Tracker:
    """Counts items in flight, their peak, and attempts per item."""

    def __init__(self, delay=0.01, fail=(), flaky=None):
        self.delay, self.fail, self.flaky = delay, set(fail), dict(flaky or {})
        self.in_flight = self.peak = 0
        self.attempts: dict = {}
        self.started: list = []

    async def __call__(self, item):
        self.attempts[item] = self.attempts.get(item, 0) + 1
        self.started.append(item)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delay if not callable(self.delay) else self.delay(item))
            if item in self.fail:
                raise NodeFailure(f"item {item} is bad")
            if self.attempts[item] <= self.flaky.get(item, 0):
                raise NodeFailure(f"item {item} flaked")
            return {"value": item * 10}
        finally:
            self.in_flight -= 1


@pytest.mark.parametrize("limit", [1, 3, 7, 25])
def test_parallel_peak_in_flight_equals_the_limit(limit):
    work = Tracker(delay=0.005)
    out = batch(list(range(60)), work, parallel=True, max_concurrent=limit)
    assert out["success_count"] == 60
    assert work.peak == limit


def test_sequential_runs_one_at_a_time_in_order():
    work = Tracker()
    out = batch(list(range(10)), work, max_concurrent=50)  # parallel false: the limit does not apply
    assert work.peak == 1 and work.started == list(range(10))
    assert [r["value"] for r in out["results"]] == [i * 10 for i in range(10)]


@pytest.mark.parametrize("parallel", [False, True])
def test_results_keep_input_order_and_carry_the_item(parallel):
    rng = random.Random(4)
    delays = {i: rng.random() / 50 for i in range(40)}
    out = batch(list(range(40)), Tracker(delay=delays.__getitem__), parallel=parallel, max_concurrent=8)
    assert [r["item"] for r in out["results"]] == list(range(40))
    assert [r["value"] for r in out["results"]] == [i * 10 for i in range(40)]
    assert (out["count"], out["success_count"], out["error_count"], out["errors"]) == (40, 40, 0, [])


@pytest.mark.parametrize("parallel", [False, True])
def test_continue_runs_everything_and_records_each_failure(parallel):
    out = batch(list(range(10)), Tracker(fail={2, 7}), parallel=parallel, error_handling="continue")
    assert out["results"][2] is None and out["results"][7] is None
    assert out["success_count"] == 8 and out["error_count"] == 2
    assert out["errors"] == [
        {"index": 2, "item": 2, "error": "item 2 is bad"},
        {"index": 7, "item": 7, "error": "item 7 is bad"},
    ]


def test_fail_fast_sequential_stops_at_the_first_error_and_keeps_finished_results():
    work = Tracker(fail={3})
    with pytest.raises(RunFailed) as info:
        batch(list(range(10)), work)
    assert work.started == [0, 1, 2, 3]
    partial = info.value.partial
    assert [r and r["item"] for r in partial["results"]] == [0, 1, 2, None, None, None, None, None, None, None]
    assert partial["errors"] == [{"index": 3, "item": 3, "error": "item 3 is bad"}]
    assert "item 3 (3) failed: item 3 is bad; 3 of 10 items had finished" in str(info.value)


def test_fail_fast_parallel_stops_starting_new_items():
    work = Tracker(delay=lambda i: 0.001 if i == 1 else 0.05, fail={1})
    with pytest.raises(RunFailed) as info:
        batch(list(range(100)), work, parallel=True, max_concurrent=4)
    assert len(work.started) < 10  # the first wave, not the whole batch
    assert info.value.partial["error_count"] == 1


def test_retries_are_counted_per_item():
    work = Tracker(flaky={1: 2, 4: 1})
    out = batch(list(range(6)), work, parallel=True, max_retries=3, error_handling="continue")
    assert out["success_count"] == 6
    assert work.attempts == {0: 1, 1: 3, 2: 1, 3: 1, 4: 2, 5: 1}


def test_retries_give_up_after_max_retries():
    work = Tracker(fail={0})
    out = batch([0, 1], work, max_retries=3, error_handling="continue")
    assert work.attempts[0] == 3 and out["error_count"] == 1


def test_retry_waits_with_backoff(monkeypatch):
    waits = []
    real_sleep = asyncio.sleep

    async def fake_sleep(seconds):
        if seconds:  # the patch is global: keep only the retry waits, not the items' own sleep(0)
            waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("planflow.runtime.batch.asyncio.sleep", fake_sleep)
    work = Tracker(delay=0, fail={0})
    batch([0], work, max_retries=4, retry_wait=0.5, error_handling="continue")
    assert waits == [0.5, 1.0, 2.0]


def test_template_failures_are_not_retried():
    doc = workflow(
        {
            "id": "a",
            "type": "shell",
            "params": {"command": "echo ${item.name}"},
            "batch": {"items": [{"name": "x"}, {"other": 1}], "max_retries": 5, "error_handling": "continue"},
        }
    )
    out = run_doc(doc).nodes["a"]
    assert out["results"][0]["stdout"] == "x\n"
    assert "cannot resolve ${item.name}: item has no field 'name'" in out["errors"][0]["error"]


def test_object_items_and_inline_arrays():
    doc = workflow(
        {
            "id": "a",
            "type": "shell",
            "params": {"command": "echo ${f.path}:${f.n}"},
            "batch": {"items": [{"path": "a.md", "n": 1}, {"path": "b.md", "n": 2}], "as": "f"},
        }
    )
    out = run_doc(doc).nodes["a"]
    assert [r["stdout"] for r in out["results"]] == ["a.md:1\n", "b.md:2\n"]
    assert out["results"][1]["item"] == {"path": "b.md", "n": 2}


def test_empty_batch():
    out = run_doc(workflow({"id": "a", "type": "shell", "params": {"command": "echo"}, "batch": {"items": []}}))
    assert out.nodes["a"] == {"results": [], "count": 0, "success_count": 0, "error_count": 0, "errors": []}


def test_items_that_resolve_to_a_non_list_fail_clearly(tmp_path):
    (tmp_path / "a.txt").write_text("not json")
    doc = workflow(
        {"id": "r", "type": "read_file", "params": {"path": "a.txt"}},
        {"id": "b", "type": "shell", "params": {"command": "echo"}, "batch": {"items": "${r.json}"}},
    )
    out = run_doc(doc, cwd=tmp_path)
    assert out.error == {"node": "b", "message": "batch.items must resolve to a list, got NoneType"}


def test_a_bug_in_an_item_is_recorded_with_its_type():
    async def buggy(item):
        return {"x": 1 / item}

    out = batch([1, 0], buggy, error_handling="continue")
    assert out["errors"][0]["error"] == "ZeroDivisionError: division by zero"
