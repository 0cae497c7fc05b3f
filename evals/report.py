"""Eval results as JSON and markdown, and the comparison that flags regressions."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from evals.baseline import baseline_path, load_baseline
from evals.figures import FIGURES, QUALITY, worse_figures

REPORTS = Path(__file__).parent / "reports"


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}" if value < 100 else f"{value:.0f}"
    return str(value)


def regressions(current: dict[str, Any], previous: dict[str, Any]) -> list[str]:
    found: list[str] = []
    same_cases = {c["id"] for c in current.get("cases", [])} == {c["id"] for c in previous.get("cases", [])}
    if same_cases:  # suite figures compare only over the same cases; costs vary run to run, so
        # only the baseline gate holds them
        found += worse_figures(previous["summary"], current["summary"], QUALITY)
    before_cases = {c["id"]: c for c in previous.get("cases", [])}
    for case in current.get("cases", []):
        old = before_cases.get(case["id"])
        if old and old["valid"] and not case["valid"] and not case["cannot_plan_expected"]:
            found.append(f"case {case['id']}: was planned validly, now is not")
        if old and old.get("execution_ok") == 1.0 and case.get("execution_ok") == 0.0:
            found.append(f"case {case['id']}: its plan ran correctly before, now does not")
    return found


def markdown(result: dict[str, Any], flagged: list[str], previous_name: str | None) -> str:
    summary = result["summary"]
    lines = [
        f"# Planner evals: {result['model']}",
        "",
        f"{summary['cases']} cases, {result['started']}, {result['seconds']:.0f}s in all.",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    lines += [f"| {key} | {_fmt(summary.get(key))} |" for key in FIGURES]
    lines += ["", "## Compared with the previous run" + (f" ({previous_name})" if previous_name else ""), ""]
    if previous_name is None:
        lines.append("No previous run for this model.")
    elif flagged:
        lines += [f"- REGRESSION {item}" for item in flagged]
    else:
        lines.append("No regressions.")
    lines += _baseline_lines(result)
    lines += [
        "",
        "## Cases",
        "",
        "| case | category | valid | 1st call | calls | fixes | type F1 | edge F1 | batch | expect | ran | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in result["cases"]:
        note = (c.get("error") or "")[:80].replace("|", "/")
        valid = "refused" if c["refused"] else ("yes" if c["valid"] else "no")
        lines.append(
            f"| {c['id']} | {c['category']} | {valid} | {'yes' if c['first_call_valid'] else 'no'} | "
            f"{c['llm_calls']} | {len(c['fixes'])} | {_fmt(c['node_type_f1'])} | {_fmt(c['edge_f1'])} | "
            f"{_fmt(c['batch_correct'])} | {_fmt(c['expectations_met'])} | {_fmt(c['execution_ok'])} | {note} |"
        )
    return "\n".join(lines) + "\n"


def _baseline_lines(result: dict[str, Any]) -> list[str]:
    """What this run did to the committed baseline, and the worse figures it has accepted, why."""
    lines = ["", "## Baseline", ""]
    update = result.get("baseline")
    if update and update["updated"] is None:
        lines.append("Not updated: worse than the baseline, and no --accept reason given:")
        lines += [f"- {item}" for item in update["worse"]]
    elif update:
        lines.append(f"Updated ({update['updated']}).")
        if update["accepted"]:
            lines.append(f"Accepted: {update['accepted']}")
        lines += [f"- accepted worse {item}" for item in update["worse"]]
    standing = load_baseline(result["model"]).get("accepted", []) if baseline_path(result["model"]).exists() else []
    if standing:
        lines += ["", "Worse figures the baseline has accepted:", ""]
        lines += [f"- {a['date']}: {a['reason']} ({'; '.join(a['worse']) or 'no figure worse'})" for a in standing]
    elif not update:
        lines.append("This run did not update the baseline; it has accepted no worse figures.")
    return lines


def previous_result(model_id: str) -> tuple[str, dict[str, Any]] | None:
    runs = sorted((REPORTS / model_id).glob("*.json"))
    if not runs:
        return None
    return runs[-1].name, json.loads(runs[-1].read_text())


def write(result: dict[str, Any]) -> tuple[Path, Path, list[str]]:
    model_dir = REPORTS / result["model"]
    model_dir.mkdir(parents=True, exist_ok=True)
    previous = previous_result(result["model"])
    flagged = regressions(result, previous[1]) if previous else []
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    json_path = model_dir / f"{stamp}.json"
    json_path.write_text(json.dumps(result, indent=1) + "\n")
    md_path = model_dir / f"{stamp}.md"
    md_path.write_text(markdown(result, flagged, previous[0] if previous else None))
    return json_path, md_path, flagged
