"""While the planner waits on the model: a spinner on a terminal with the elapsed time, the call
number and the tokens so far (a small local model took 2.5 to 7.7 minutes with nothing shown)."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.spinner import Spinner


class _Status:
    """Rendered on every refresh, so the elapsed time moves while a call blocks."""

    def __init__(self, model: str | None) -> None:
        self.started = time.monotonic()
        self.model = model
        self.report: Any = None
        self.spinner = Spinner("dots")

    def __rich__(self) -> Any:
        elapsed = time.monotonic() - self.started
        text = f"Planning{f' with {self.model}' if self.model else ''}: {elapsed:.0f} s"
        if self.report is not None:
            tokens = self.report.input_tokens + self.report.output_tokens
            text += f", call {self.report.llm_calls}, {tokens:,} tokens so far"
        self.spinner.update(text=text)
        return self.spinner


@contextlib.contextmanager
def planning_status(model: str | None) -> Iterator[Any]:
    """Yields the planner's `on_call` callback; shows nothing when stderr is not a terminal."""
    status = _Status(model)

    def on_call(report: Any) -> None:
        status.report = report

    if not sys.stderr.isatty():
        yield on_call
        return
    from rich.live import Live

    with Live(status, console=Console(stderr=True), refresh_per_second=4, transient=True):
        yield on_call
