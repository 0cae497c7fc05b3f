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
from planflow.cli.pacing_options import pacing_options
from planflow.cli.progress_view import LiveProgress, SummaryProgress
from planflow.cli.stop_signals import StopSignals


def fail(message: str, status: ExitStatus) -> None:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(status)


def load_or_exit(target: str) -> Any:
    """A valid workflow from a file, or every problem printed and exit 1."""
    from planflow.cli.workflow_source import resolve_workflow_path
    from planflow.ir import validate_file
    from planflow.runtime.registry import default_registry

    path = resolve_workflow_path(target)
    result = validate_file(path, default_registry().specs())
    if not result.valid:
        for issue in result.issues:
            click.echo(str(issue), err=True)
        fail(f"{path} is not a valid workflow ({len(result.issues)} problem(s))", ExitStatus.FAILED)
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
    gate: Any = None,
) -> None:
    """Run with progress and print the result; shared by `run` and the plan-and-run command."""
    from planflow.runtime.context import RunContext
    from planflow.runtime.engine import run_workflow
    from planflow.runtime.errors import InputError, ModelUnavailable
    from planflow.runtime.executor import UnknownExecutor, executor_named
    from planflow.runtime.models import ModelCache
    from planflow.runtime.progress import NullProgress

    try:
        executor = executor_named(executor_name)
    except UnknownExecutor as exc:
        fail(str(exc), ExitStatus.USAGE)
    live = not quiet and sys.stderr.isatty()
    progress: Any = NullProgress() if quiet else LiveProgress() if live else SummaryProgress()
    try:
        run = RunContext(models=ModelCache(model), progress=progress, executor=executor, allow_outside=allow_outside)
        if gate is not None:  # --rpm, --tpm, budgets (cli/pacing_options.py)
            run.llm = gate
    except InputError as exc:  # PLANFLOW_MAX_PROCESSES is not a number
        fail(str(exc), ExitStatus.USAGE)

    def name_the_stop(received: signal.Signals) -> None:
        run.interrupted_by = received.name

    # The handlers stay until the executor is closed, so a stop signal cannot cut Ray's shutdown short.
    with StopSignals(name_the_stop) as stop:
        try:
            with progress if live else contextlib.nullcontext():
                result = asyncio.run(stop.guard(run_workflow(workflow, inputs, run, inputs_are_text=inputs_are_text)))
        except InputError as exc:
            fail(str(exc), ExitStatus.USAGE)
        except ModelUnavailable as exc:
            fail(str(exc), ExitStatus.NO_MODEL)
        except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C, or a stop signal's cancellation
            result = run.result
            if result is None:
                fail("interrupted before any node ran", interrupted_status(stop.received))
        finally:
            executor.close()
    report(result, as_json, stop.received)


def interrupted_status(received: signal.Signals | None) -> ExitStatus:
    """128 + the signal's number, as a shell reports a process the signal ended."""
    if received is not None and received.name == "SIGTERM":
        return ExitStatus.TERMINATED
    if received is not None and received.name == "SIGHUP":
        return ExitStatus.HUNG_UP
    return ExitStatus.INTERRUPTED


def report(result: Any, as_json: bool, stopped_by: signal.Signals | None = None) -> None:
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
    elif result.status == "ok":
        for name, value in result.outputs.items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            click.echo(f"{name}: {shown}")
    if result.status == "ok":
        raise SystemExit(ExitStatus.OK)
    if not as_json:
        click.echo(
            f"Error: node {result.error['node']}: {result.error['message']}"
            if result.status == "failed"
            else f"Interrupted: {result.error['message']}",
            err=True,
        )
    raise SystemExit(interrupted_status(stopped_by) if result.status == "interrupted" else ExitStatus.FAILED)


allow_outside_option = click.option(
    "--allow-outside",
    is_flag=True,
    help="Let paths taken from step outputs (a model's answer, a listing…) point outside this folder.",
)


@click.command("run")
@click.argument("workflow")
@click.argument("assignments", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: status, outputs, nodes, error.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.option("-m", "--model", help="Model for llm nodes that name none (else PLANFLOW_MODEL, else llm's default).")
@click.option(
    "--executor",
    "executor_name",
    envvar="PLANFLOW_EXECUTOR",
    type=click.Choice(["local", "ray"], case_sensitive=False),
    help="Where batch items run: local (default) or ray (joins RAY_ADDRESS, else a local Ray on loopback).",
)
@allow_outside_option
@pacing_options
def run_command(
    workflow: str,
    assignments: tuple[str, ...],
    as_json: bool,
    quiet: bool,
    model: str | None,
    executor_name: str | None,
    allow_outside: bool,
    gate: Any,
) -> None:
    """Run a workflow FILE (or saved NAME) with inputs given as name=value."""
    from planflow.runtime.errors import InputError
    from planflow.runtime.inputs import parse_assignments

    loaded = load_or_exit(workflow)
    try:
        inputs = parse_assignments(list(assignments))
    except InputError as exc:
        fail(str(exc), ExitStatus.USAGE)
    execute(loaded, inputs, model, quiet, as_json, executor_name=executor_name, allow_outside=allow_outside, gate=gate)
