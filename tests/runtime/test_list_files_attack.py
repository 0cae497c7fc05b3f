"""A list_files glob taken from data stays inside dir."""

from __future__ import annotations

from tests.runtime.helpers import run_doc, workflow


def test_a_pattern_from_data_does_not_list_outside_dir(tmp_path):
    (tmp_path / "secret-name.txt").write_text("x")
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "pat.txt").write_text("../*.txt")
    doc = workflow(
        {"id": "p", "type": "read_file", "params": {"path": "pat.txt"}},
        {"id": "ls", "type": "list_files", "params": {"dir": ".", "pattern": "${p.content}"}},
        outputs={"f": "${ls.files}"},
    )
    out = run_doc(doc, cwd=tmp_path / "work")
    # dir is contained (ensure_inside), and so is the glob: no name from outside is listed
    assert out.status == "failed" and out.error["node"] == "ls", out.outputs
    assert "params.pattern '../*.txt' reaches outside dir" in out.error["message"]
