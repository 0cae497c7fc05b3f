"""The run journal on a real SQLite file: what a run records as it goes, what a resumed run
takes back, and that a reader sees a consistent file while a writer is busy."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from planflow.ir import validate_document
from planflow.runtime.context import RunContext
from planflow.runtime.engine import run_workflow
from planflow.runtime.errors import BudgetExceeded
from planflow.runtime.journal import Journal, digest
from planflow.runtime.recording import RunRecorder, node_definition_hash, nodes_using_inputs
from planflow.runtime.registry import default_registry
from tests.fakes import FakeAsyncModel, registered_models


def workflow_of(doc):
    result = validate_document(doc, default_registry().specs())
    assert result.valid, result.issues
    return result.workflow


def batch_doc(command: str, error_handling: str = "continue") -> dict:
    return {
        "ir_version": "0.1.0",
        "inputs": {"count": {"type": "integer", "default": 5}},
        "nodes": [
            {"id": "numbers", "type": "shell", "params": {"command": "seq 1 ${count}"}},
            {
                "id": "each",
                "type": "shell",
                "batch": {"items": "${numbers.lines}", "as": "n", "error_handling": error_handling},
                "params": {"command": command},
            },
        ],
        "edges": [{"from": "numbers", "to": "each"}],
        "outputs": {"ok": {"source": "${each.success_count}"}},
    }


def run_recorded(journal: Journal, doc: dict, cwd, run_id: str | None = None):
    workflow = workflow_of(doc)
    prior = journal.run(run_id) if run_id else None
    if run_id is None:
        run_id = journal.new_run("test", None, workflow.to_json_dict(), {}, {})
    recorder = RunRecorder(journal, run_id, workflow, prior=prior)
    if prior is not None:
        journal.reopen(run_id, workflow.to_json_dict())
    run = RunContext(cwd=cwd, recorder=recorder)
    result = asyncio.run(run_workflow(workflow, {}, run))
    recorder.finish(result.status, result.error)
    return run_id, result


# Each item appends its number to a log, so the test sees which items ran in each attempt;
# item 3 fails until a flag file exists.
LOGGING = 'echo ${n} >> ran.log; if [ ${n} = 3 ] && [ ! -f fixed ]; then exit 7; fi; echo "out-${n}"'


def test_resume_runs_only_the_failed_items_and_keeps_the_rest(tmp_path):
    journal = Journal(tmp_path / "runs.db")
    run_id, first = run_recorded(journal, batch_doc(LOGGING), tmp_path)
    assert first.status == "partial" and first.error["failed_items"] == 1
    assert sorted((tmp_path / "ran.log").read_text().split()) == ["1", "2", "3", "4", "5"]
    row = journal.run(run_id)
    assert (row.status, row.items_ok, row.items_failed) == ("partial", 4, 1)

    (tmp_path / "ran.log").unlink()
    (tmp_path / "fixed").touch()
    _, second = run_recorded(journal, batch_doc(LOGGING), tmp_path, run_id)
    assert second.status == "ok"
    assert (tmp_path / "ran.log").read_text().split() == ["3"]  # numbers and items 1, 2, 4, 5 reused
    results = second.nodes["each"]["results"]
    assert [r["stdout"].strip() for r in results] == [f"out-{n}" for n in range(1, 6)]
    assert [r["item"] for r in results] == ["1", "2", "3", "4", "5"]
    row = journal.run(run_id)
    assert (row.status, row.attempts, row.items_ok, row.items_failed) == ("ok", 2, 5, 0)


def test_a_node_written_differently_runs_again_with_everything_after_it(tmp_path):
    journal = Journal(tmp_path / "runs.db")
    run_id, _ = run_recorded(journal, batch_doc(LOGGING), tmp_path)
    (tmp_path / "ran.log").unlink()
    (tmp_path / "fixed").touch()
    changed = batch_doc(LOGGING)
    changed["nodes"][0]["params"]["command"] = "seq 2 ${count}"  # upstream changed: items shift
    _, second = run_recorded(journal, changed, tmp_path, run_id)
    assert second.status == "ok"
    assert sorted((tmp_path / "ran.log").read_text().split()) == ["2", "3", "4", "5"]


def test_an_item_at_the_same_index_but_different_is_not_reused(tmp_path):
    journal = Journal(tmp_path / "runs.db")
    workflow = workflow_of(batch_doc(LOGGING))
    run_id = journal.new_run("test", None, workflow.to_json_dict(), {}, {})
    numbers = workflow.nodes[0]
    journal.node_finished(run_id, "numbers", node_definition_hash(numbers), {"lines": ["1", "2"]}, 0.0)
    journal.item_finished(run_id, "each", 0, digest("1"), {"stdout": "kept"}, None, None)
    journal.item_finished(run_id, "each", 1, digest("something else"), {"stdout": "stale"}, None, None)
    recorder = RunRecorder(journal, run_id, workflow, prior=journal.run(run_id))
    assert recorder.reusable_items("each", ["1", "2"]) == {0: {"stdout": "kept"}}


def test_a_fail_fast_stop_keeps_finished_items_for_the_resume(tmp_path):
    journal = Journal(tmp_path / "runs.db")
    doc = batch_doc(LOGGING, error_handling="fail_fast")
    run_id, first = run_recorded(journal, doc, tmp_path)
    assert first.status == "failed"
    assert sorted(journal.finished_items(run_id, "each")) == [0, 1]  # items 1 and 2 (sequential)
    (tmp_path / "ran.log").unlink()
    (tmp_path / "fixed").touch()
    _, second = run_recorded(journal, doc, tmp_path, run_id)
    assert second.status == "ok"
    assert (tmp_path / "ran.log").read_text().split() == ["3", "4", "5"]


def test_changed_inputs_mark_the_nodes_that_use_them():
    workflow = workflow_of(batch_doc(LOGGING))
    assert nodes_using_inputs(workflow, {"count"}) == {"numbers"}
    assert nodes_using_inputs(workflow, {"other"}) == set()


def test_a_reader_sees_committed_items_while_a_writer_holds_the_file(tmp_path):
    path = tmp_path / "runs.db"
    writer = Journal(path)
    run_id = writer.new_run("w", None, {"nodes": []}, {}, {})
    writer.item_finished(run_id, "n", 0, digest(0), {"x": 1}, None, None)
    reader = Journal(path)
    assert reader.run(run_id).items_ok == 1
    assert reader._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


class BudgetedModel(FakeAsyncModel):
    """Stands in for the run's llm gate: refuses the call past `allowed` as the gate does."""

    model_id = "fake-budgeted"

    def __init__(self, allowed: int) -> None:
        super().__init__()
        self.allowed = allowed

    async def execute(self, prompt, stream, response, conversation):  # type: ignore[override]
        if len(self.calls) >= self.allowed:
            raise BudgetExceeded(f"--max-llm-calls {self.allowed} reached after {len(self.calls)} calls")
        async for chunk in super().execute(prompt, stream, response, conversation):
            yield chunk


