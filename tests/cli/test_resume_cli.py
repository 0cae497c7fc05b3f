"""`planflow runs`, `runs show` and `resume` as a user meets them: real runs, a real journal
file, real processes killed with real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from planflow.cli import cli
from tests.cli.stopping import DEADLINE_SECONDS, start_run, wait_for_files
from tests.conftest import ROOT


def invoke(*args: str, cwd: Path | None = None):
    if cwd is None:
        return CliRunner().invoke(cli, list(args))
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args))
    finally:
        os.chdir(old)


# Each item logs that it ran; item 3 fails until the file `fixed` exists.
FLAKY = 'echo ${n} >> ran.log; if [ ${n} = 3 ] && [ ! -f fixed ]; then exit 7; fi; echo "out-${n}"'


def flow(tmp_path: Path, command: str = FLAKY, count: int = 5, parallel: bool = False) -> Path:
    doc = {
        "ir_version": "0.1.0",
        "inputs": {"count": {"type": "integer", "default": count}, "tag": {"type": "string", "default": "a"}},
        "nodes": [
            {"id": "numbers", "type": "shell", "params": {"command": "seq 1 ${count}"}},
            {
                "id": "each",
                "type": "shell",
                "batch": {
                    "items": "${numbers.lines}",
                    "as": "n",
                    "error_handling": "continue",
                    "parallel": parallel,
                    "max_concurrent": 4,
                },
                "params": {"command": command},
            },
            {"id": "label", "type": "shell", "params": {"command": "echo ${tag}"}},
        ],
        "edges": [{"from": "numbers", "to": "each"}],
        "outputs": {"ok": {"source": "${each.success_count}"}, "out": {"source": "${each.results}"}},
    }
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(doc))
    return path


def ran(tmp_path: Path) -> list[str]:
    log = tmp_path / "ran.log"
    return log.read_text().split() if log.exists() else []


def test_lost_items_exit_5_and_resume_reruns_only_them(tmp_path):
    path = flow(tmp_path)
    first = invoke("run", str(path), "--json", cwd=tmp_path)
    assert first.exit_code == 5, first.output
    payload = json.loads(first.stdout)
    assert payload["status"] == "partial" and payload["error"]["failed_items"] == 1
    run_id = payload["run_id"]
    assert payload["resume"] == f"planflow resume {run_id}"

    listed = json.loads(invoke("runs", "--json").stdout)["runs"]
    assert [(r["id"], r["status"], r["items_ok"], r["items_failed"]) for r in listed] == [(run_id, "partial", 4, 1)]

    (tmp_path / "ran.log").unlink()
    (tmp_path / "fixed").touch()
    second = invoke("resume", run_id, "--json", cwd=tmp_path)
    assert second.exit_code == 0, second.output
    resumed = json.loads(second.stdout)
    assert resumed["status"] == "ok" and resumed["run_id"] == run_id
    assert ran(tmp_path) == ["3"]
    assert [r["stdout"] for r in resumed["outputs"]["out"]] == [f"out-{n}\n" for n in range(1, 6)]

    shown = json.loads(invoke("runs", "show", run_id, "--json").stdout)
    assert (shown["status"], shown["attempts"], shown["items_ok"], shown["items_failed"]) == ("ok", 2, 5, 0)
    again = invoke("resume", run_id)
    assert again.exit_code == 0 and "nothing to resume" in again.output


def test_a_changed_workflow_is_refused_unless_forced(tmp_path):
    path = flow(tmp_path)
    run_id = json.loads(invoke("run", str(path), "--json", cwd=tmp_path).stdout)["run_id"]
    doc = json.loads(path.read_text())
    doc["nodes"][2]["params"]["command"] = "echo changed ${tag}"
    path.write_text(json.dumps(doc))
    refused = invoke("resume", run_id, cwd=tmp_path)
    assert refused.exit_code == 1
    assert f"the workflow {path} changed since run {run_id} started; pass --force" in refused.output
    assert "Traceback" not in refused.output
    (tmp_path / "ran.log").unlink()
    (tmp_path / "fixed").touch()
    forced = invoke("resume", run_id, "--force", "--json", cwd=tmp_path)
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.stdout)["nodes"]["label"]["stdout"] == "changed a\n"
    assert ran(tmp_path) == ["3"]  # the batch was written as before: its finished items are kept


def test_changed_inputs_are_refused_unless_forced_and_then_rerun_what_uses_them(tmp_path):
    path = flow(tmp_path)
    run_id = json.loads(invoke("run", str(path), "--json", cwd=tmp_path).stdout)["run_id"]
    refused = invoke("resume", run_id, "tag=b", cwd=tmp_path)
    assert refused.exit_code == 1 and "ran with other values of tag; pass --force" in refused.output
    (tmp_path / "fixed").touch()
    (tmp_path / "ran.log").unlink()
    forced = invoke("resume", run_id, "tag=b", "--force", "--json", cwd=tmp_path)
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.stdout)["nodes"]["label"]["stdout"] == "b\n"
    assert ran(tmp_path) == ["3"]  # tag is not used by the batch


def test_unknown_run_id_is_a_usage_error(tmp_path):
    for args in (("resume", "nope"), ("runs", "show", "nope")):
        result = invoke(*args)
        assert result.exit_code == 2
        assert "no run with id 'nope' (`planflow runs` lists them)" in result.output
        assert "Traceback" not in result.output


def test_kill_9_half_way_then_resume_matches_an_uninterrupted_run(tmp_path):
    """Each item logs the planflow process that ran it; after a kill -9 the journal is readable,
    the run shows as died, and the resume runs exactly the items the journal did not have."""
    slow = 'sleep 0.05; touch done-${n}; echo "$PPID ${n}" >> ran.log; echo out-${n}'
    clean_dir = tmp_path / "clean"
    clean_dir.mkdir()
    clean = invoke("run", str(flow(clean_dir, slow, count=40, parallel=True)), "--json", cwd=clean_dir)
    assert clean.exit_code == 0, clean.output
    expected = json.loads(clean.stdout)["outputs"]

    work = tmp_path / "work"
    work.mkdir()
    doc = json.loads(flow(work, slow, count=40, parallel=True).read_text())
    process = start_run(work, doc)
    wait_for_files(work, "done-*", 20, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=DEADLINE_SECONDS)
    listed = json.loads(invoke("runs", "--json").stdout)["runs"]
    assert len(listed) == 2
    died = listed[0]
    assert died["status"] == "died" and 16 <= died["items_ok"] <= 40

    resumed = subprocess.Popen(
        [sys.executable, "-m", "planflow", "resume", died["id"], "--json"],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = resumed.communicate(timeout=DEADLINE_SECONDS)
    assert resumed.returncode == 0, stderr
    assert json.loads(stdout)["outputs"] == expected
    by_process: dict[str, list[int]] = {}
    for line in (work / "ran.log").read_text().splitlines():
        pid, n = line.split()
        by_process.setdefault(pid, []).append(int(n))
    again = by_process[str(resumed.pid)]
    assert len(again) == 40 - died["items_ok"]  # only what the journal did not have
    first = by_process[str(process.pid)]
    assert set(first) | set(again) == set(range(1, 41))
    assert len(set(first) & set(again)) <= 4  # at most the items in flight at the kill ran twice


def test_sigterm_prints_the_resume_command_and_records_the_interruption(tmp_path):
    doc = json.loads(flow(tmp_path, "touch started-${n}; sleep 30", count=3, parallel=True).read_text())
    process = start_run(tmp_path, doc)
    wait_for_files(tmp_path, "started-*", 3, process)
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=DEADLINE_SECONDS)
    assert process.returncode == 143
    payload = json.loads(stdout)
    assert payload["status"] == "interrupted"
    assert payload["resume"] == f"planflow resume {payload['run_id']}"
    assert json.loads(invoke("runs", "show", payload["run_id"], "--json").stdout)["status"] == "interrupted"
