"""`--json` on a stdout that is not UTF-8 (a Latin-1 locale, PYTHONIOENCODING=latin-1): what the
stream cannot encode is a JSON `\\uXXXX` escape (a UTF-16 pair past the BMP), so the one object
`--json` promises still parses."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_json_output_parses_on_a_latin1_stdout(tmp_path):
    doc = {
        "ir_version": "0.1.0",
        "nodes": [{"id": "sh", "type": "shell", "params": {"command": "printf '\\xf0\\x9f\\x98\\x80'"}}],
        "edges": [],
        "outputs": {"o": {"source": "${sh.stdout}"}},
    }
    (tmp_path / "plan.json").write_text(json.dumps(doc))
    env = {
        **os.environ,
        "PLANFLOW_HOME": str(tmp_path / "home"),
        "PYTHONPATH": "/work/main",
        "PYTHONIOENCODING": "latin-1",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "planflow", "run", "plan.json", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.decode("latin-1"))
    assert out["outputs"] == {"o": "\U0001f600"}
