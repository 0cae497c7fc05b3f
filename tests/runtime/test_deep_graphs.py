"""The graph is scheduled, not staged: a node starts when its own parents are done, and a chain
of thousands of nodes runs without recursion."""

from __future__ import annotations

from planflow.ir import Workflow
from tests.runtime.helpers import run_doc


def test_a_long_chain_written_backwards_runs(tmp_path):
    (tmp_path / "x.txt").write_text("x")
    n = 5_000
    nodes = [{"id": f"n{i}", "type": "read_file", "params": {"path": "x.txt"}} for i in range(n)]
    edges = [{"from": f"n{i + 1}", "to": f"n{i}"} for i in range(n - 1)]
    doc = {"ir_version": "0.1.0", "nodes": nodes, "edges": edges, "outputs": {"last": {"source": "${n0.content}"}}}
    Workflow.model_validate(doc)
    out = run_doc(doc, cwd=tmp_path)
    assert out.status == "ok" and out.outputs == {"last": "x"} and len(out.nodes) == n


def test_a_branch_does_not_wait_for_a_node_it_does_not_depend_on(tmp_path):
    """start -> {slow, fast}, fast -> after_fast. `slow` finishes only once `after_fast` has
    run; staged by depth, after_fast would wait for slow and the run would fail at the timeout."""
    wait_for_after = "for i in $(seq 200); do [ -f after ] && exit 0; sleep 0.05; done; exit 9"
    doc = {
        "ir_version": "0.1.0",
        "nodes": [
            {"id": "start", "type": "shell", "params": {"command": "true"}},
            {"id": "slow", "type": "shell", "params": {"command": wait_for_after}},
            {"id": "fast", "type": "shell", "params": {"command": "true"}},
            {"id": "after_fast", "type": "shell", "params": {"command": "touch after"}},
        ],
        "edges": [
            {"from": "start", "to": "slow"},
            {"from": "start", "to": "fast"},
            {"from": "fast", "to": "after_fast"},
        ],
    }
    out = run_doc(doc, cwd=tmp_path)
    assert out.status == "ok", out.error


def test_fan_in_waits_for_every_parent(tmp_path):
    doc = {
        "ir_version": "0.1.0",
        "nodes": [
            {"id": "a", "type": "shell", "params": {"command": "sleep 0.2; echo a > a.txt"}},
            {"id": "b", "type": "shell", "params": {"command": "echo b > b.txt"}},
            {"id": "both", "type": "shell", "params": {"command": "cat a.txt b.txt"}},
        ],
        "edges": [{"from": "a", "to": "both"}, {"from": "b", "to": "both"}],
        "outputs": {"both": {"source": "${both.stdout}"}},
    }
    assert run_doc(doc, cwd=tmp_path).outputs == {"both": "a\nb\n"}


def test_a_failure_cancels_a_running_sibling(tmp_path):
    doc = {
        "ir_version": "0.1.0",
        "nodes": [
            {"id": "long", "type": "shell", "params": {"command": "sleep 30; touch finished"}},
            {"id": "bad", "type": "shell", "params": {"command": "exit 3"}},
        ],
        "edges": [],
    }
    out = run_doc(doc, cwd=tmp_path)
    assert out.status == "failed" and out.error["node"] == "bad"
    assert not (tmp_path / "finished").exists()
