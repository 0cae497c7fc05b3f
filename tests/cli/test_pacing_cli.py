"""`--rpm`, `--tpm`, `--max-llm-calls`, `--max-cost` on `planflow run` and the plan-and-run
command: bad values are usage errors (exit 2, no traceback); good ones reach the run's gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planflow.cli import cli


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def batch_file(tmp_path: Path, model: str, count: int) -> str:
    doc = {
        "ir_version": "0.1.0",
        "nodes": [
            {
                "id": "b",
                "type": "llm",
                "params": {"prompt": "say ${item}", "model": model},
                "batch": {"items": list(range(count)), "parallel": True, "max_concurrent": 10},
            }
        ],
    }
    path = tmp_path / "w.json"
    path.write_text(json.dumps(doc))
    return str(path)


@pytest.mark.parametrize(
    ("option", "value"),
    [("--rpm", "-1"), ("--rpm", "abc"), ("--tpm", "0"), ("--max-llm-calls", "-3"), ("--max-cost", "x")],
)
def test_a_bad_value_is_a_usage_error(tmp_path, option, value):
    result = run("run", batch_file(tmp_path, "m", 1), option, value)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PLANFLOW_RPM", "abc", "PLANFLOW_RPM must be a positive number"),
        ("PLANFLOW_TPM", "-5", "PLANFLOW_TPM must be a positive number"),
        ("PLANFLOW_RETRY_DEADLINE", "soon", "PLANFLOW_RETRY_DEADLINE must be a number of seconds"),
    ],
)
def test_a_bad_environment_value_is_a_usage_error(tmp_path, variable, value, message):
    result = run("run", batch_file(tmp_path, "m", 1), env={variable: value})
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_a_bad_limits_file_is_a_usage_error_naming_it(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "limits.json").write_text('{"models": {"gpt-4o-mini": {"rpm": "fast"}}}')
    monkeypatch.setenv("PLANFLOW_HOME", str(home))
    result = run("run", batch_file(tmp_path, "m", 1))
    assert result.exit_code == 2
    assert "limits.json: models.gpt-4o-mini.rpm: must be a positive number" in result.output


@pytest.mark.parametrize("command", ["do", "resume"])
def test_the_plan_and_run_and_resume_commands_take_the_options_too(command):
    result = run(command, "--help")
    assert all(option in result.output for option in ("--rpm", "--tpm", "--max-llm-calls", "--max-cost"))


def test_max_llm_calls_from_the_command_line(tmp_path, openai_server, scale_model):
    result = run("run", batch_file(tmp_path, scale_model, 25), "--max-llm-calls", "3", "-q")
    assert openai_server.stats.total == 3
    assert result.exit_code == 6 and "--max-llm-calls 3 reached" in result.output
    run_id = result.output.split("planflow resume ")[1].split()[0]
    (listed,) = json.loads(run("runs", "--json").stdout)["runs"]
    assert (listed["id"], listed["status"], listed["llm_calls"]) == (run_id, "stopped", 3)
    assert listed["cost_usd"] > 0 and listed["input_tokens"] > 0  # a priced model (gpt-4o-mini)
    table = run("runs").stdout
    assert run_id in table and "$0.0" in table
    # the resume takes the options too; its budget counts afresh
    again = run("resume", run_id, "--max-llm-calls", "5", "-q")
    assert openai_server.stats.total == 8 and again.exit_code == 6, again.output
    assert "3 of 25 items" not in again.output and "8 of 25 items finished" in again.output
    # without options, a resume paces as the run did: its own --max-llm-calls 3, afresh
    third = run("resume", run_id, "-q")
    assert "Resuming with the run's own --max-llm-calls 3" in third.output
    assert openai_server.stats.total == 11 and third.exit_code == 6 and "11 of 25 items finished" in third.output


def test_max_cost_with_an_unpriced_model_is_a_usage_error_before_anything_runs(tmp_path, openai_server):
    from tests.openai_fixture import register_server_model

    model = register_server_model(openai_server, "unpriced", "no-such-model-anywhere")
    result = run("run", batch_file(tmp_path, model, 3), "--max-cost", "1")
    assert result.exit_code == 2 and "--max-cost cannot be kept: no price is known" in result.output
    assert openai_server.stats.total == 0


def test_rpm_from_the_command_line_paces_the_calls(tmp_path, openai_server, scale_model):
    openai_server.rpm, openai_server.window, openai_server.latency = 600, 1.0, 0.02
    result = run("run", batch_file(tmp_path, scale_model, 25), "--rpm", "600", "-q")
    assert result.exit_code == 0, result.output
    assert openai_server.stats.by_status[200] == 25 and openai_server.stats.by_status.get(429, 0) <= 2
