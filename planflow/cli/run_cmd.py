"""`planflow run FILE [key=value …]`: run a workflow, show progress, print outputs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from typing import Any

import click

from planflow.cli.exit_codes import ExitStatus
from planflow.cli.failure import fail
from planflow.cli.pacing_options import pacing_options
from planflow.cli.progress_view import LiveProgress, SummaryProgress
from planflow.cli.run_record import RunOrigin, close_record, open_record, resume_hint
from planflow.cli.stop_signals import StopSignals

__all__ = ["execute", "fail", "json_option", "load_or_exit", "quiet_option", "report", "run_command"]


def load_or_exit(target: str) -> Any:
    """A valid workflow from a file, or every problem printed and exit 1."""
    from planflow.cli.node_types_cmd import warn_load_errors
    from planflow.cli.workflow_source import resolve_workflow_path
    from planflow.ir import validate_file
    from planflow.runtime.registry import default_registry

    path = resolve_workflow_path(target)
    warn_load_errors(default_registry())
    if not path.exists():
        message = f"no such file or saved workflow: {target} (`planflow list` shows the saved ones)"
        fail(message, ExitStatus.FAILED, kind="NotFound")
    result = validate_file(path, default_registry().specs())
    if not result.valid:
        for issue in result.issues:
            click.echo(str(issue), err=True)
        details = {"issues": [issue.to_dict() for issue in result.issues]}
        fail(
            f"{path} is not a valid workflow ({len(result.issues)} problem(s))",
            ExitStatus.FAILED,
            details,
            "InvalidWorkflow",
        )
    return result.workflow


def execute(
    workflow: Any,
    inputs: dict[str, Any],
    model: str | None,
    quiet: bool,
    as_json: bool,
    inputs_are_text: bool = True,
    executor_name: str | None = None,
    allow_outside: bool = False,
    origin: RunOrigin | None = None,
    resume: Any = None,
    stale: set[str] | None = None,
    gate: Any = None,
) -> None:
    """Run with progress, record it in the journal, print the result; shared by `run`, `resume`
    and the plan-and-run command. `resume`: the journal's row of the run to go on with."""
    from planflow.runtime.context import RunContext
    from planflow.runtime.engine import run_workflow
    from planflow.runtime.errors import InputError, ModelUnavailable
    from planflow.runtime.executors import executor_named
    from planflow.runtime.models import ModelCache
    from planflow.runtime.progress import NullProgress

    executor = executor_named(executor_name)  # UnknownExecutor: reported by cli/main.py
    live = not quiet and sys.stderr.isatty()
    progress: Any = NullProgress() if quiet else LiveProgress() if live else SummaryProgress()
    # InputError (PLANFLOW_MAX_PROCESSES not a number) is reported by cli/main.py
    run = RunContext(models=ModelCache(model), progress=progress, executor=executor, allow_outside=allow_outside)
    if gate is not None:  # --rpm, --tpm, budgets (cli/pacing_options.py)
        run.llm = gate
    options = {
        "model": model,
        "executor": executor_name,
        "allow_outside": allow_outside,
        "inputs_are_text": inputs_are_text,
        "pacing": getattr(gate, "given", {}),  # --rpm, --tpm, budgets: a resume paces alike
    }
    origin = origin or RunOrigin("(planned)")
    run.recorder = open_record(workflow, inputs, options, origin, _totals(run), resume, stale or set())

    def name_the_stop(received: signal.Signals) -> None:
        run.interrupted_by = received.name

    result = None
    # The handlers stay until the executor is closed, so a stop signal cannot cut Ray's shutdown short.
    with StopSignals(name_the_stop) as stop:
        try:
            with progress if live else contextlib.nullcontext():
                result = asyncio.run(stop.guard(run_workflow(workflow, inputs, run, inputs_are_text=inputs_are_text)))
        except (InputError, ModelUnavailable) as exc:  # refused before anything ran
            _abandon(run, exc)
            raise
        except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C, or a stop signal's cancellation
            result = run.result
            close_record(run.recorder, result)
            if result is None:
                hint = resume_hint(run.recorder, "interrupted")
                fail(
                    "interrupted before any node ran" + (f"; go on with: {hint}" if hint else ""),
                    interrupted_status(stop.received),
                )
        finally:
            executor.close()
    if result is not None and result.status != "interrupted":
        close_record(run.recorder, result)
    report(result, as_json, stop.received, resume_hint(run.recorder, result.status), _run_id(run))


