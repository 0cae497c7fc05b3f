"""Showing an estimate: `planflow run FILE --estimate` (a table, or one JSON object) and the one
line the plan-and-run review shows before it asks to run.

Model ids, step ids and notes can come from a plan, so every such string is escaped before it is
printed (planflow.cli.safe_text), as in the review.
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal
from typing import Any, NoReturn

import click

from planflow.cli.exit_codes import ExitStatus
from planflow.cli.safe_text import escape_controls
from planflow.runtime.estimate import OUTPUT_TOKENS_VARIABLE, Estimate, LLMStepEstimate

__all__ = ["estimate_line", "format_cost", "render_estimate", "show_estimate"]

HEADERS = ("step", "model", "items", "calls", "input tokens", "output tokens*", "cost")


def _estimate(workflow: Any, inputs: dict[str, Any], model: str | None, allow_outside: bool, as_text: bool) -> Estimate:
    from planflow.runtime.context import RunContext
    from planflow.runtime.estimate import estimate_workflow
    from planflow.runtime.models import ModelCache

    run = RunContext(models=ModelCache(model), allow_outside=allow_outside)
    try:
        return asyncio.run(estimate_workflow(workflow, inputs, run, inputs_are_text=as_text))
    finally:
        run.executor.close()


def show_estimate(
    workflow: Any, inputs: dict[str, Any], model: str | None, as_json: bool, allow_outside: bool
) -> NoReturn:
    """Print the estimate for `planflow run --estimate` and exit 0; nothing else runs."""
    from planflow.cli.failure import fail
    from planflow.runtime.errors import RuntimeUserError

    try:
        estimate = _estimate(workflow, inputs, model, allow_outside, as_text=True)
    except RuntimeUserError:  # a bad input or PLANFLOW_ESTIMATE_OUTPUT_TOKENS
        raise
    except KeyboardInterrupt:  # a slow listing or read of many files, stopped with Ctrl-C
        fail("estimate interrupted", ExitStatus.INTERRUPTED)
    if as_json:
        click.echo(json.dumps(estimate.to_dict(), indent=2, ensure_ascii=False))
    elif sys.stdout.isatty():
        _print_rich(estimate)
    else:
        click.echo(render_estimate(estimate), nl=False)
    raise SystemExit(ExitStatus.OK)


def estimate_line(workflow: Any, model: str | None, allow_outside: bool = False) -> str:
    """One line for the review: calls, input tokens, cost and model; never stops the review."""
    try:
        estimate = _estimate(workflow, {}, model, allow_outside, as_text=False)
    except Exception as exc:  # the estimate is a courtesy: whatever goes wrong, the review goes on
        return f"Estimate: not available ({escape_controls(str(exc))[:200]})"
    if not estimate.steps:
        return "Estimate: no llm calls"
    floor = "" if estimate.complete else "at least "
    parts = [f"{floor}{estimate.calls:,} llm call(s)", f"~{estimate.input_tokens:,} input tokens"]
    if any(s.cost is not None for s in estimate.steps):
        parts.append(f"~{format_cost(estimate.cost)}" + ("" if estimate.priced else " + price unknown for some steps"))
    else:
        parts.append("cost unknown" if estimate.priced else "price unknown")
    models = ", ".join(dict.fromkeys(escape_controls(s.model_id or "model unknown") for s in estimate.steps))
    unknown = [s.node_id for s in estimate.steps if s.items is None]
    tail = f"; items of {escape_controls(', '.join(unknown))} unknown" if unknown else ""
    if estimate.notes:  # a listing or read that failed: the run would stop there too
        tail += f"; {escape_controls(estimate.notes[0])[:200]}"
    assumed = f"{estimate.output_tokens_per_call} output tokens a call assumed"
    return f"Estimate: {', '.join(parts)} ({models}; {assumed}{tail})"


def format_cost(cost: Decimal) -> str:
    """Dollars with two significant digits below a cent ($0.0044), cents above ($12.50)."""
    if cost == 0:
        return "$0"
    decimals = max(2, min(8, 1 - cost.adjusted()))
    return f"${cost:,.{decimals}f}"


def _tokens(step: LLMStepEstimate) -> str:
    if step.input_tokens is None:
        return "unknown"
    mark = ">=" if step.lower_bound else "" if step.tokens_exact else "~"
    return f"{mark}{step.input_tokens:,}"


def _count(value: int | None) -> str:
    return "unknown" if value is None else f"{value:,}"


def _cost(step: LLMStepEstimate) -> str:
    if step.price is None:
        return "price unknown"
    cost = step.cost
    if cost is None:
        return "unknown"
    return (">=" if step.lower_bound else "") + format_cost(cost)


def _rows(estimate: Estimate) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        (
            escape_controls(s.node_id),
            escape_controls(s.model_id or "unknown"),
            _count(s.items),
            _count(s.calls),
            _tokens(s),
            _count(s.output_tokens),
            _cost(s),
        )
        for s in estimate.steps
    ]
    floor = "" if estimate.complete else ">="
    approximate = "" if all(s.tokens_exact for s in estimate.steps) else "~"
    rows.append(
        (
            "total",
            "",
            "",
            f"{floor}{estimate.calls:,}",
            f"{floor or approximate}{estimate.input_tokens:,}",
            f"{floor}{estimate.output_tokens:,}",
            _total_cost(estimate),
        )
    )
    return rows


def _total_cost(estimate: Estimate) -> str:
    if not any(s.cost is not None for s in estimate.steps):
        return "unknown" if estimate.priced else "price unknown"
    text = format_cost(estimate.cost) + ("" if estimate.priced else " + price unknown")
    return text if estimate.complete else ">=" + text


def _footnotes(estimate: Estimate) -> list[str]:
    lines = [
        f"* assumed {estimate.output_tokens_per_call:,} output tokens per call ({OUTPUT_TOKENS_VARIABLE} sets another)"
    ]
    if any(not s.tokens_exact for s in estimate.steps):
        lines.append("~ no tokenizer for this model: about 4 bytes of text a token")
    if not estimate.complete:
        lines.append(">= a lower bound: some counts depend on steps an estimate does not run")
    ran = ", ".join(escape_controls(s) for s in estimate.ran) or "none"
    lines.append(f"Ran to learn sizes: {ran}. No model was called.")
    for step in estimate.steps:
        lines += [f"{escape_controls(step.node_id)}: {escape_controls(note)}" for note in step.notes]
    lines += [escape_controls(note) for note in estimate.notes]
    return lines


def render_estimate(estimate: Estimate) -> str:
    """The table as aligned plain text (numbers right-aligned), for logs and pipes."""
    if not estimate.steps:
        return "No llm steps: this workflow makes no model calls.\n" + "\n".join(_footnotes(estimate)[-1:]) + "\n"
    table: list[tuple[str, ...]] = [HEADERS, *_rows(estimate)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADERS))]
    # names left-aligned, figures right-aligned
    lines = ["  ".join(_align(i, cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in table]
    return "\n".join([*lines, "", *_footnotes(estimate)]) + "\n"


def _align(column: int, cell: str, width: int) -> str:
    return cell.ljust(width) if column < 2 else cell.rjust(width)


def _print_rich(estimate: Estimate) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text  # cells as Text: a plan's strings must not be read as rich markup

    console = Console()
    if not estimate.steps:
        console.print(render_estimate(estimate), end="", markup=False, highlight=False)
        return
    table = Table(title="Estimate (nothing was run but list_files, read_file and join steps)")
    for i, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if i < 2 else "right")
    rows = _rows(estimate)
    for row in rows[:-1]:
        table.add_row(*map(Text, row))
    table.add_section()
    table.add_row(*map(Text, rows[-1]), style="bold")
    console.print(table, markup=False)
    for line in _footnotes(estimate):
        console.print(line, markup=False, highlight=False)
