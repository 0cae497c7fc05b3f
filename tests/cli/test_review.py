"""The review cannot be spoofed by the plan it shows, says where values come from, flags writes
outside the folder, and stays fast on big workflows."""

from __future__ import annotations

import json
import os
import pty
import random
import re
import subprocess
import sys
import termios
import time
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from planflow.cli import cli
from planflow.cli.review import execution_order, render_mermaid, render_review
from planflow.cli.safe_text import escape_controls
from planflow.ir import Workflow, validate_document
from planflow.ir.models import Node
from planflow.runtime.registry import default_registry
from tests.cli.hostile import EVIL, RAW_FORBIDDEN, plan, plan_text
from tests.conftest import ROOT
from tests.fakes import QueueModel, registered_models

STEP_LINE = re.compile(r"^\s*\d+\.\s")
REAL_STEPS = ["  1. find [list_files]", "  2. each [shell]", "  3. ask [llm]", "  4. save [write_file]"]


def load(doc: dict) -> Workflow:
    result = validate_document(doc, default_registry().specs())
    assert result.valid, [str(i) for i in result.issues]
    assert result.workflow is not None
    return result.workflow


def assert_unspoofed(text: str) -> None:
    """No hostile character arrives raw, and only the real steps, headings and warnings start a line."""
    for char in RAW_FORBIDDEN:
        assert char not in text, f"raw {char!r} in the review"
    lines = text.split("\n")
    steps = [line for line in lines if STEP_LINE.match(line)]
    assert [line[: len(real)] for line, real in zip(steps, REAL_STEPS, strict=True)] == REAL_STEPS, steps
    assert [line for line in lines if line in ("Steps:", "Outputs:")] == ["Steps:", "Outputs:"]
    assert not [line for line in lines if line.lstrip().startswith("WARNING")]


def test_every_string_of_a_hostile_plan_is_escaped_and_cannot_fake_a_line(tmp_path):
    text = render_review(load(plan()), cwd=tmp_path)
    assert_unspoofed(text)
    assert "\\r\\x1b[2J\\x1b]0;title\\x07\\u202e\\u2066" in text  # shown, visibly
    assert "       |   9. evil [shell]: harmless" in text  # a fake step stays behind the gutter
    assert "default \\x85 lone" in text


def _pty_output(args: list[str], cwd: Path) -> bytes:
    """Every byte a command writes to a terminal, with output processing off so a \\r or \\n
    in the bytes is the program's own."""
    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        proc.wait(timeout=60)
    assert proc.returncode == 0, b"".join(chunks)
    return b"".join(chunks)


def test_show_on_a_terminal_prints_no_raw_control_bytes(tmp_path):
    (tmp_path / "plan.json").write_text(plan_text())
    out = _pty_output([sys.executable, "-m", "planflow", "show", "plan.json"], tmp_path)
    for char in RAW_FORBIDDEN:
        if char != "\ud800":
            assert char.encode() not in out, f"raw {char!r} reached the terminal"
    text = out.decode("utf-8")
    assert_unspoofed(text)
    assert "\\x1b[2J" in text