def _totals(run: Any) -> Any:
    """The run's llm spending so far, for the journal (read as items finish)."""
    return lambda: run.llm.totals()


def _run_id(run: Any) -> str | None:
    return run.recorder.run_id if run.recorder is not None else None


def _abandon(run: Any, exc: Exception) -> None:
    """Refused before anything ran (bad input, no model): the journal says so, not "running"."""
    from planflow.runtime.engine import RunResult

    close_record(run.recorder, RunResult("failed", error={"node": None, "message": str(exc)}))


def interrupted_status(received: signal.Signals | None) -> ExitStatus:
    """128 + the signal's number, as a shell reports a process the signal ended."""
    if received is not None and received.name == "SIGTERM":
        return ExitStatus.TERMINATED
    if received is not None and received.name == "SIGHUP":
        return ExitStatus.HUNG_UP
    return ExitStatus.INTERRUPTED


_EXIT_FOR_STATUS = {
    "ok": ExitStatus.OK,
    "partial": ExitStatus.PARTIAL,
    "failed": ExitStatus.FAILED,
    "stopped": ExitStatus.STOPPED,
}


def report(
    result: Any,
    as_json: bool,
    stopped_by: signal.Signals | None = None,
    resume: str | None = None,
    run_id: str | None = None,
) -> None:
    if as_json:
        shown = {**result.to_dict(), "run_id": run_id, "resume": resume}
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False, default=str))
    elif result.status in ("ok", "partial"):
        for name, value in result.outputs.items():
            shown_value = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            click.echo(f"{name}: {shown_value}")
    if not as_json and result.status != "ok":
        labels = {
            "failed": "Error",
            "partial": "Finished with failures",
            "stopped": "Stopped",
            "interrupted": "Interrupted",
        }
        where = f"node {result.error['node']}: " if result.status == "failed" and result.error.get("node") else ""
        click.echo(f"{labels[result.status]}: {where}{result.error['message']}", err=True)
        if resume:
            click.echo(f"Go on with: {resume}", err=True)
    if result.status == "interrupted":
        raise SystemExit(interrupted_status(stopped_by))
    raise SystemExit(_EXIT_FOR_STATUS[result.status])


json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object: status, outputs, nodes, error, run_id, resume."
)
quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress output.")

allow_outside_option = click.option(
    "--allow-outside",
    is_flag=True,
    help="Let paths taken from step outputs (a model's answer, a listing…) point outside this folder.",
)


@click.command("run")
@click.argument("workflow")
@click.argument("assignments", nargs=-1)
@json_option
@quiet_option
@click.option("-m", "--model", help="Model for llm nodes that name none (else PLANFLOW_MODEL, else llm's default).")
@click.option(
    "--executor",
    "executor_name",
    envvar="PLANFLOW_EXECUTOR",
    type=click.Choice(["local", "ray"], case_sensitive=False),
    help="Where batch items run: local (default) or ray (joins RAY_ADDRESS, else a local Ray on loopback).",
)
@allow_outside_option
@click.option(
    "--estimate",
    is_flag=True,
    help="Print llm calls, tokens and cost per step, running only list_files, read_file and join steps; "
    "run nothing else.",
)
@pacing_options
def run_command(
    workflow: str,
    assignments: tuple[str, ...],
    as_json: bool,
    quiet: bool,
    model: str | None,
    executor_name: str | None,
    allow_outside: bool,
    estimate: bool,
    gate: Any,
) -> None:
    """Run a workflow FILE (or saved NAME) with inputs given as name=value."""
    from planflow.cli.workflow_source import resolve_workflow_path
    from planflow.runtime.inputs import parse_assignments

    loaded = load_or_exit(workflow)
    inputs = parse_assignments(list(assignments))
    if estimate:
        from planflow.cli.estimate_view import show_estimate

        show_estimate(loaded, inputs, model, as_json, allow_outside)
    source = resolve_workflow_path(workflow)
    execute(
        loaded,
        inputs,
        model,
        quiet,
        as_json,
        executor_name=executor_name,
        allow_outside=allow_outside,
        origin=RunOrigin(workflow, str(source.resolve())),
        gate=gate,
    )
