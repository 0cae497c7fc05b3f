"""Deep workflows compile: depths are computed without recursion."""

from __future__ import annotations

from planflow.ir import Workflow
from planflow.runtime.engine import _depths


def test_a_long_chain_written_backwards_gets_its_depths():
    n = 5_000
    nodes = [{"id": f"n{i}", "type": "shell", "params": {"command": "true"}} for i in range(n)]
    edges = [{"from": f"n{i + 1}", "to": f"n{i}"} for i in range(n - 1)]
    workflow = Workflow.model_validate({"ir_version": "0.1.0", "nodes": nodes, "edges": edges})
    depth = _depths(workflow)
    assert depth["n4999"] == 0 and depth["n0"] == n - 1


def test_fan_in_takes_the_longest_path():
    nodes = [{"id": i, "type": "shell", "params": {"command": "true"}} for i in "abcd"]
    edges = [{"from": a, "to": b} for a, b in ("ab", "bc", "ac", "cd")]
    workflow = Workflow.model_validate({"ir_version": "0.1.0", "nodes": nodes, "edges": edges})
    assert _depths(workflow) == {"a": 0, "b": 1, "c": 2, "d": 3}
