"""Text no UTF-8 sink can hold, from data: half a character JSON-escaped in a file, a command's
output or a model's reply, a file name's undecodable bytes, JSON nested past Python's stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.runtime.helpers import run_doc, workflow


def _cli(tmp_path, doc, *args):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc))
    env = {**os.environ, "PLANFLOW_HOME": str(tmp_path / "home"), "PYTHONPATH": os.getcwd()}
    return subprocess.run(
        [sys.executable, "-m", "planflow", "run", str(plan), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_lone_surrogate_escape_in_a_json_file_does_not_crash_the_run(tmp_path):
    # valid JSON (json.loads accepts it); a file or web page nobody has read may hold it
    (tmp_path / "data.json").write_text('["a\\ud800b"]')
    doc = workflow(
        {"id": "rd", "type": "read_file", "params": {"path": "data.json"}},
        outputs={"path": "${rd.path}"},
    )
    proc = _cli(tmp_path, doc)
    assert "internal error" not in proc.stderr + proc.stdout, proc.stderr
    assert proc.returncode == 0, proc.stderr


def test_lone_surrogate_item_joined_does_not_crash(tmp_path):
    (tmp_path / "data.json").write_text('["ok", "a\\ud800b"]')
    doc = workflow(
        {"id": "rd", "type": "read_file", "params": {"path": "data.json"}},
        {"id": "report", "type": "join", "batch": {"items": "${rd.json}", "as": "r"}, "params": {"text": "${r}"}},
        outputs={"n": "${report.count}"},
    )
    proc = _cli(tmp_path, doc, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outputs"] == {"n": 2}


def test_half_a_character_from_data_becomes_a_replacement_character_everywhere(tmp_path):
    # one source per way in: a file, a command's stdout; each reaches a join, a file and a command
    (tmp_path / "data.json").write_text('["a\\ud800b"]')
    doc = workflow(
        {"id": "rd", "type": "read_file", "params": {"path": "data.json"}},
        {"id": "sh", "type": "shell", "params": {"command": "printf '%s' '[\"c\\udfffd\"]'"}},
        {"id": "report", "type": "join", "batch": {"items": "${rd.json}", "as": "r"}, "params": {"text": "<${r}>"}},
        {"id": "save", "type": "write_file", "params": {"path": "out.txt", "content": "${report.text}${sh.json[0]}"}},
        {"id": "echo", "type": "shell", "params": {"command": "cat out.txt"}},
        edges=[("rd", "report"), ("report", "save"), ("sh", "save"), ("save", "echo")],
        outputs={"text": "${echo.stdout}"},
    )
    proc = _cli(tmp_path, doc, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outputs"] == {"text": "<a\ufffdb>c\ufffdd"}
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "<a\ufffdb>c\ufffdd"


def test_a_file_name_with_undecodable_bytes_is_written_and_printed_back_as_those_bytes(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "ok.txt").write_text("x")
    os.close(os.open(os.path.join(os.fsencode(tmp_path / "d"), b"\xff.txt"), os.O_CREAT | os.O_WRONLY))
    doc = workflow(
        {"id": "ls", "type": "list_files", "params": {"dir": "d", "pattern": "*.txt"}},
        {"id": "names", "type": "join", "batch": {"items": "${ls.files}", "as": "f"}, "params": {"text": "${f}"}},
        {"id": "save", "type": "write_file", "params": {"path": "names.txt", "content": "${names.text}"}},
        edges=[("ls", "names"), ("names", "save")],
        outputs={"names": "${names.text}"},
    )
    proc = _cli(tmp_path, doc, "--json")
    assert proc.returncode == 0, proc.stderr
    # JSON output escapes the undecodable byte as Python's surrogateescape reads it back
    assert json.loads(proc.stdout)["outputs"] == {"names": "d/ok.txt\nd/\udcff.txt"}
    assert (tmp_path / "names.txt").read_bytes() == b"d/ok.txt\nd/\xff.txt"
    human = _cli(tmp_path, doc)
    assert human.returncode == 0, human.stderr
    assert "d/\\udcff.txt" in human.stdout


@pytest.mark.parametrize("source", ["read_file", "shell"])
def test_deeply_nested_json_content_gives_json_null_not_a_failure(tmp_path, source):
    deep = "[" * 3000 + "]" * 3000
    (tmp_path / "deep.txt").write_text(deep)
    if source == "read_file":
        node = {"id": "n", "type": "read_file", "params": {"path": "deep.txt"}}
    else:
        node = {"id": "n", "type": "shell", "params": {"command": "cat deep.txt"}}
    out = run_doc(workflow(node, outputs={"j": "${n.json}"}), cwd=tmp_path)
    # docs/nodes.md: json is "the content parsed as JSON, or null"
    assert out.status == "ok", out.error
    assert out.outputs["j"] is None


def test_half_a_character_in_a_json_input_becomes_a_replacement_character(tmp_path):
    doc = workflow(
        {
            "id": "sh",
            "type": "shell",
            "batch": {"items": "${xs}", "as": "x"},
            "params": {"command": "printf '%s' ${x}"},
        },
        inputs={"xs": {"type": "array"}},
        outputs={"out": "${sh.results[0].stdout}"},
    )
    proc = _cli(tmp_path, doc, "--json", 'xs=["a\\ud800b"]')
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outputs"] == {"out": "a\ufffdb"}
