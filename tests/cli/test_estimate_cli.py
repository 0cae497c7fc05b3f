"""`planflow run FILE --estimate` and the review's estimate line, as a user sees them: the figures,
exit 0, and nothing run but list_files/read_file (the model server counts zero requests)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from planflow.cli import cli
from planflow.cli.estimate_view import format_cost
from planflow.runtime.estimate import DEFAULT_OUTPUT_TOKENS
from planflow.runtime.prices import count_tokens, price_for
from tests.conftest import EXAMPLES
from tests.counting_server import PRICED_MODEL, PRICED_NAME, UNPRICED_MODEL, counting_models
from tests.fakes import QueueModel, registered_models

SUMMARIZE = str(EXAMPLES / "summarize-docs" / "workflow.json")
SUMMARY_PROMPT = "Summarize this document in two sentences:\n\n"


@pytest.fixture
def server():
    with counting_models() as counted:
        yield counted


@pytest.fixture
def notes(tmp_path, monkeypatch):
    """1,000 markdown files; returns the tokens the summarize step's prompts hold."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "notes"
    folder.mkdir()
    tokens = 0
    for i in range(1000):
        text = f"Note {i}: " + "the quick brown fox " * (i % 40) + "\n"
        (folder / f"{i:04d}.md").write_text(text)
        tokens += count_tokens(PRICED_NAME, SUMMARY_PROMPT + text)
    return tokens


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_the_table_shows_items_calls_tokens_and_cost_and_runs_nothing_else(tmp_path, notes, server):
    result = run("run", SUMMARIZE, "--estimate", "-m", PRICED_MODEL, "folder=notes", "report_path=report.md")
    assert result.exit_code == 0, result.output
    price = price_for(PRICED_NAME)
    assert price is not None
    cost = format_cost(price.cost(notes, 1000 * DEFAULT_OUTPUT_TOKENS))
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["step", "model", "items", "calls", "input", "tokens", "output", "tokens*", "cost"]
    assert lines[1].split() == ["summarize", PRICED_MODEL, "1,000", "1,000", f"{notes:,}", "256,000", cost]
    assert lines[2].split() == ["total", "1,000", f"{notes:,}", "256,000", cost]
    assert "No model was called" in result.stdout
    assert server.requests == 0
    assert not (tmp_path / "report.md").exists()


def test_json_prints_one_object_with_the_same_figures(notes, server):
    result = run("run", SUMMARIZE, "--estimate", "--json", "-m", PRICED_MODEL, "folder=notes")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    (step,) = payload["steps"]
    assert (step["items"], step["calls"], step["input_tokens"]) == (1000, 1000, notes)
    assert step["output_tokens_assumed"] == 1000 * DEFAULT_OUTPUT_TOKENS and step["input_tokens_exact"]
    price = price_for(PRICED_NAME)
    assert price is not None
    expected = price.input_per_token * notes + price.output_per_token * 1000 * DEFAULT_OUTPUT_TOKENS
    assert Decimal(str(step["cost_usd"])).quantize(Decimal("1e-10")) == expected.quantize(Decimal("1e-10"))
    assert payload["total"]["cost_usd"] == step["cost_usd"] and payload["total"]["complete"]
    assert payload["ran"] == ["list", "read"]
    assert server.requests == 0


def test_a_model_without_a_price_says_so(notes, server):
    result = run("run", SUMMARIZE, "--estimate", "-m", UNPRICED_MODEL, "folder=notes")
    assert result.exit_code == 0, result.output
    row = result.stdout.splitlines()[1]
    assert row.split()[:4] == ["summarize", UNPRICED_MODEL, "1,000", "1,000"]
    assert row.endswith("price unknown") and "~" in row  # no tokenizer: approximated
    assert "about 4 bytes of text a token" in result.stdout
    assert server.requests == 0


def test_a_workflow_without_llm_steps_says_it_makes_no_calls(tmp_path, monkeypatch, server):
    monkeypatch.chdir(tmp_path)
    example = EXAMPLES / "word-counts"
    result = run("run", str(example / "workflow.json"), "--estimate", f"folder={example / 'texts'}")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("No llm steps")
    assert not (tmp_path / "word-counts.json").exists()
    assert server.requests == 0


