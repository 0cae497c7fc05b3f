"""`planflow runs` and `planflow runs show ID`: the run journal, as a table or as JSON."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from planflow.cli.exit_codes import ExitStatus
from planflow.cli.run_cmd import fail


def open_journal() -> Any:
    from planflow.runtime.journal import Journal

    return Journal()  # JournalError: reported by cli/main.py


def find_run(journal: Any, run_id: str) -> Any:
    row = journal.run(run_id)
    if row is None:
        fail(f"no run with id {run_id!r} (`planflow runs` lists them)", ExitStatus.USAGE)
    return row


@click.group("runs", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help='Print one JSON object: {"runs": [...]}.')
@click.option("-n", "--limit", default=20, show_default=True, type=click.IntRange(min=1), help="How many runs.")
@click.pass_context
def runs_command(ctx: click.Context, as_json: bool, limit: int) -> None:
    """Recent runs from the journal: id, workflow, status, when, items, LLM calls, tokens, cost."""
    if ctx.invoked_subcommand is not None:
        return
    rows = open_journal().runs(limit)
    if as_json:
        click.echo(json.dumps({"runs": [r.summary() for r in rows]}, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No runs recorded yet.")
        return
    header = ("ID", "STATUS", "STARTED", "TIME", "ITEMS OK/FAILED", "LLM CALLS", "TOKENS", "COST", "WORKFLOW")
    table = [header] + [_line(r.summary()) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    for line in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)) + "  " + line[-1])


def _line(run: dict[str, Any]) -> tuple[str, ...]:
    from planflow.cli.safe_text import escape_controls  # imports the IR: not at start-up

    return (
        run["id"],
        run["status"],
        time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run["started"])),
        f"{run['duration_s']:.1f}s",
        f"{run['items_ok']}/{run['items_failed']}",
        str(run["llm_calls"]),
        f"{run['input_tokens'] + run['output_tokens']:,}",
        _cost(run["cost_usd"] if run["llm_calls"] else None),
        escape_controls(run["workflow"]),
    )


def _cost(cost: float | None) -> str:
    return "-" if cost is None else f"${cost:.4f}"


@runs_command.command("show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def show_run_command(run_id: str, as_json: bool) -> None:
    """One run: its summary, inputs, and each node's progress."""
    from planflow.cli.safe_text import escape_controls

    journal = open_journal()
    row = find_run(journal, run_id)
    nodes = journal.node_rows(run_id)
    summary = {**row.summary(), "source": row.source, "inputs": row.inputs, "nodes": nodes}
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    for key, value in summary.items():
        if key in ("nodes", "error"):
            continue
        click.echo(f"{key}: {escape_controls(value if isinstance(value, str) else json.dumps(value))}")
    if row.error:
        click.echo(f"error: {escape_controls(str(row.error.get('message')))}")
    for node in nodes:
        items = (
            f", items {node.get('items_ok', 0)} ok / {node.get('items_failed', 0)} failed" if "items_ok" in node else ""
        )
        state = "finished" if node["finished"] else "unfinished"
        click.echo(f"  node {escape_controls(node['node'])}: {state}{items}")
