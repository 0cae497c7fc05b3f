"""Hostile data: whatever the document holds, the validator answers with issues, never raises,
and stays linear in the document's size (speed figures live in bench/, not here)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from planflow.ir import validate_document, validate_file, validate_text
from planflow.ir.limits import MAX_DEPTH, MAX_DOCUMENT_CHARS, MAX_EDGES, MAX_INT_DIGITS, MAX_NODES

ROOT = Path(__file__).resolve().parents[2]


def shell_doc(**params) -> dict:
    return {
        "ir_version": "0.1.0",
        "nodes": [{"id": "a", "type": "shell", "params": {"command": "echo hi", **params}}],
    }


def nested_text(depth: int) -> str:
    # the JSON text nests `depth` levels in all: the document, nodes, a node, params, env...
    inner = depth - 4
    return (
        '{"ir_version": "0.1.0", "nodes": [{"id": "a", "type": "shell", '
        '"params": {"command": "x", "env": ' + "[" * inner + "]" * inner + "}}]}"
    )


def codes(result) -> list[str]:
    return [i.code for i in result.issues]


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "planflow", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="backslashreplace",
        cwd=ROOT,
    )


@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1, 495, 700, 999, 1500, 100_000])
def test_every_nesting_depth_gets_a_verdict(depth, specs):
    result = validate_text(nested_text(depth), specs)
    if depth <= MAX_DEPTH:
        assert "too_deep" not in codes(result)
    else:
        assert codes(result) == ["too_deep"]
        assert f"nested deeper than {MAX_DEPTH} levels" in result.issues[0].message


def test_a_deep_python_document_gets_a_verdict(specs):
    doc = shell_doc()
    value: list = []
    doc["nodes"][0]["params"]["stdin"] = value
    for _ in range(50_000):
        value.append([])
        value = value[0]
    result = validate_document(doc, specs)
    assert codes(result) == ["too_deep"]
    assert result.issues[0].node == "a"


def test_a_self_containing_document_gets_a_verdict(specs):
    doc = shell_doc()
    doc["nodes"][0]["params"]["stdin"] = doc
    assert codes(validate_document(doc, specs)) == ["too_deep"]


@pytest.mark.parametrize(
    "text",
    [
        '{"ir_version": "0.1.0", "nodes": [{"id": "\\ud800", "type": "shell", "params": {"command": "x"}}]}',
        '{"ir_version": "0.1.0", "nodes": [{"id": "a", "type": "shell", "params": {"\\udfff": 1}}]}',
        '{"ir_version": "0.1.0", "inputs": {"\\ud800x": {}}, "nodes": [{"id": "a", "type": "shell"}]}',
        '{"ir_version": "0.1.0", "nodes": [{"id": "a", "type": "shell"}], "edges": [{"from": "a", "to": "\\ud800"}]}',
        '{"ir_version": "0.1.0", "nodes": [{"id": "a", "type": "shell", "params": {"command": "echo \\ud800"}}]}',
    ],
    ids=["node-id", "param-name", "input-name", "edge-end", "param-value"],
)
def test_lone_surrogates_are_reported_and_printable(text, specs, tmp_path):
    result = validate_text(text, specs)
    assert "bad_unicode" in codes(result)
    for issue in result.issues:
        str(issue).encode("utf-8")  # no lone surrogate survives into a message
        json.dumps(issue.to_dict(), ensure_ascii=False).encode("utf-8")
    assert any("\\ud" in str(i) for i in result.issues)
    path = tmp_path / "w.json"
    path.write_text(text, encoding="utf-8")
    for args in (["validate", str(path)], ["validate", "--json", str(path)], ["run", str(path)]):
        proc = cli(*args)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr + proc.stdout
        assert "lone surrogate" in proc.stdout + proc.stderr


def test_unprintable_characters_are_escaped_in_messages(specs):
    doc = shell_doc(**{"\x1b[31mred": 1, "tab\there": 2})
    messages = [str(i) for i in validate_document(doc, specs).issues]
    assert any("\\x1b[31mred" in m for m in messages), messages
    assert any("tab\\there" in m for m in messages), messages
    assert all(m.isprintable() for m in messages)


@pytest.mark.parametrize("digits", [MAX_INT_DIGITS + 1, 4300, 4301, 100_000])
def test_huge_integers_are_an_issue(digits, specs):
    text = json.dumps(shell_doc()).replace('"echo hi"', '"echo hi", "stdin": ' + "9" * digits)
    result = validate_text(text, specs)
    assert codes(result) == ["number_range"]
    assert (result.issues[0].node, result.issues[0].path) == ("a", "params.stdin")
    assert f"more than {MAX_INT_DIGITS} digits" in result.issues[0].message


def test_a_huge_python_integer_is_an_issue(specs):
    doc = shell_doc()
    doc["nodes"][0]["batch"] = {"items": [1], "max_concurrent": 10**5000}
    assert codes(validate_document(doc, specs)) == ["number_range"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_an_issue_wherever_they_are(literal, specs):
    for where in ('"stdin": [1, X]', '"timeout": X'):
        text = json.dumps(shell_doc()).replace('"echo hi"', '"echo hi", ' + where.replace("X", literal))
        result = validate_text(text, specs)
        assert codes(result) == ["not_finite"], [str(i) for i in result.issues]
        assert result.issues[0].node == "a"
    text = json.dumps({**shell_doc(), "nodes": [{**shell_doc()["nodes"][0], "batch": {"items": [1], "retry_wait": 0}}]})
    result = validate_text(text.replace('"retry_wait": 0', f'"retry_wait": {literal}'), specs)
    assert codes(result) == ["not_finite"]
    assert result.issues[0].path == "batch.retry_wait"


@pytest.mark.parametrize("node_type", ["shell", "http"])
@pytest.mark.parametrize("timeout", [0, -1, 0.0, -0.5])
def test_timeout_must_be_greater_than_zero(node_type, timeout, specs):
    params = {"command": "echo hi"} if node_type == "shell" else {"url": "http://localhost/"}
    params["timeout"] = timeout
    doc = {"ir_version": "0.1.0", "nodes": [{"id": "t", "type": node_type, "params": params}]}
    result = validate_document(doc, specs)
    assert codes(result) == ["param_range"]
    issue = result.issues[0]
    assert (issue.node, issue.path) == ("t", "params.timeout")
    assert "greater than 0" in issue.message and "e.g. 30" in issue.hint


def test_non_finite_timeout_from_python_is_an_issue(specs):
    for value in (math.nan, math.inf, -math.inf):
        assert codes(validate_document(shell_doc(timeout=value), specs)) == ["not_finite"]


def test_a_positive_timeout_and_a_template_timeout_pass(specs):
    assert validate_document(shell_doc(timeout=0.5), specs).valid
    doc = shell_doc(timeout="${t}")
    doc["inputs"] = {"t": {"type": "number", "default": 3}}
    assert validate_document(doc, specs).valid


def test_too_many_nodes_is_refused_before_anything_else(specs):
    doc = {"ir_version": "0.1.0", "nodes": [{"id": "x"}] * (MAX_NODES + 1)}
    result = validate_document(doc, specs)
    assert codes(result) == ["too_large"]
    assert f"{MAX_NODES:,}" in result.issues[0].message


def test_too_long_a_text_is_refused_before_parsing(specs, tmp_path):
    text = " " * (MAX_DOCUMENT_CHARS + 1)
    assert codes(validate_text(text, specs)) == ["too_large"]
    path = tmp_path / "big.json"
    path.write_text(text)
    assert codes(validate_file(path, specs)) == ["too_large"]


def chain(n: int) -> dict:
    nodes = [{"id": "n0", "type": "shell", "params": {"command": "echo 0"}}]
    nodes += [
        {"id": f"n{i}", "type": "shell", "params": {"command": f"echo ${{n{i - 1}.stdout}}"}} for i in range(1, n)
    ]
    edges = [{"from": f"n{i - 1}", "to": f"n{i}"} for i in range(1, n)]
    return {"ir_version": "0.1.0", "nodes": nodes, "edges": edges}


def test_a_20000_node_chain_validates(specs):
    assert validate_document(chain(20_000), specs).valid


def test_every_node_can_use_the_first_of_a_long_chain(specs):
    doc = chain(20_000)
    for node in doc["nodes"][1:]:
        node["params"]["command"] = "echo ${n0.stdout}"
    assert validate_document(doc, specs).valid
    doc["edges"].pop(9_999)  # n10000 and everything after it no longer run after n0
    result = validate_document(doc, specs)
    assert codes(result) == ["not_ancestor"] * 10_000


def test_20000_invalid_nodes_give_short_issues(specs):
    doc = {
        "ir_version": "0.1.0",
        "nodes": [
            {"id": f"n{i}", "type": "shell", "params": {"command": f"echo ${{missing{i}.x}}", f"bogus{i}": 1}}
            for i in range(20_000)
        ],
        "edges": [{"from": f"n{i}", "to": f"x{i}"} for i in range(2_000)],
    }
    result = validate_document(doc, specs)
    assert sorted(set(codes(result))) == ["unknown_edge_node", "unknown_param", "unknown_reference"]
    assert len(result.issues) == 42_000
    assert max(len(str(i)) for i in result.issues) < 600  # listings of 20,000 names are capped


def test_a_long_cycle_is_reported_briefly(specs):
    doc = chain(20_000)
    doc["edges"].append({"from": "n19999", "to": "n0"})
    cycles = [i for i in validate_document(doc, specs).issues if i.code == "cycle"]
    assert len(cycles) == 1
    assert cycles[0].message.startswith("edges form a cycle: n0 -> n1 -> ")
    assert cycles[0].message.endswith("-> n19999 -> n0")
    assert len(cycles[0].message) < 300


@pytest.mark.parametrize(
    "text",
    [
        nested_text(2000),
        json.dumps(shell_doc()).replace('"echo hi"', '"echo hi", "stdin": ' + "1" * 5000),
        json.dumps(shell_doc(timeout=0)).replace("0}", "NaN}"),
    ],
    ids=["deep", "huge-int", "nan"],
)
def test_cli_reports_hostile_data_without_a_traceback(text, tmp_path):
    path = tmp_path / "w.json"
    path.write_text(text)
    for args in (["validate", str(path)], ["validate", "--json", str(path)], ["run", str(path)]):
        proc = cli(*args)
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stdout + proc.stderr
    payload = json.loads(cli("validate", "--json", str(path)).stdout)
    assert payload["valid"] is False and payload["errors"][0]["code"] in {"too_deep", "number_range", "not_finite"}


def test_too_many_edges_is_refused_before_anything_else(specs):
    doc = {**shell_doc(), "edges": [{"from": "a", "to": "a"}] * (MAX_EDGES + 1)}
    result = validate_document(doc, specs)
    assert codes(result) == ["too_large"]
    assert result.issues[0].path == "edges"
    assert f"the limit is {MAX_EDGES:,}" in result.issues[0].message


def test_cli_refuses_too_long_a_stdin_without_reading_it_all():
    from click.testing import CliRunner

    from planflow.cli import cli

    result = CliRunner().invoke(cli, ["validate", "-"], input=" " * (MAX_DOCUMENT_CHARS + 10))
    assert result.exit_code == 1
    assert "the limit is 20,000,000" in result.stdout


def test_limit_issues_come_in_document_order(specs):
    doc = {
        "ir_version": "0.1.0",
        "nodes": [{"id": f"n{i}", "type": "shell", "params": {"command": "x", "timeout": math.nan}} for i in range(3)],
    }
    assert [i.node for i in validate_document(doc, specs).issues] == ["n0", "n1", "n2"]
