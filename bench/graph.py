"""The graph scheduler, whole-process (`planflow run`), median of several runs:

- branch overlap: start -> {slow (sleep 1), fast}, fast -> after_fast (sleep 1). Scheduled by
  parents, the run takes about 1 s (after_fast overlaps slow); staged by depth it took 2 s.
- a 5,000-node chain of read_file steps written backwards: it runs, and how long per node.

python bench/graph.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_planflow(doc: dict, folder: Path) -> float:
    path = folder / "flow.json"
    path.write_text(json.dumps(doc))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "planflow", "run", str(path), "-q"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PLANFLOW_HOME": str(folder / "home")},
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"planflow run failed: {done.stderr}")
    return elapsed


def overlap_doc() -> dict:
    shell = lambda i, c: {"id": i, "type": "shell", "params": {"command": c}}  # noqa: E731
    return {
        "ir_version": "0.1.0",
        "nodes": [
            shell("start", "true"),
            shell("slow", "sleep 1"),
            shell("fast", "true"),
            shell("after_fast", "sleep 1"),
        ],
        "edges": [
            {"from": "start", "to": "slow"},
            {"from": "start", "to": "fast"},
            {"from": "fast", "to": "after_fast"},
        ],
    }


def chain_doc(n: int) -> dict:
    nodes = [{"id": f"n{i}", "type": "read_file", "params": {"path": "x.txt"}} for i in range(n)]
    edges = [{"from": f"n{i + 1}", "to": f"n{i}"} for i in range(n - 1)]
    return {"ir_version": "0.1.0", "nodes": nodes, "edges": edges}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "x.txt").write_text("x")
        noop = {"ir_version": "0.1.0", "nodes": [{"id": "a", "type": "shell", "params": {"command": "true"}}]}
        overlap, baseline, chain = [], [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine
            overlap.append(run_planflow(overlap_doc(), folder))
            baseline.append(run_planflow(noop, folder))
            chain.append(run_planflow(chain_doc(5_000), folder))
    o, b, c = (statistics.median(x) for x in (overlap, baseline, chain))
    print(
        f"branch overlap: {o:.2f} s whole-process, {o - b:.2f} s past a one-step run's {b:.2f} s "
        f"(target: about 1 s of sleeps, not 2: {'PASS' if o - b < 1.5 else 'MISS'})"
    )
    print(
        f"5,000-node chain: {c:.2f} s whole-process, {(c - b) / 5_000 * 1e6:.0f} us per node past start-up "
        f"(median of {args.runs})"
    )


if __name__ == "__main__":
    main()
