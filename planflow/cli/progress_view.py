"""Progress on stderr: live bars per batch node on a terminal, one summary line per batch otherwise."""

from __future__ import annotations

import time
from typing import Any

import click


class SummaryProgress:
    """For pipes and CI logs: one line when each batch node ends."""

    def __init__(self) -> None:
        self._batches: dict[str, list[Any]] = {}  # node -> [total, ok, failed, started]

    def node_started(self, node_id: str) -> None:
        pass

    def batch_started(self, node_id: str, total: int) -> None:
        self._batches[node_id] = [total, 0, 0, time.monotonic()]

    def item_finished(self, node_id: str, ok: bool) -> None:
        self._batches[node_id][1 if ok else 2] += 1

    def node_finished(self, node_id: str, ok: bool) -> None:
        batch = self._batches.pop(node_id, None)
        if batch is not None:
            total, done, failed, started = batch
            click.echo(summary_line(node_id, total, done, failed, time.monotonic() - started), err=True)


def summary_line(node_id: str, total: int, done: int, failed: int, seconds: float) -> str:
    rate = (done + failed) / seconds if seconds > 0 else 0.0
    return f"{node_id}: {done}/{total} items ok, {failed} failed in {seconds:.1f}s ({format_rate(rate)}/s)"


def format_rate(rate: float) -> str:
    """Whole numbers when fast, one decimal when slow: an LLM batch at 0.2/s is not "0/s"."""
    return f"{rate:.0f}" if rate >= 10 else f"{rate:.1f}"


class LiveProgress:
    """For terminals: a rich bar per batch node (done/total, failures, rate)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TextColumn("{task.fields[rate]}/s"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        )
        self._tasks: dict[str, Any] = {}
        self._failed: dict[str, int] = {}
        self._started: dict[str, float] = {}

    def __enter__(self) -> LiveProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def node_started(self, node_id: str) -> None:
        pass

    def batch_started(self, node_id: str, total: int) -> None:
        self._failed[node_id] = 0
        self._started[node_id] = time.monotonic()
        self._tasks[node_id] = self._bar.add_task(node_id, total=total, failed=0, rate="0")

    def item_finished(self, node_id: str, ok: bool) -> None:
        if not ok:
            self._failed[node_id] += 1
        task = self._tasks[node_id]
        elapsed = max(time.monotonic() - self._started[node_id], 1e-9)
        done = self._bar.tasks[task].completed + 1
        self._bar.update(task, advance=1, failed=self._failed[node_id], rate=format_rate(done / elapsed))

    def node_finished(self, node_id: str, ok: bool) -> None:
        pass
