"""Undecodable bytes (os.fsdecode's \\udcXX) in a folder's or a plan's name, and in shell stdin:
the run goes ahead, and stdin gets the exact bytes, as the command and env do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.runtime.helpers import run_doc, workflow

RAW = b"a\xff.txt"  # a Latin-1 file name: not UTF-8


def _cli(cwd: Path, home: Path, *args: str | bytes) -> subprocess.CompletedProcess:
    env = {**os.environ, "PLANFLOW_HOME": str(home), "PYTHONPATH": "/work/main"}
    return subprocess.run([sys.executable, "-m", "planflow", *args], cwd=cwd, env=env, capture_output=True, timeout=120)


def _doc_shell() -> dict:
    return workflow({"id": "sh", "type": "shell", "params": {"command": "echo hi"}}, outputs={"o": "${sh.stdout}"})


def test_run_from_a_folder_whose_name_is_not_utf8_does_not_crash(tmp_path):
    # the journal keeps the plan's label and source path as text, the byte as its escape
    folder = tmp_path / os.fsdecode(b"proj\xff")
    folder.mkdir()
    (folder / "plan.json").write_text(json.dumps(_doc_shell()))
    proc = _cli(folder, tmp_path / "home", "run", "plan.json", "--json")
    out = proc.stdout.decode() + proc.stderr.decode()
    assert "internal error" not in out, out
    assert proc.returncode == 0, out
    assert json.loads(proc.stdout)["outputs"] == {"o": "hi\n"}


def test_run_of_a_plan_file_whose_name_is_not_utf8_does_not_crash(tmp_path):
    plan = os.fsencode(tmp_path) + b"/plan\xff.json"
    Path(os.fsdecode(plan)).write_text(json.dumps(_doc_shell()))
    proc = _cli(tmp_path, tmp_path / "home", "run", plan, "--json")
    out = proc.stdout.decode() + proc.stderr.decode()
    assert "internal error" not in out, out
    assert proc.returncode == 0, out


def _listed(tmp_path: Path, *nodes: dict, outputs=None):
    (tmp_path / os.fsdecode(RAW)).write_text("hello\n")
    doc = workflow(
        {"id": "ls", "type": "list_files", "params": {"dir": ".", "pattern": "a*.txt"}}, *nodes, outputs=outputs
    )
    return run_doc(doc, cwd=tmp_path)


def test_shell_stdin_holding_a_listed_file_name(tmp_path):
    # stdin is encoded with surrogateescape, so the listed name's byte arrives as that byte
    result = _listed(
        tmp_path,
        {"id": "sh", "type": "shell", "params": {"command": "od -An -tx1", "stdin": "${ls.files[0]}"}},
        outputs={"o": "${sh.stdout}"},
    )
    assert result.error is None, result.error
    assert "ff" in result.outputs["o"]  # the name's own byte reaches the command, as it does through ${f}


def test_shell_stdin_holding_the_list_of_file_names(tmp_path):
    result = _listed(
        tmp_path,
        {"id": "sh", "type": "shell", "params": {"command": "cat", "stdin": "${ls.files}"}},
        outputs={"o": "${sh.stdout}"},
    )
    assert result.error is None, result.error
    # a list reaches stdin as JSON, the byte as its escape: it parses back to the listed name
    assert json.loads(result.outputs["o"]) == ["./" + os.fsdecode(RAW)]
