"""python -m evals run -m MODEL [--record | --replay] [--cases GLOB] [--jobs N]"""

from __future__ import annotations

import sys
import time

import click

from evals import report
from evals.case import load_cases
from evals.runner import run_cases
from evals.scoring import aggregate


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
def run(model_id: str, mode: str | None, pattern: str, jobs: int, max_repairs: int, update_baseline: bool) -> None:
    """Plan every case with MODEL, score the plans, write a JSON result and a markdown report."""
    import contextlib

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
    result = {
        "model": model_id,
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seconds": time.monotonic() - started,
        "mode": mode or "live",
        "max_repairs": max_repairs,
        "summary": aggregate(results),
        "cases": results,
    }
    json_path, md_path, flagged = report.write(result)
    click.echo(report.markdown(result, flagged, None).split("## Compared")[0])
    click.echo(f"wrote {json_path} and {md_path}")
    if update_baseline:
        from evals.baseline import write_baseline

        click.echo(f"baseline written: {write_baseline(model_id, result['summary'], max_repairs)}")
    if flagged:
        click.echo("REGRESSIONS against the previous run:\n  " + "\n  ".join(flagged), err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
