"""What only the Ray executor has to prove: loopback only, chunks, in-order delivery, a real
two-node cluster, and the CLI switch. The batch semantics themselves are tested on both
executors in tests/runtime/test_batch.py."""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from planflow.runtime.context import NodeContext, RunContext
from planflow.runtime.executor import BatchJob
from planflow.runtime.ray_executor import chunk_size
from tests.conftest import EXAMPLES, ROOT
from tests.ray.sockets import descendants, is_loopback, listening
from tests.runtime.helpers import run_doc, workflow

PLANFLOW = str(Path(sys.executable).with_name("planflow"))  # the console script, as a user runs it


async def _echo(item, ctx):
    await asyncio.sleep(item)
    return {"slept": item}


def _job(items, **fields):
    return BatchJob(items=items, call=_echo, context=NodeContext(RunContext(), "n", 8), prepare=lambda i: i, **fields)


def test_an_embedded_ray_listens_on_loopback_only(ray_executor):
    for io_bound in (True, False):  # start both worker pools
        asyncio.run(ray_executor.map(_job([0.0, 0.0], io_bound=io_bound), 2, lambda *a: True))
    sockets = listening(descendants(os.getpid()))
    assert len(sockets) >= 5, sockets  # GCS, raylet, agents, workers: the check saw them
    assert [s for s in sockets if not is_loopback(s[1])] == []


def test_results_reach_the_consumer_in_input_order(ray_executor):
    rng = random.Random(7)
    delays = [rng.random() / 20 for _ in range(60)]
    seen: list[int] = []
    asyncio.run(ray_executor.map(_job(delays), 12, lambda i, v, e: seen.append(i) or True))
    assert seen == list(range(60))


def test_items_travel_in_chunks_within_the_window(ray_executor):
    before = ray_executor.chunks_sent
    delays = [0.0] * 2000
    done: list[int] = []
    asyncio.run(ray_executor.map(_job(delays), 100, lambda i, v, e: done.append(i) or True))
    assert len(done) == 2000
    assert ray_executor.chunks_sent - before <= 2000 / 10  # one task per chunk, not per item
    assert chunk_size(100_000, 100, 2) == 25  # 2 chunks a worker fill the window of 100
    assert chunk_size(60, 7, 2) == 1 and chunk_size(3, 100, 2) == 1


