"""Helpers for running `planflow run` as a real process and stopping it with real signals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

DEADLINE_SECONDS = 60.0  # only a bound on a hang; nothing waits this long when things work


def start_run(tmp_path: Path, doc: dict, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`python -m planflow run flow.json --json …` in tmp_path, with warnings shown."""
    flow = tmp_path / "flow.json"
    flow.write_text(json.dumps(doc))
    base = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    return subprocess.Popen(
        [sys.executable, "-W", "default", "-m", "planflow", "run", str(flow), "--json", *args],
        cwd=tmp_path,
        env={**base, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "default", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_files(folder: Path, pattern: str, count: int, process: subprocess.Popen[str]) -> list[Path]:
    """Block until `count` files matching `pattern` exist (items write them once running)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        found = sorted(folder.glob(pattern))
        if len(found) >= count:
            return found
        if process.poll() is not None:
            raise AssertionError(f"the run ended early: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"only {len(found)} of {count} {pattern} appeared")
        time.sleep(0.02)


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "Warning" in line or "exit status already read" in line]