def llm_batch_doc(error_handling: str) -> dict:
    return {
        "ir_version": "0.1.0",
        "nodes": [
            {
                "id": "ask",
                "type": "llm",
                "params": {"prompt": "item ${item}", "model": "fake-budgeted"},
                "batch": {
                    "items": list(range(10)),
                    "parallel": True,
                    "max_concurrent": 3,
                    "error_handling": error_handling,
                },
            }
        ],
        "edges": [],
    }


@pytest.mark.parametrize("error_handling", ["continue", "fail_fast"])
def test_a_budget_stop_keeps_what_was_paid_for_and_resume_pays_only_the_rest(tmp_path, error_handling):
    journal = Journal(tmp_path / "runs.db")
    first_model = BudgetedModel(allowed=4)
    with registered_models(first_model):
        run_id, first = run_recorded(journal, llm_batch_doc(error_handling), tmp_path)
    assert first.status == "stopped"
    assert "--max-llm-calls 4 reached" in first.error["message"]
    assert "node ask: 4 of 10 items finished" in first.error["message"]
    assert first.nodes["ask"]["success_count"] == 4 and first.nodes["ask"]["error_count"] == 0
    assert len(journal.finished_items(run_id, "ask")) == 4 and journal.run(run_id).status == "stopped"

    second_model = BudgetedModel(allowed=100)
    with registered_models(second_model):
        _, second = run_recorded(journal, llm_batch_doc(error_handling), tmp_path, run_id)
    assert second.status == "ok"
    assert len(second_model.calls) == 6  # the 4 paid for are not asked again
    assert [r["response"] for r in second.nodes["ask"]["results"]] == [f"echo: item {i}" for i in range(10)]
