"""`planflow show`, `planflow save`, `planflow list`."""

from __future__ import annotations

import sys

import click

from planflow.cli.exit_codes import ExitStatus
from planflow.cli.run_cmd import load_or_exit


@click.command("show")
@click.argument("workflow")
@click.option("--mermaid", is_flag=True, help="Print a Mermaid flowchart instead.")
def show_command(workflow: str, mermaid: bool) -> None:
    """Show what a workflow FILE (or saved NAME) will do, step by step."""
    from planflow.cli.review import render_mermaid, render_review

    loaded = load_or_exit(workflow)
    click.echo(render_mermaid(loaded) if mermaid else render_review(loaded), nl=False)


@click.command("save")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("name")
@click.option("--force", is_flag=True, help="Replace a saved workflow of that name.")
def save_command(file: str, name: str, force: bool) -> None:
    """Save a valid workflow FILE as NAME, to run later with `planflow run NAME`."""
    from planflow.cli.store import save_workflow, saved_path

    loaded = load_or_exit(file)
    if not force and saved_path(name).exists() and sys.stdin.isatty():
        force = click.confirm(f"A saved workflow named '{name}' exists. Replace it?", default=False)
        if not force:
            click.echo("Not saved.", err=True)
            raise SystemExit(ExitStatus.OK)
    path = save_workflow(loaded.to_json_dict(), name, replace=force)  # StoreError: cli/main.py
    click.echo(f"saved {name} ({path})")


@click.command("list")
def list_command() -> None:
    """List saved workflows."""
    from planflow.cli.safe_text import escape_controls
    from planflow.cli.store import list_saved

    saved = list_saved()
    if not saved:
        click.echo('no saved workflows yet (planflow save FILE NAME, or planflow "REQUEST" --save NAME)')
    for name, description in saved:
        click.echo(f"{name}\t{escape_controls(str(description))}")  # a saved plan's text is data
