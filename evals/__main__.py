"""python -m evals run -m MODEL [--record | --replay] [--cases GLOB] [--jobs N] [--update-baseline [--accept WHY]]"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from evals import report
from evals.baseline import BaselineWorse, write_baseline
from evals.case import load_cases
from evals.runner import run_cases
from evals.scoring import aggregate

REPO = Path(__file__).resolve().parent.parent


@click.group()
def main() -> None:
    """planflow planner evals."""


@main.command()
@click.option("-m", "--model", "model_id", required=True, help="Any llm model id; local-qwen is the local server.")
@click.option("--record", "mode", flag_value="record", help="Record a cassette per case (overwrites).")
@click.option("--replay", "mode", flag_value="replay", help="Replay recorded cassettes, no network.")
@click.option("--cases", "pattern", default="*", show_default=True, help="Glob over case ids.")
@click.option("--jobs", default=4, show_default=True, help="Cases planned at once (live runs only).")
@click.option("--max-repairs", default=2, show_default=True)
@click.option("--update-baseline", is_flag=True, help="Write this run's summary as the model's committed baseline.")
@click.option(
    "--accept",
    metavar="WHY",
    help="With --update-baseline: accept figures worse than the baseline's; the reason is stored in it.",
)
def run(
    model_id: str,
    mode: str | None,
    pattern: str,
    jobs: int,
    max_repairs: int,
    update_baseline: bool,
    accept: str | None,
) -> None:
    """Plan every case with MODEL, score the plans, write a JSON result and a markdown report."""
    import contextlib

    if accept is not None and not update_baseline:
        raise click.UsageError("--accept only goes with --update-baseline")
    if accept is not None and not accept.strip():
        raise click.UsageError("--accept needs a reason")
    if update_baseline and pattern != "*":
        raise click.UsageError("the baseline holds the whole suite's figures: --update-baseline runs every case")
    cases = load_cases(pattern)
    if not cases:
        raise click.UsageError(f"no cases match {pattern!r}")
    context: contextlib.AbstractContextManager = contextlib.nullcontext()
    if model_id == "local-qwen":
        from evals.local_model import local_model

        context = local_model()
    started = time.monotonic()
    with context:
        results = run_cases(cases, model_id, mode, jobs, max_repairs)
    stale = [r for r in results if "replay_mismatch" in r]
    if stale:
        click.echo("\n".join(r["replay_mismatch"] for r in stale), err=True)
        click.echo(f"{len(stale)} stale recording(s): re-record them, then run again", err=True)
        sys.exit(1)
    result: dict[str, Any] = {
        "model": model_id,
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seconds": time.monotonic() - started,
        "mode": mode or "live",
        "max_repairs": max_repairs,
        "summary": aggregate(results),
        "cases": results,
    }
    refused: BaselineWorse | None = None
    if update_baseline:
        try:
            path, worse = write_baseline(model_id, result["summary"], max_repairs, accept)
            shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path  # no machine path in reports
            result["baseline"] = {"updated": str(shown), "worse": worse, "accepted": accept}
        except BaselineWorse as exc:
            refused = exc
            result["baseline"] = {"updated": None, "worse": exc.worse, "accepted": None}
    json_path, md_path, flagged = report.write(result)
    click.echo(report.markdown(result, flagged, None).split("## Compared")[0])
    click.echo(f"wrote {json_path} and {md_path}")
    if refused is not None:
        raise click.ClickException(str(refused))
    if update_baseline:
        click.echo(f"baseline written: {result['baseline']['updated']}")
    if flagged and accept:
        click.echo(f"worse than the previous run, accepted ({accept}):\n  " + "\n  ".join(flagged), err=True)
    elif flagged:
        click.echo("REGRESSIONS against the previous run:\n  " + "\n  ".join(flagged), err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
