"""The shell node's process handling (planflow.runtime.nodes._process): starts on spawn threads,
pipes read and written without blocking the loop, every kill path leaving nothing alive."""

from __future__ import annotations

import asyncio
import os
import time

from planflow.runtime.nodes import _process
from tests.cli.stopping import alive
from tests.runtime.helpers import run_doc, workflow


def shell(command: str, **params) -> dict:
    return {"id": "s", "type": "shell", "params": {"command": command, **params}}


def test_stdin_larger_than_a_pipe_buffer_goes_through_whole(tmp_path):
    text = "x" * 1_000_000  # a pipe holds 64 KiB: the writer must wait for the reader, not block the loop
    out = run_doc(workflow(shell("wc -c", stdin=text)), cwd=tmp_path)
    assert out.status == "ok", out.error
    assert out.nodes["s"]["stdout"].strip() == str(len(text))


def test_a_command_that_ignores_its_stdin_is_not_an_error(tmp_path):
    out = run_doc(workflow(shell("echo ignored", stdin="y" * 500_000)), cwd=tmp_path)
    assert out.status == "ok", out.error
    assert out.nodes["s"]["stdout"] == "ignored\n"


def test_a_timeout_kills_a_background_child_holding_the_output_open(tmp_path):
    # bash exits at once; its child keeps stdout open, so the item waits for it until the timeout
    out = run_doc(workflow(shell("sleep 30 & echo $! > child.pid", timeout=0.5)), cwd=tmp_path)
    assert out.status == "failed" and "timed out after 0.5 s" in out.error["message"]
    assert not alive(int((tmp_path / "child.pid").read_text()))


def test_a_missing_folder_is_a_clear_failure(tmp_path):
    out = run_doc(workflow(shell("true", cwd="nowhere")), cwd=tmp_path)
    assert out.status == "failed" and "cannot start bash" in out.error["message"]


def test_cancelling_starts_leaves_no_process(tmp_path):
    """Cancelled while queued for a spawn thread or while starting: nothing is left running."""

    async def cancelled_starts() -> list[int]:
        argv = ["bash", "-c", "echo $$ >> pids; exec sleep 30"]
        env = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()}
        starts = [asyncio.ensure_future(_process.start(argv, env, tmp_path, False)) for _ in range(40)]
        await asyncio.sleep(0.01)
        for task in starts:
            task.cancel()
        results = await asyncio.gather(*starts, return_exceptions=True)
        for child in results:  # a start that finished before its cancel: the caller kills it
            if isinstance(child, _process.Child):
                await _process.kill_and_reap(child)
        return [int(p) for p in (tmp_path / "pids").read_text().split()] if (tmp_path / "pids").exists() else []

    pids = asyncio.run(cancelled_starts())
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in pids if alive(pid)] == []


def test_without_pidfds_a_thread_waits_for_each_exit(tmp_path, monkeypatch):
    monkeypatch.setattr(_process, "PIDFDS", False)  # macOS, or a kernel before 5.3
    out = run_doc(workflow(shell("echo hi; exit 4")), cwd=tmp_path)
    assert out.error == {"node": "s", "message": "command exited with 4: hi"}
    out = run_doc(workflow(shell("echo $$ > bash.pid; exec sleep 30", timeout=0.3)), cwd=tmp_path)
    assert "timed out after 0.3 s" in out.error["message"]
    assert not alive(int((tmp_path / "bash.pid").read_text()))