def test_bad_inputs_exit_two_with_the_runs_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("run", SUMMARIZE, "--estimate", "nope=1")
    assert result.exit_code == 2 and "unknown input 'nope'" in result.stderr


def test_a_bad_output_assumption_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLANFLOW_ESTIMATE_OUTPUT_TOKENS", "-3")
    result = run("run", SUMMARIZE, "--estimate")
    assert result.exit_code == 2 and "PLANFLOW_ESTIMATE_OUTPUT_TOKENS" in result.stderr


PLAN = {
    "ir_version": "0.1.0",
    "inputs": {"folder": {"type": "string", "default": "notes"}},
    "nodes": [
        {"id": "find", "type": "list_files", "params": {"dir": "${folder}", "pattern": "*.md"}},
        {"id": "read", "type": "read_file", "batch": {"items": "${find.files}", "as": "f"}, "params": {"path": "${f}"}},
        {
            "id": "ask",
            "type": "llm",
            "batch": {"items": "${read.results}", "as": "d", "parallel": True},
            "params": {"prompt": SUMMARY_PROMPT + "${d.content}", "model": PRICED_MODEL},
        },
        {"id": "save", "type": "write_file", "params": {"path": "out.json", "content": "${ask.results}"}},
    ],
    "edges": [{"from": "find", "to": "read"}, {"from": "read", "to": "ask"}, {"from": "ask", "to": "save"}],
}


def test_the_review_shows_an_estimate_line_before_asking(tmp_path, notes, server):
    with registered_models(QueueModel(json.dumps(PLAN))):
        result = run("do", "summarize my notes", "-m", "queue", "--no-context")
    assert result.exit_code == 0, result.output
    price = price_for(PRICED_NAME)
    assert price is not None
    cost = format_cost(price.cost(notes, 1000 * DEFAULT_OUTPUT_TOKENS))
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("Estimate:")]
    assert line == (
        f"Estimate: 1,000 llm call(s), ~{notes:,} input tokens, ~{cost} "
        f"({PRICED_MODEL}; {DEFAULT_OUTPUT_TOKENS} output tokens a call assumed)"
    )
    assert result.stdout.index("Steps:") < result.stdout.index("Estimate:")
    assert "Not run" in result.stderr
    assert server.requests == 0 and not (tmp_path / "out.json").exists()


def test_the_review_line_never_stops_the_review(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no notes folder: the listing fails, the review goes on
    with registered_models(QueueModel(json.dumps(PLAN))):
        result = run("do", "summarize my notes", "-m", "queue", "--no-context")
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("Estimate:")]
    assert line.startswith("Estimate: at least 0 llm call(s)") and "items of ask unknown" in line
    assert "step find failed in the estimate" in line and "no such folder" in line


@pytest.mark.parametrize(
    ("cost", "shown"),
    [("0", "$0"), ("0.0018795", "$0.0019"), ("0.000012345", "$0.000012"), ("0.5", "$0.50"), ("1234.567", "$1,234.57")],
)
def test_costs_keep_two_significant_digits_below_a_cent(cost, shown):
    assert format_cost(Decimal(cost)) == shown


def test_on_a_terminal_the_table_shows_a_plans_strings_literally_not_as_markup(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # no wrapping inside cells
    import asyncio

    from planflow.cli.estimate_view import _print_rich
    from planflow.ir import validate_document
    from planflow.runtime.context import RunContext
    from planflow.runtime.estimate import estimate_workflow
    from planflow.runtime.registry import default_registry

    doc = {
        "ir_version": "0.1.0",
        "nodes": [{"id": "ask", "type": "llm", "params": {"prompt": "hi", "model": "[red]x[/red]\x1b[2J"}}],
    }
    checked = validate_document(doc, default_registry().specs())
    assert checked.workflow is not None
    _print_rich(asyncio.run(estimate_workflow(checked.workflow, run=RunContext(cwd=tmp_path))))
    out = capsys.readouterr().out
    assert "[red]x[/red]\\x1b[2J" in out and "\x1b" not in out
    assert "price unknown" in out and "No model was called" in out
