"""Every command, in bad environments and with bad arguments, as real processes: a clear
message and a documented exit status, never a traceback; with --json, exactly one JSON object."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT

WORD_COUNTS = str(EXAMPLES / "word-counts" / "workflow.json")


def planflow(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "planflow", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def unwritable_home(tmp_path):
    """Under a regular file: no folder can be made there, even by root (tests run as root here)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    return str(blocker / "home")


CASES = [
    # (args, env overrides, expected exit status)
    (["validate", "missing.json"], {}, 1),
    (["validate", "."], {}, 1),
    (["run", "missing.json"], {}, 1),
    (["run", WORD_COUNTS, "nope=1"], {}, 2),
    (["run", WORD_COUNTS, "--executor", "bogus"], {}, 2),
    (["run", WORD_COUNTS, "folder=no-such-folder"], {}, 1),
    (["show", "missing.json"], {}, 1),
    (["save", WORD_COUNTS, "bad/name"], {}, 2),
    (["list"], {"PLANFLOW_HOME": "/proc/no-such/home"}, 0),
    (["runs"], {"PLANFLOW_HOME": "/proc/no-such/home"}, 1),
    (["runs", "show", "nope"], {}, 2),
    (["resume", "nope"], {}, 2),
    (["plan", "count the words here"], {"PLANFLOW_MODEL": "no-such-model"}, 3),
    (["count the words here", "--yes"], {"PLANFLOW_MODEL": "no-such-model"}, 3),
    (["runn", "x.json"], {}, 2),
    (["schema", "--bogus"], {}, 2),
    (["run", WORD_COUNTS, "--max-parallel", "x"], {}, 2),
]


@pytest.mark.parametrize(("args", "env", "status"), CASES, ids=[" ".join(c[0])[:40] for c in CASES])
def test_bad_use_gets_a_message_and_a_status(tmp_path, args, env, status):
    result = planflow(*args, cwd=tmp_path, env=env)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert status == 0 or result.stderr.strip(), "a failure must say what is wrong"


def test_an_unwritable_home_on_save_and_run(tmp_path, unwritable_home):
    env = {"PLANFLOW_HOME": unwritable_home}
    saved = planflow("save", WORD_COUNTS, "wc", cwd=tmp_path, env=env)
    assert saved.returncode == 2 and "cannot save wc to" in saved.stderr and "Traceback" not in saved.stderr
    report = tmp_path / "r.json"
    ran = planflow("run", WORD_COUNTS, f"report_path={report}", "-q", cwd=ROOT, env=env)
    assert ran.returncode == 0, ran.stderr
    assert "this run is not recorded, so it cannot be resumed" in ran.stderr and report.exists()


JSON_CASES = [
    (["run", "missing.json", "--json"], {}, 1, "NotFound"),
    (["run", "bad.json", "--json"], {}, 1, "InvalidWorkflow"),
    (["run", WORD_COUNTS, "nope=1", "--json"], {}, 2, "InputError"),
    (["run", WORD_COUNTS, "--executor", "bogus", "--json"], {}, 2, "UsageError"),
    (["run", "llm.json", "--json"], {"PLANFLOW_MODEL": "no-such-model"}, 3, "ModelUnavailable"),
    (["validate", "missing.json", "--json"], {}, 1, None),
    (["runs", "show", "nope", "--json"], {}, 2, "CommandError"),
    (["resume", "nope", "--json"], {}, 2, "CommandError"),
]


@pytest.mark.parametrize(("args", "env", "status", "kind"), JSON_CASES, ids=[" ".join(c[0])[:40] for c in JSON_CASES])
def test_json_is_one_object_also_when_nothing_ran(tmp_path, args, env, status, kind):
    (tmp_path / "bad.json").write_text('{"nodes": 3}')
    llm_doc = {"ir_version": "0.1.0", "nodes": [{"id": "a", "type": "llm", "params": {"prompt": "hi"}}]}
    (tmp_path / "llm.json").write_text(json.dumps(llm_doc))
    result = planflow(*args, cwd=tmp_path, env=env)
    assert result.returncode == status, result.stderr
    payload = json.loads(result.stdout)  # the whole of stdout is one object
    if kind is None:
        assert payload["valid"] is False
        return
    assert payload["status"] == "error" and payload["error"]["type"] == kind
    assert payload["error"]["exit_status"] == status and payload["error"]["message"]
