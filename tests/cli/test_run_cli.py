"""`planflow run` as a user runs it: exit codes, --json, inputs, examples, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from planflow.cli import cli
from tests.cli.stopping import wait_for_files
from tests.conftest import EXAMPLES, ROOT
from tests.fakes import http_server


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def write(tmp_path: Path, doc: dict) -> str:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(doc))
    return str(path)


def shell_doc(command: str, **inputs) -> dict:
    doc = {
        "ir_version": "0.1.0",
        "nodes": [{"id": "s", "type": "shell", "params": {"command": command}}],
        "outputs": {"out": {"source": "${s.stdout}"}},
    }
    if inputs:
        doc["inputs"] = inputs
    return doc


def test_word_counts_example_runs_with_json_output(tmp_path):
    report = tmp_path / "wc.json"
    result = run("run", str(EXAMPLES / "word-counts" / "workflow.json"), f"report_path={report}", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"status", "outputs", "nodes", "error", "run_id", "resume"}
    assert payload["status"] == "ok" and payload["error"] is None and payload["resume"] is None
    assert run("runs", "--json").stdout.count(payload["run_id"]) == 1
    assert payload["outputs"] == {"report": str(report), "files": 3}
    counts = {Path(r["item"]).name: r["json"] for r in json.loads(report.read_text())}
    assert counts == {"alpha.txt": 9, "beta.txt": 14, "gamma; echo PWNED.txt": 11}


def test_pipeline_example_fans_out_and_in(tmp_path):
    report = tmp_path / "p.json"
    result = run("run", str(EXAMPLES / "pipeline" / "workflow.json"), f"report_path={report}", "-q")
    assert result.exit_code == 0, result.output
    saved = json.loads(report.read_text())
    assert [r["json"] for r in saved["lines"]] == [3, 7]
    assert [len(r["lines"]) for r in saved["todos"]] == [1, 1]


def test_fetch_urls_example_against_a_local_server(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANFLOW_RETRY_DEADLINE", "0")  # the 500 is transient: fail it at once here
    with http_server() as base:
        urls = tmp_path / "urls.json"
        urls.write_text(json.dumps([f"{base}/json", f"{base}/page/2", f"{base}/status/500"]))
        result = run(
            "run",
            str(EXAMPLES / "fetch-urls" / "workflow.json"),
            f"urls_file={urls}",
            f"report_path={tmp_path / 'r.json'}",
            "--json",
        )
    payload = json.loads(result.stdout)
    assert result.exit_code == 5, result.output  # finished, one item lost: "partial", not ok
    assert payload["status"] == "partial" and payload["error"]["failed_items"] == 1
    assert payload["outputs"]["fetched"] == 2 and payload["outputs"]["failed"] == 1
    error = payload["nodes"]["fetch"]["errors"][0]
    assert error["index"] == 2 and "HTTP 500" in error["error"]


def test_human_output_prints_outputs(tmp_path):
    result = run("run", write(tmp_path, shell_doc("echo hi")), "-q")
    assert result.exit_code == 0 and result.stdout == "out: hi\n\n"


def test_typed_and_missing_inputs(tmp_path):
    path = write(tmp_path, shell_doc("echo $(( ${n} + 1 ))", n={"type": "integer"}))
    assert run("run", path, "n=41", "-q").stdout == "out: 42\n\n"
    missing = run("run", path)
    assert missing.exit_code == 2 and "missing required input 'n'" in missing.stderr
    bad = run("run", path, "n=many")
    assert bad.exit_code == 2 and "input 'n' must be integer, got 'many'" in bad.stderr


def test_invalid_workflow_lists_problems_and_exits_one(tmp_path):
    result = run("run", write(tmp_path, shell_doc("echo ${nope}")))
    assert result.exit_code == 1
    assert "node s: params.command: ${nope} references nothing named 'nope'" in result.stderr


def test_failed_node_exits_one_with_the_node_and_reason(tmp_path):
    result = run("run", write(tmp_path, shell_doc("exit 9")), "-q")
    assert result.exit_code == 1 and "Error: node s: command exited with 9" in result.stderr


def test_unknown_model_exits_three_with_how_to_configure(tmp_path):
    doc = {"ir_version": "0.1.0", "nodes": [{"id": "a", "type": "llm", "params": {"prompt": "hi"}}]}
    result = run("run", write(tmp_path, doc), "-m", "no-such-model")
    assert result.exit_code == 3
    assert "unknown model 'no-such-model'" in result.stderr and "llm keys set" in result.stderr


def test_summary_line_when_not_on_a_terminal(tmp_path):
    doc = {
        "ir_version": "0.1.0",
        "nodes": [
            {
                "id": "b",
                "type": "shell",
                "params": {"command": "exit ${item}"},
                "batch": {"items": [0, 1, 0], "error_handling": "continue"},
            }
        ],
    }
    result = run("run", write(tmp_path, doc))
    assert result.exit_code == 5
    assert "b: 2/3 items ok, 1 failed in" in result.stderr
    assert "Finished with failures: finished with failed items: node b: 1 of 3 items failed" in result.stderr
    assert "Go on with: planflow resume " in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_mid_batch_exits_promptly_and_leaves_no_partial_file(tmp_path):
    doc = {
        "ir_version": "0.1.0",
        "nodes": [
            {
                "id": "slow",
                "type": "shell",
                "params": {"command": "touch started-${item}; sleep 0.2; echo ${item}"},
                "batch": {"items": list(range(100)), "parallel": True, "max_concurrent": 2},
            },
            {"id": "report", "type": "write_file", "params": {"path": "report.json", "content": "${slow.results}"}},
        ],
        "edges": [{"from": "slow", "to": "report"}],
    }
    path = write(tmp_path, doc)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "planflow", "run", path],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_files(tmp_path, "started-*", 2, proc)  # the batch runs: Ctrl-C meets it, not start-up
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, stderr = proc.communicate(timeout=10)
    assert time.monotonic() - started < 5
    assert proc.returncode == 130, stderr
    assert "Interrupted: interrupted after 0 of 2 nodes finished; node slow:" in stderr
    assert "of 100 items finished" in stderr
    left = {p.name for p in tmp_path.iterdir()}
    assert "report.json" not in left and not any(n.endswith(".partial") for n in left)
