"""`--allow-outside` on `planflow run` and on the plan-and-run command, as a user types it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from planflow.cli import cli
from tests.fakes import QueueModel, registered_models

# A command's output names a file outside the folder; the next step reads it.
ESCAPING = {
    "ir_version": "0.1.0",
    "nodes": [
        {"id": "say", "type": "shell", "params": {"command": "echo ../outside/secret.txt"}},
        {"id": "read", "type": "read_file", "params": {"path": "${say.lines[0]}"}},
    ],
    "edges": [{"from": "say", "to": "read"}],
    "outputs": {"text": {"source": "${read.content}"}},
}


@pytest.fixture
def work(tmp_path, monkeypatch):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("top secret")
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "w.json").write_text(json.dumps(ESCAPING))
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path / "work"


def test_run_refuses_a_path_from_step_output_outside_the_folder(work):
    result = CliRunner().invoke(cli, ["run", "w.json", "-q"])
    assert result.exit_code == 1
    assert "node read:" in result.stderr and "'../outside/secret.txt'" in result.stderr
    assert "--allow-outside" in result.stderr and "top secret" not in result.output


def test_run_with_allow_outside_reads_it(work):
    result = CliRunner().invoke(cli, ["run", "w.json", "-q", "--allow-outside"])
    assert result.exit_code == 0, result.output
    assert "text: top secret" in result.stdout


def test_plan_and_run_takes_allow_outside_too(work):
    for flags, code in (([], 1), (["--allow-outside"], 0)):
        with registered_models(QueueModel(json.dumps(ESCAPING))):
            result = CliRunner().invoke(cli, ["do", "read it", "-m", "queue", "--no-context", "--yes", "-q", *flags])
        assert result.exit_code == code, result.output
        assert ("--allow-outside" in result.stderr) == (code == 1)
