"""Stopping `planflow run` from outside: SIGTERM and SIGHUP end a run as Ctrl-C does (every
process group killed, one JSON object, no `.partial` file), and no Python warning reaches stderr."""

from __future__ import annotations

import json
import signal
import sys

import pytest

from tests.cli.stopping import DEADLINE_SECONDS, alive, start_run, wait_for_files, warning_lines

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

ITEMS = 4
# the shell's pid and its child's, written whole (mv) once both run
SLEEP_AND_RECORD = 'sleep 300 & echo "$$ $!" > "${item}.pid.tmp"; mv "${item}.pid.tmp" "${item}.pid"; wait'


def sleepers_doc(items: int = ITEMS) -> dict:
    """A parallel batch whose items record their shell's pid and a child's, then wait, beside a
    write_file in the same stage."""
    return {
        "ir_version": "0.1.0",
        "nodes": [
            {
                "id": "sleepers",
                "type": "shell",
                "params": {"command": SLEEP_AND_RECORD},
                "batch": {"items": [f"item{i}" for i in range(items)], "parallel": True, "max_concurrent": items},
            },
            {"id": "report", "type": "write_file", "params": {"path": "out/report.txt", "content": "done"}},
        ],
    }


def _pids(tmp_path) -> list[int]:
    return [int(p) for f in sorted(tmp_path.glob("*.pid")) for p in f.read_text().split()]


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_stop_signal_ends_the_run_like_ctrl_c(tmp_path, signum, status):
    process = start_run(tmp_path, sleepers_doc())
    wait_for_files(tmp_path, "*.pid", ITEMS, process)
    pids = _pids(tmp_path)
    assert all(alive(pid) for pid in pids)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=DEADLINE_SECONDS)
    assert process.returncode == status, stderr
    payload = json.loads(stdout)
    assert payload["status"] == "interrupted"
    assert signal.Signals(signum).name in payload["error"]["message"]
    assert "node sleepers: 0 of 4 items finished" in payload["error"]["message"]
    assert [pid for pid in pids if alive(pid)] == []
    assert list(tmp_path.rglob("*.partial")) == []
    assert warning_lines(stderr) == []


def test_ctrl_c_mid_batch_leaves_no_process_and_no_warning(tmp_path):
    process = start_run(tmp_path, sleepers_doc())
    wait_for_files(tmp_path, "*.pid", ITEMS, process)
    pids = _pids(tmp_path)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=DEADLINE_SECONDS)
    assert process.returncode == 130, stderr
    assert json.loads(stdout)["status"] == "interrupted"
    assert [pid for pid in pids if alive(pid)] == []
    assert warning_lines(stderr) == []


def test_fail_fast_kills_and_reaps_the_other_items_without_warnings(tmp_path):
    doc = sleepers_doc()
    doc["nodes"][0]["params"]["command"] = (
        'if [ "${item}" = item0 ]; then while [ "$(ls | grep -c "\\.pid$")" -lt 3 ]; do sleep 0.02; done; exit 3; fi; '
        + doc["nodes"][0]["params"]["command"]
    )
    process = start_run(tmp_path, doc)
    stdout, stderr = process.communicate(timeout=DEADLINE_SECONDS)
    assert process.returncode == 1, stderr
    payload = json.loads(stdout)
    assert payload["status"] == "failed"
    assert "the item at index 0 (value item0) failed: command exited with 3" in payload["error"]["message"]
    pids = _pids(tmp_path)
    assert len(pids) == 6
    assert [pid for pid in pids if alive(pid)] == []
    assert warning_lines(stderr) == []
