"""Eval results as JSON and markdown, and the comparison that flags regressions."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

REPORTS = Path(__file__).parent / "reports"

# Higher is better for these; a drop is a regression. For the costs, a rise is.
QUALITY = [
    "valid_plan_rate",
    "first_call_valid_rate",
    "refusal_rate_on_impossible",
    "node_type_f1",
    "edge_f1",
    "batch_correct_rate",
    "expectations_met_rate",
    "execution_success_rate",
]
COSTS = ["llm_calls_per_plan", "repairs_per_plan", "input_tokens_per_plan", "output_tokens_per_plan"]


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}" if value < 100 else f"{value:.0f}"
    return str(value)


def regressions(current: dict[str, Any], previous: dict[str, Any], tolerance: float = 1e-9) -> list[str]:
    found = []
    same_cases = {c["id"] for c in current.get("cases", [])} == {c["id"] for c in previous.get("cases", [])}
    for key in QUALITY if same_cases else []:  # suite figures compare only over the same cases
        now, before = current["summary"].get(key), previous["summary"].get(key)
        if now is not None and before is not None and now < before - tolerance:
            found.append(f"{key}: {before:.3f} -> {now:.3f}")
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
    lines += [f"| {key} | {_fmt(summary[key])} |" for key in QUALITY + COSTS]
    lines += ["", "## Compared with the previous run" + (f" ({previous_name})" if previous_name else ""), ""]
    if previous_name is None:
        lines.append("No previous run for this model.")
    elif flagged:
        lines += [f"- REGRESSION {item}" for item in flagged]
    else:
        lines.append("No regressions.")
    lines += [
        "",
        "## Cases",
        "",
        "| case | category | valid | 1st call | calls | fixes | type F1 | edge F1 | batch | expect | ran | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in result["cases"]:
        note = (c.get("error") or "")[:80].replace("|", "/")
        valid = "refused" if c["refused"] and c["cannot_plan_expected"] else ("yes" if c["valid"] else "no")
        lines.append(
            f"| {c['id']} | {c['category']} | {valid} | {'yes' if c['first_call_valid'] else 'no'} | "
            f"{c['llm_calls']} | {len(c['fixes'])} | {_fmt(c['node_type_f1'])} | {_fmt(c['edge_f1'])} | "
            f"{_fmt(c['batch_correct'])} | {_fmt(c['expectations_met'])} | {_fmt(c['execution_ok'])} | {note} |"
        )
    return "\n".join(lines) + "\n"


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
