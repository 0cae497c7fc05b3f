"""An item's error naming a file whose name is not UTF-8 (os.fsdecode's \\udcff) is journaled as
text SQLite can store: the run ends partial (or failed), never as an internal error left `died`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from planflow.runtime.journal import Journal


def test_journal_stores_an_item_error_holding_undecodable_bytes(tmp_path):
    journal = Journal(tmp_path / "runs.db")
    run_id = journal.new_run("plan.json", None, {"nodes": []}, {}, {})
    journal.item_finished(run_id, "rd", 0, "h", None, "./b\udcff.txt is not UTF-8 text", None)
    assert journal.finished_items(run_id, "rd") is not None


def test_continue_batch_over_a_latin1_named_latin1_file(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / os.fsdecode(b"b\xff.txt")).write_bytes(b"caf\xe9\n")  # not UTF-8: that item fails
    (tmp_path / "d" / "good.txt").write_text("ok\n")
    doc = {
        "ir_version": "0.1.0",
        "nodes": [
            {"id": "ls", "type": "list_files", "params": {"dir": "d"}},
            {
                "id": "rd",
                "type": "read_file",
                "batch": {"items": "${ls.files}", "as": "f", "error_handling": "continue"},
                "params": {"path": "${f}"},
            },
        ],
        "edges": [{"from": "ls", "to": "rd"}],
        "outputs": {"n": {"source": "${rd.success_count}"}},
    }
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    env = {**os.environ, "PLANFLOW_HOME": str(tmp_path / "home"), "PYTHONPATH": "/work/main"}
    proc = subprocess.run(
        [sys.executable, "-m", "planflow", "run", "plan.json", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "internal error" not in proc.stdout + proc.stderr, proc.stdout
    assert proc.returncode == 5, proc.stdout  # partial: one item failed, one ok
    out = json.loads(proc.stdout)
    assert out["status"] == "partial" and out["outputs"] == {"n": 1}