def test_the_plan_and_run_review_is_escaped_too(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with registered_models(QueueModel(json.dumps(plan()))):
        result = CliRunner().invoke(cli, ["do", "tidy up", "-m", "queue", "--no-context"])
    assert result.exit_code == 0, result.output
    assert "Not run" in result.stderr
    assert_unspoofed(result.stdout)


def test_mermaid_labels_cannot_break_out_of_their_brackets():
    # Validation keeps ids and types tame; render_mermaid must not rely on it.
    node = Node.model_construct(id='a"]-->x["<b>', type="shell" + EVIL + "\n]", params={}, batch=None)
    text = render_mermaid(Workflow.model_construct(ir_version="0.1.0", nodes=[node], edges=[]))
    (line,) = [line for line in text.splitlines() if "[" in line]
    label = line[line.index('["') + 2 : line.rindex('"]')].replace("<br/>", "")  # ours
    assert not set('"[]<>\n\r\x1b') & set(label), label
    assert line.startswith("  a_____x___b_[")
    assert text.count("\n") == 2


def test_safe_text_escapes_every_control_format_and_separator_character():
    unsafe = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs", "Zl", "Zp")]
    for char in unsafe:
        shown = escape_controls(char)
        assert shown.startswith("\\") and shown.isascii() and shown.isprintable(), repr(char)
    assert escape_controls("\t\r\n\x1b\u202e") == "\\t\\r\\n\\x1b\\u202e"
    assert escape_controls("\U000e0041") == "\\U000e0041"
    for fine in ("héllo", "中文", "naïve — “quotes”", "emoji 🎉", "a\\nb"):
        assert escape_controls(fine) == fine


# -- provenance ---------------------------------------------------------------------------------


def test_paths_and_commands_say_where_their_values_come_from(tmp_path):
    doc = {
        "ir_version": "0.1.0",
        "inputs": {"folder": {"type": "string", "default": "docs"}, "names": {"type": "array", "default": ["a"]}},
        "nodes": [
            {"id": "find", "type": "list_files", "params": {"dir": "${folder}"}},
            {"id": "summ", "type": "llm", "params": {"prompt": "name a file"}},
            {
                "id": "cat",
                "type": "shell",
                "params": {"command": "cat ${f}"},
                "batch": {"items": "${find.files}", "as": "f"},
            },
            {"id": "save", "type": "write_file", "params": {"path": "out/${summ.response}.md", "content": "x"}},
            {"id": "each", "type": "read_file", "params": {"path": "${n}"}, "batch": {"items": "${names}", "as": "n"}},
            {
                "id": "lit",
                "type": "shell",
                "params": {"command": "echo ${w}"},
                "batch": {"items": ["a", "b"], "as": "w"},
            },
        ],
        "edges": [{"from": "find", "to": "cat"}, {"from": "summ", "to": "save"}],
    }
    text = render_review(load(doc), cwd=tmp_path)
    assert "     where ${folder}: input folder" in text
    assert "     where ${f}: each item of ${find.files} (step find)" in text
    assert "     where ${summ.response}: output of step summ (llm)" in text
    assert "     where ${n}: each item of ${names} (input names)" in text
    assert "     where ${w}: each of the 2 listed items" in text
    assert '     items:\n       | "a"\n       | "b"' in text


# -- writes outside the folder ------------------------------------------------------------------


def writes(path: str, **inputs) -> dict:
    doc = {
        "ir_version": "0.1.0",
        "nodes": [{"id": "save", "type": "write_file", "params": {"path": path, "content": "x"}}],
    }
    if inputs:
        doc["inputs"] = inputs
    return doc


@pytest.mark.parametrize(
    ("path", "inputs", "warning"),
    [
        ("/etc/cron.d/x", {}, "WARNING: writes outside the working folder: /etc/cron.d/x"),
        ("${out}", {"out": {"type": "string", "default": "../x"}}, "outside the working folder: ../x (resolves to "),
        ("${d}/cron", {"d": {"type": "string", "default": "/etc"}}, "outside the working folder: /etc/cron"),
        ("${name}/../../x", {"name": {"type": "string"}}, "WARNING: write path climbs out with '..': ${name}/../../x"),
        ("~/.bashrc", {}, "outside the working folder: ~/.bashrc (resolves to "),
    ],
)
def test_a_write_outside_the_working_folder_is_flagged(tmp_path, path, inputs, warning):
    text = render_review(load(writes(path, **inputs)), cwd=tmp_path)
    (line,) = [line for line in text.splitlines() if "WARNING" in line]
    assert warning in line and line.startswith("     WARNING: ")


@pytest.mark.parametrize("path", ["report.md", "out/sub/../r.md", "${out}", "${summ}"])
def test_writes_inside_the_folder_or_unknown_until_run_are_not_flagged(tmp_path, path):
    inputs = {"out": {"type": "string", "default": "reports/r.md"}, "summ": {"type": "string"}}
    assert "WARNING" not in render_review(load(writes(path, **inputs)), cwd=tmp_path)


def test_a_literal_write_through_a_symlink_out_of_the_folder_is_flagged(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "link").symlink_to(tmp_path)
    text = render_review(load(writes("link/x.txt")), cwd=tmp_path / "work")
    assert f"writes outside the working folder: link/x.txt (resolves to {tmp_path.resolve()}/x.txt)" in text


# -- order and speed ----------------------------------------------------------------------------


def _quadratic_order(nodes: list[str], edges: list[tuple[str, str]]) -> list[str]:
    """The previous implementation: the earliest ready node in file order, one at a time."""
    parents: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in edges:
        parents[b].add(a)
    order: list[str] = []
    done: set[str] = set()
    while len(order) < len(nodes):
        ready = [n for n in nodes if n not in done and parents[n] <= done]
        order.append(ready[0])
        done.add(ready[0])
    return order


def _graph(nodes: list[str], edges: list[tuple[str, str]]) -> Workflow:
    return Workflow.model_validate(
        {
            "ir_version": "0.1.0",
            "nodes": [{"id": n, "type": "shell", "params": {"command": "true"}} for n in nodes],
            "edges": [{"from": a, "to": b} for a, b in edges],
        }
    )


def test_execution_order_keeps_file_order_where_dependencies_allow():
    rng = random.Random(7)
    for _ in range(50):
        nodes = [f"n{i}" for i in range(30)]
        rank = nodes[:]
        rng.shuffle(rank)  # a hidden topological order; the file order is another shuffle
        edges = [(rank[i], rank[j]) for i in range(30) for j in range(i + 1, 30) if rng.random() < 0.08]
        rng.shuffle(nodes)
        assert execution_order(_graph(nodes, edges)) == _quadratic_order(nodes, edges)
    assert execution_order(_graph(["a", "c", "b"], [("a", "c")])) == ["a", "c", "b"]


def test_the_review_of_a_20000_node_workflow_is_fast():
    nodes = [f"n{i}" for i in range(20_000)]
    # a chain written backwards: the worst case for a scan-for-ready-nodes order
    workflow = _graph(nodes, [(nodes[i + 1], nodes[i]) for i in range(len(nodes) - 1)])
    start = time.perf_counter()
    order = execution_order(workflow)
    text = render_review(workflow)
    elapsed = time.perf_counter() - start
    assert order == nodes[::-1]
    assert text.count("[shell]") == 20_000
    assert elapsed < 5, f"{elapsed:.1f} s"


def test_planflow_list_escapes_saved_descriptions(tmp_path):
    (tmp_path / "plan.json").write_text(plan_text())
    runner = CliRunner()
    assert runner.invoke(cli, ["save", str(tmp_path / "plan.json"), "hostile"]).exit_code == 0
    listed = runner.invoke(cli, ["list"])
    assert listed.exit_code == 0 and listed.stdout.startswith("hostile\tTidy up\\r\\x1b[2J")
    assert listed.stdout.count("\n") == 1
    for char in RAW_FORBIDDEN:
        assert char not in listed.stdout
