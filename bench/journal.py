"""What the run journal costs: a 5,000-item batch of a no-op node type, recorded and not,
interleaved, median of 5 (every item is its own committed transaction in WAL mode).

python bench/journal.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import batch_workflow, registry_with_noop
from planflow.runtime.context import RunContext
from planflow.runtime.engine import run_workflow
from planflow.runtime.journal import Journal
from planflow.runtime.recording import RunRecorder

ITEMS = 5_000


def timed(workflow, registry, recorder=None) -> float:
    started = time.perf_counter()
    result = asyncio.run(run_workflow(workflow, {}, RunContext(recorder=recorder), registry))
    assert result.status == "ok", result.error
    return time.perf_counter() - started


def main() -> None:
    registry = registry_with_noop()
    workflow = batch_workflow("noop", {"value": "${item}"}, ITEMS, True, 50, registry)
    plain, journaled = [], []
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal(Path(tmp) / "runs.db")
        for _ in range(5):
            plain.append(timed(workflow, registry))
            run_id = journal.new_run("bench", None, workflow.to_json_dict(), {}, {})
            journaled.append(timed(workflow, registry, RunRecorder(journal, run_id, workflow)))
    p, j = statistics.median(plain), statistics.median(journaled)
    print(
        f"{ITEMS:,} items: {p:.2f} s without the journal, {j:.2f} s with it: "
        f"{(j - p) / ITEMS * 1e6:.0f} us per recorded item"
    )


if __name__ == "__main__":
    main()
