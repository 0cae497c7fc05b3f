"""`planflow "REQUEST"` (plan, review, confirm, run) and `planflow plan "REQUEST"` (plan only)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from planflow.cli.exit_codes import ExitStatus
from planflow.cli.pacing_options import pacing_options
from planflow.cli.run_cmd import allow_outside_option, execute, fail
from planflow.cli.run_record import RunOrigin

model_option = click.option("-m", "--model", help="Any llm model id (else PLANFLOW_MODEL, else llm's default).")
repairs_option = click.option(
    "--max-repairs",
    default=2,
    show_default=True,
    type=click.IntRange(0, 10),
    help="Repair calls allowed after the first plan.",
)
context_option = click.option(
    "--no-context", is_flag=True, help="Do not show the model the names of files in this folder."
)


def make_plan(request: str, model: str | None, max_repairs: int, no_context: bool) -> Any:
    """A valid plan, or a clear message and a distinct exit code."""
    from planflow.cli.planning_view import planning_status
    from planflow.cli.request_guard import request_refusal, subcommands
    from planflow.planner import CannotPlan, PlanFailed, Planner

    refusal = request_refusal(request, subcommands(click.get_current_context().find_root().command))
    if refusal is not None:
        fail(refusal, ExitStatus.USAGE)

    try:
        with planning_status(model) as on_call:
            workdir = None if no_context else Path.cwd()
            result = Planner(model, max_repairs=max_repairs, workdir=workdir, on_call=on_call).plan(request)
    except CannotPlan:
        raise  # a refusal is a PlanFailed too, but has no failed attempt to show
    except PlanFailed as exc:
        if exc.attempts:
            last = exc.attempts[-1]
            click.echo("Last attempt:", err=True)
            from planflow.cli.safe_text import split_lines

            click.echo("\n".join(split_lines(last.answer[:4000])), err=True)  # the model's text is data
            click.echo("Its problems:", err=True)
            for issue in last.issues:
                click.echo(f"  {issue}", err=True)
        click.echo(exc.report.summary(), err=True)
        fail(f"{exc} (try --max-repairs, a stronger model with -m, or a more precise request)", ExitStatus.PLAN_FAILED)
    click.echo(
        result.report.summary() + (f"; fixes: {'; '.join(result.report.fixes)}" if result.report.fixes else ""),
        err=True,
    )
    return result


@click.command("plan")
@click.argument("request")
@model_option
@repairs_option
@context_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the workflow here instead of stdout.")
@click.option("--json", "as_json", is_flag=True, help='Print {"workflow": …, "report": …}.')
def plan_command(
    request: str, model: str | None, max_repairs: int, no_context: bool, output: str | None, as_json: bool
) -> None:
    """Plan only: print the workflow JSON for REQUEST (or write it to -o FILE)."""
    result = make_plan(request, model, max_repairs, no_context)
    document = result.workflow.to_json_dict()
    text = json.dumps(
        {"workflow": document, "report": result.report.to_dict()} if as_json else document, indent=2, ensure_ascii=False
    )
    if output:
        from planflow.runtime.atomic_write import write_atomically

        write_atomically(Path(output), (text + "\n").encode())
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


@click.command("do")
@click.argument("request")
@model_option
@repairs_option
@context_option
@click.option("-y", "--yes", is_flag=True, help="Run without asking.")
@click.option("--save", "save_as", metavar="NAME", help="Save the plan to rerun later: planflow run NAME.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's result as one JSON object.")
@allow_outside_option
@pacing_options
def do_command(
    request: str,
    model: str | None,
    max_repairs: int,
    no_context: bool,
    yes: bool,
    save_as: str | None,
    quiet: bool,
    as_json: bool,
    allow_outside: bool,
    gate: Any,
) -> None:
    """Plan REQUEST, show what will run, ask, then run it (the default command)."""
    from planflow.cli.estimate_view import estimate_line
    from planflow.cli.review import render_review

    if save_as:  # before the model is asked: a taken or unusable name would lose the plan
        from planflow.cli.store import saved_path

        saved_path(save_as, replace=False)  # StoreError: reported by cli/main.py
    result = make_plan(request, model, max_repairs, no_context)
    click.echo(render_review(result.workflow), err=as_json)
    click.echo(estimate_line(result.workflow, model, allow_outside), err=as_json)
    origin = RunOrigin(f"(planned) {request[:60]}")
    if save_as:
        from planflow.cli.store import save_workflow

        path = save_workflow(result.workflow.to_json_dict(), save_as)
        origin = RunOrigin(save_as, str(path.resolve()))
        click.echo(f"saved as {save_as} ({path}); rerun with: planflow run {save_as} name=value …", err=True)
    if not yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            click.echo(
                "Not run: there is no terminal to confirm on. Pass --yes to run it"
                + ("" if save_as else ", or --save NAME to keep it")
                + ".",
                err=True,
            )
            raise SystemExit(ExitStatus.OK)
        if not click.confirm("Run it?", default=False):
            click.echo("Not run.", err=True)
            raise SystemExit(ExitStatus.OK)
    execute(
        result.workflow,
        {},
        model,
        quiet,
        as_json,
        inputs_are_text=False,
        allow_outside=allow_outside,
        origin=origin,
        gate=gate,
    )
