"""`planflow resume ID`: finish a run the journal holds. Finished nodes are skipped, finished
items reused, failed and unfinished items run again; a workflow or inputs changed since the run
started are refused unless --force (then the nodes they touch run again)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from planflow.cli.exit_codes import ExitStatus
from planflow.cli.pacing_options import pacing_options
from planflow.cli.run_cmd import allow_outside_option, execute, fail, json_option, quiet_option
from planflow.cli.run_record import RESUMABLE, RunOrigin
from planflow.cli.runs_cmd import find_run, open_journal


@click.command("resume")
@click.argument("run_id")
@click.argument("assignments", nargs=-1)
@click.option("--force", is_flag=True, help="Resume even though the workflow file or the inputs changed.")
@json_option
@quiet_option
@click.option("-m", "--model", help="Model for llm nodes that name none (default: the run's own).")
@click.option(
    "--executor",
    "executor_name",
    type=click.Choice(["local", "ray"], case_sensitive=False),
    help="Where batch items run (default: the run's own).",
)
@allow_outside_option
@pacing_options  # limits and budgets are per attempt: a resumed run starts counting afresh
def resume_command(
    run_id: str,
    assignments: tuple[str, ...],
    force: bool,
    as_json: bool,
    quiet: bool,
    model: str | None,
    executor_name: str | None,
    allow_outside: bool,
    gate: Any,
) -> None:
    """Finish run RUN_ID (from `planflow runs`), reusing what it had finished."""
    from planflow.runtime.inputs import parse_assignments
    from planflow.runtime.journal import digest
    from planflow.runtime.recording import nodes_using_inputs

    row = find_run(open_journal(), run_id)
    if row.alive:
        fail(f"run {run_id} is still running (process {row.pid})", ExitStatus.FAILED)
    if row.shown_status not in RESUMABLE:
        click.echo(f"Run {run_id} finished with status {row.status}: nothing to resume.", err=True)
        raise SystemExit(ExitStatus.OK)
    workflow = _workflow_to_resume(row, force)
    inputs = row.inputs
    stale: set[str] = set()
    if assignments:
        given = parse_assignments(list(assignments))
        changed = {name for name in {*given, *inputs} if given.get(name, inputs.get(name)) != inputs.get(name)}
        if changed and not force:
            names = ", ".join(sorted(changed))
            fail(
                f"run {run_id} ran with other values of {names}; pass --force to resume with the new values "
                "(the nodes that use them run again), or start a new run with `planflow run`",
                ExitStatus.FAILED,
            )
        stale = nodes_using_inputs(workflow, changed)
        inputs = {**inputs, **given}
    options = row.options
    if not getattr(gate, "given", None) and options.get("pacing"):
        # the run's own --rpm/--tpm/budgets; a budget counts afresh for each attempt
        from planflow.cli.pacing_options import gate_from_options

        recorded = options["pacing"]
        gate = gate_from_options(*(recorded.get(k) for k in ("rpm", "tpm", "max_llm_calls", "max_cost")))
        shown = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in recorded.items())
        click.echo(f"Resuming with the run's own {shown} (pass other values to change them).", err=True)
    if digest(inputs) != row.inputs_hash:
        click.echo(f"Resuming run {run_id} with changed inputs; nodes that use them run again.", err=True)
    execute(
        workflow,
        inputs,
        model or options.get("model"),
        quiet,
        as_json,
        inputs_are_text=bool(options.get("inputs_are_text", True)),
        executor_name=executor_name or options.get("executor"),
        allow_outside=allow_outside or bool(options.get("allow_outside")),
        origin=RunOrigin(row.workflow, row.source),
        resume=row,
        stale=stale,
        gate=gate,
    )


def _workflow_to_resume(row: Any, force: bool) -> Any:
    """The workflow as the run recorded it; the file's current version only with --force."""
    from planflow.ir import validate_document, validate_file
    from planflow.runtime.journal import digest
    from planflow.runtime.registry import default_registry

    specs = default_registry().specs()
    if row.source and Path(row.source).is_file():
        current = validate_file(Path(row.source), specs)
        if current.workflow is not None and digest(current.workflow.to_json_dict()) == row.workflow_hash:
            return current.workflow
        if not force:
            fail(
                f"the workflow {row.source} changed since run {row.id} started; pass --force to resume "
                "with the changed workflow (changed nodes and those after them run again), or start a new "
                "run with `planflow run`",
                ExitStatus.FAILED,
            )
        if not current.valid:
            for issue in current.issues:
                click.echo(str(issue), err=True)
            fail(f"{row.source} is not a valid workflow ({len(current.issues)} problem(s))", ExitStatus.FAILED)
        return current.workflow
    recorded = validate_document(row.document, specs)
    if not recorded.valid:  # a journal from another planflow version, whose rules have moved on
        for issue in recorded.issues:
            click.echo(str(issue), err=True)
        fail(f"the workflow recorded for run {row.id} is no longer valid", ExitStatus.FAILED)
    return recorded.workflow
