"""The planner's commands as a user runs them, with a fake model behind `llm`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from planflow.cli import cli
from tests.fakes import QueueModel, registered_models
from tests.planner.plans import GOOD

# The planner tests' plan, plus a step that writes the counts, so a run leaves a file to check.
PLAN = {
    **GOOD,
    "description": "Count words of each text file and save them",
    "inputs": {**GOOD["inputs"], "out": {"type": "string", "default": "counts.json"}},
    "nodes": [
        *GOOD["nodes"],
        {
            "id": "save",
            "type": "write_file",
            "purpose": "Save counts",
            "params": {"path": "${out}", "content": "${count.results}"},
        },
    ],
    "edges": [*GOOD["edges"], {"from": "count", "to": "save"}],
    "outputs": {"saved": {"source": "${save.path}"}},
}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("one two three")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "b.txt").write_text("four five")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args, replies=None):
    model = QueueModel(*(replies or (json.dumps(PLAN),)))
    with registered_models(model):
        return CliRunner().invoke(cli, list(args)), model


def test_plan_prints_the_workflow_and_reports_on_stderr(folder):
    result, model = invoke("plan", "count words in texts", "-m", "queue")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["nodes"][1]["batch"]["items"] == "${find.files}"
    assert "model queue: 1 LLM call(s)" in result.stderr and "0 repair(s)" in result.stderr
    assert "texts/a.txt" in model.asked[0]["prompt"]  # the folder summary grounds the request


def test_plan_no_context_and_json_and_output_file(folder):
    result, model = invoke("plan", "count the words", "-m", "queue", "--no-context", "--json", "-o", "flow.json")
    assert result.exit_code == 0
    saved = json.loads((folder / "flow.json").read_text())
    assert set(saved) == {"workflow", "report"} and saved["report"]["llm_calls"] == 1
    assert "texts" not in model.asked[0]["prompt"]


def test_without_a_terminal_and_without_yes_it_shows_but_does_not_run(folder):
    result, _ = invoke("count words in texts", "-m", "queue")
    assert result.exit_code == 0
    assert "1. find [list_files]: Find the files" in result.stdout
    assert "runs: wc -w < ${f}" in result.stdout
    assert "Not run: there is no terminal to confirm on" in result.stderr
    assert not (folder / "counts.json").exists()


def test_yes_runs_it(folder):
    result, _ = invoke("count words in texts", "-m", "queue", "--yes", "-q")
    assert result.exit_code == 0, result.output
    assert json.loads((folder / "counts.json").read_text())[0]["json"] == 3
    assert "saved: counts.json" in result.stdout


def test_save_list_and_rerun_by_name_with_new_inputs(folder):
    result, _ = invoke("count words in texts", "-m", "queue", "--save", "wordcount")
    assert result.exit_code == 0 and "saved as wordcount" in result.stderr
    listing = CliRunner().invoke(cli, ["list"])
    assert listing.stdout == "wordcount\tCount words of each text file and save them\n"
    rerun = CliRunner().invoke(cli, ["run", "wordcount", "folder=other", "out=other.json", "-q"])
    assert rerun.exit_code == 0, rerun.output
    assert json.loads((folder / "other.json").read_text())[0]["json"] == 2
    shown = CliRunner().invoke(cli, ["show", "wordcount", "--mermaid"])
    assert shown.stdout.startswith("flowchart TD")


def test_plan_failure_shows_the_last_attempt_and_exits_four(folder):
    bad = json.dumps({**PLAN, "nodes": [{**PLAN["nodes"][0], "type": "list_dir"}]})
    result, model = invoke("plan", "plan something", "-m", "queue", "--max-repairs", "1", replies=(bad, bad))
    assert result.exit_code == 4
    assert len(model.asked) == 2
    assert "Last attempt:" in result.stderr and "unknown node type 'list_dir'" in result.stderr
    assert "no valid plan after 2 call(s)" in result.stderr


def test_cannot_plan_exits_four(folder):
    result, _ = invoke("plan", "send an email", "-m", "queue", replies=('{"cannot_plan": "no email node"}',) * 2)
    assert result.exit_code == 4 and "cannot be done: no email node" in result.stderr


def test_no_model_exits_three_with_how_to_configure(folder):
    result = CliRunner().invoke(cli, ["plan", "plan something", "-m", "missing-model"])
    assert result.exit_code == 3 and "llm keys set" in result.stderr


def test_save_and_show_commands(folder, tmp_path):
    path = tmp_path / "w.json"
    path.write_text(json.dumps(PLAN))
    assert CliRunner().invoke(cli, ["save", str(path), "bad/name"]).exit_code == 2
    assert CliRunner().invoke(cli, ["save", str(path), "counter"]).exit_code == 0
    shown = CliRunner().invoke(cli, ["show", "counter"])
    assert "for each f in ${find.files}: in parallel, at most 4 at a time" in shown.stdout
