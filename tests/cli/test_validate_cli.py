from __future__ import annotations

import json

from click.testing import CliRunner

from planflow.cli import cli
from planflow.ir.models import json_schema_text
from tests.conftest import EXAMPLES


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin)


def test_valid_file_exits_zero():
    result = run("validate", str(EXAMPLES / "summarize-docs" / "workflow.json"))
    assert result.exit_code == 0
    assert result.output.strip().endswith(": valid")


def test_invalid_file_prints_one_line_per_problem_and_exits_one(tmp_path, summarize_doc):
    summarize_doc["nodes"][2]["params"] = {"promt": "${doc.content}"}
    path = tmp_path / "w.json"
    path.write_text(json.dumps(summarize_doc))
    result = run("validate", str(path))
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines == [
        "node summarize: params.promt: llm nodes have no param 'promt' (hint: did you mean 'prompt'?)",
        "node summarize: params.prompt: llm nodes need param 'prompt' (hint: add \"prompt\": The prompt text.)",
    ]


def test_json_output(tmp_path):
    result = run("validate", "--json", "-", stdin='{"ir_version": "0.1.0", "nodes": []}')
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["valid"] is False
    assert set(payload["errors"][0]) == {"code", "node", "path", "message", "hint"}
    assert payload["errors"][0]["path"] == "nodes"


def test_missing_file_is_a_message_not_a_traceback(tmp_path):
    result = run("validate", str(tmp_path / "nope.json"))
    assert result.exit_code == 1
    assert f"no such file or saved workflow: {tmp_path / 'nope.json'}" in result.output
    as_json = json.loads(run("validate", str(tmp_path / "nope.json"), "--json").stdout)
    assert as_json["valid"] is False and "cannot read" in json.dumps(as_json)
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_schema_command_prints_the_committed_schema():
    result = run("schema", "--generic")
    assert result.exit_code == 0
    assert result.output == json_schema_text()
