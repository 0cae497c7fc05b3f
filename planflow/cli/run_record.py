"""A run's entry in the journal, from the CLI's side: open it (or reopen it for a resume), close
it with the run's status, and say how to go on when the run did not finish cleanly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import click

# Statuses after which `planflow resume ID` has something to do.
RESUMABLE = ("partial", "failed", "stopped", "interrupted", "died")


@dataclass(frozen=True)
class RunOrigin:
    """What the user ran: the name they gave (a file, a saved name, "(planned)") and the file it
    was read from, so a resume can tell whether the workflow changed since."""

    label: str
    source: str | None = None


def open_record(
    workflow: Any,
    inputs: dict[str, Any],
    options: dict[str, Any],
    origin: RunOrigin,
    totals: Any,
    resume: Any = None,
    stale: set[str] | None = None,
) -> Any:
    """A RunRecorder for this run, or None (with a warning) when the journal cannot be written:
    the run itself does not depend on it."""
    from planflow.runtime.journal import Journal, JournalError
    from planflow.runtime.recording import RunRecorder

    try:
        journal = Journal()
        document = workflow.to_json_dict()
        if resume is not None:
            recorder = RunRecorder(journal, resume.id, workflow, prior=resume, totals=totals, stale=stale or ())
            journal.reopen(resume.id, document)
            return recorder
        run_id = journal.new_run(origin.label, origin.source, document, inputs, options)
        return RunRecorder(journal, run_id, workflow, totals=totals)
    except JournalError as exc:
        click.echo(f"Warning: this run is not recorded, so it cannot be resumed: {exc}", err=True)
        return None


def close_record(recorder: Any, result: Any) -> None:
    from planflow.runtime.journal import JournalError

    if recorder is None:
        return
    status = result.status if result is not None else "interrupted"
    error = result.error if result is not None else {"node": None, "message": "interrupted before any node ran"}
    try:
        recorder.finish(status, error)
    except JournalError as exc:
        click.echo(f"Warning: {exc}", err=True)


def resume_hint(recorder: Any, status: str) -> str | None:
    if recorder is None or status not in RESUMABLE:
        return None
    return f"planflow resume {recorder.run_id}"
