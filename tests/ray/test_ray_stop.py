"""SIGTERM during a Ray batch: the embedded Ray is shut down, no agent is left listening, no
item's process survives, and the CLI still prints its one JSON object."""

from __future__ import annotations

import json
import signal

from tests.cli.stopping import DEADLINE_SECONDS, alive, start_run, wait_for_files, warning_lines
from tests.ray.sockets import descendants, listening
from tests.runtime.helpers import workflow


def test_sigterm_shuts_the_embedded_ray_down_and_leaves_nothing_listening(tmp_path):
    doc = workflow(
        {
            "id": "slow",
            "type": "shell",
            "params": {"command": 'echo $$ > "${item}.tmp"; mv "${item}.tmp" "${item}.pid"; exec sleep 300'},
            "batch": {"items": ["a", "b"], "parallel": True, "max_concurrent": 2},
        }
    )
    process = start_run(tmp_path, doc, "--executor", "ray")
    try:
        wait_for_files(tmp_path, "*.pid", 2, process)  # Ray is up and both items run (2 CPUs)
        ray_processes = descendants(process.pid) - {process.pid}
        assert listening(ray_processes), "the check sees Ray's sockets"
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=DEADLINE_SECONDS * 2)
    finally:
        process.kill()
    assert process.returncode == 143, stderr[-3000:]
    payload = json.loads(stdout)
    assert payload["status"] == "interrupted" and "SIGTERM" in payload["error"]["message"]
    items = [int(p.read_text()) for p in tmp_path.glob("*.pid")]
    assert [pid for pid in items if alive(pid)] == []
    assert listening(ray_processes) == []
    assert [pid for pid in ray_processes if alive(pid)] == []
    assert warning_lines(stderr) == []