def test_shell_items_run_on_ray_workers_with_hostile_values(ray_executor, tmp_path):
    values = ["a; touch PWNED", "$(touch PWNED)", "`touch PWNED`", "' \" \\", "-n", "line\nbreak", ""]
    doc = workflow(
        {
            "id": "echo",
            "type": "shell",
            "params": {"command": "printf '%s' ${v}"},
            "batch": {"items": values, "as": "v", "parallel": True, "max_concurrent": 4},
        }
    )
    out = run_doc(doc, cwd=tmp_path, executor=ray_executor)
    assert out.status == "ok", out.error
    assert [r["stdout"] for r in out.nodes["echo"]["results"]] == values
    assert not (tmp_path / "PWNED").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_node_cluster(tmp_path):
    """A Ray head and a second node, two `ray start` processes on loopback addresses that Ray
    does not rewrite to the machine's interface address (it does so for 127.0.0.1 itself)."""
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    env.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)  # set to 0, Ray refuses a second node
    env.pop("RAY_ADDRESS", None)
    port = _free_port()
    ray_cli = str(Path(sys.executable).with_name("ray"))
    common = ["--block", "--num-cpus=1", "--disable-usage-stats"]
    head_args = ["--head", "--node-ip-address=127.0.0.2", f"--port={port}", "--include-dashboard=false"]
    head = subprocess.Popen(
        [ray_cli, "start", *head_args, *common],
        env=env,
        stdout=(tmp_path / "head.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    nodes = [head]
    try:
        _wait_for_port("127.0.0.2", port, head)
        second = subprocess.Popen(
            [ray_cli, "start", f"--address=127.0.0.2:{port}", "--node-ip-address=127.0.0.3", *common],
            env=env,
            stdout=(tmp_path / "node.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        nodes.append(second)
        yield f"127.0.0.2:{port}", env
    finally:
        for process in reversed(nodes):  # --block: SIGTERM stops that node's processes and only those
            process.terminate()
        for process in reversed(nodes):
            process.wait(60)


def _wait_for_port(host: str, port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "ray start exited"
        with socket.socket() as s:
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {host}:{port}")


DRIVER = """
import asyncio, json, sys, time
import ray
from planflow.ir import validate_document
from planflow.runtime.context import RunContext
from planflow.runtime.engine import run_workflow
from planflow.runtime.ray_executor import RayExecutor
from planflow.runtime.registry import default_registry

executor = RayExecutor()  # RAY_ADDRESS names the cluster
executor.connect()
deadline = time.monotonic() + 60
while len([n for n in ray.nodes() if n["Alive"]]) < 2 and time.monotonic() < deadline:
    time.sleep(0.2)
doc = json.load(open(sys.argv[1]))
workflow = validate_document(doc, default_registry().specs()).workflow
result = asyncio.run(run_workflow(workflow, {}, RunContext(executor=executor)))
print(json.dumps({"status": result.status, "nodes": len(executor.nodes_used), "out": result.nodes}))
executor.close()
"""


def test_a_workflow_runs_across_a_two_node_cluster(two_node_cluster, tmp_path):
    address, env = two_node_cluster
    doc = workflow(
        {
            "id": "work",
            "type": "shell",  # CPU-bound: one worker per CPU, and each node has one CPU
            "params": {"command": "sleep 0.2; echo ${n}"},
            "batch": {"items": list(range(8)), "as": "n", "parallel": True, "max_concurrent": 8},
        }
    )
    (tmp_path / "flow.json").write_text(json.dumps(doc))
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(tmp_path / "flow.json")],
        env={**env, "RAY_ADDRESS": address, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["status"] == "ok"
    assert report["nodes"] == 2, "both nodes ran items"
    assert [r["stdout"] for r in report["out"]["work"]["results"]] == [f"{i}\n" for i in range(8)]


def _planflow(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The console script as a user runs it; RAY_ADDRESS dropped so a local Ray is started."""
    base = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    return subprocess.run(
        [PLANFLOW, *args], env={**base, **(env or {})}, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_run_cli_takes_the_executor_from_the_flag_or_the_environment(tmp_path):
    flow = EXAMPLES / "word-counts" / "workflow.json"
    run = ("run", str(flow), f"folder={EXAMPLES / 'word-counts' / 'texts'}", "--json")
    counts = []
    for done in (
        _planflow(*run, "--executor", "ray", cwd=tmp_path),
        _planflow(*run, cwd=tmp_path, env={"PLANFLOW_EXECUTOR": "ray"}),
        _planflow(*run, cwd=tmp_path),
    ):
        assert done.returncode == 0, done.stderr[-3000:]
        counts.append(json.loads(done.stdout)["nodes"]["count"])
    assert counts[0] == counts[1] == counts[2]  # ray by flag, ray by environment, local


def test_an_unknown_executor_is_a_usage_error(tmp_path):
    done = _planflow("run", str(EXAMPLES / "word-counts" / "workflow.json"), "--executor", "dask", cwd=tmp_path)
    assert done.returncode == 2 and "'dask' is not one of 'local', 'ray'" in done.stderr


def _running(marker: str) -> int:
    found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    return len(found.stdout.split())


def test_ctrl_c_stops_a_ray_batch_and_leaves_no_process_behind(tmp_path):
    marker = f"sleep 3{secrets.randbelow(10)}.{secrets.randbelow(10**6):06d}"  # unique to this test run
    doc = workflow(
        {
            "id": "slow",
            "type": "shell",
            "params": {"command": f"{marker}; echo ${{item}}"},
            "batch": {"items": list(range(6)), "parallel": True, "max_concurrent": 6},
        }
    )
    (tmp_path / "flow.json").write_text(json.dumps(doc))
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    process = subprocess.Popen(
        [PLANFLOW, "run", "flow.json", "--executor", "ray"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while _running(marker) == 0:  # Ray is up and items are running on its workers
            assert process.poll() is None and time.monotonic() < deadline, "the batch never started"
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err[-2000:]
    assert "node slow: 0 of 6 items finished" in err
    assert _running(marker) == 0, subprocess.run(["pgrep", "-af", marker], capture_output=True, text=True).stdout
