"""Which way is better for each suite figure: one answer for the report, the previous-run
comparison and the baseline gate.

- Quality, higher is better: the rates of good outcomes and the graph scores.
- Quality, lower is better: refusing a doable request is a wrong answer.
- Costs, lower is better: model calls, repairs and tokens per plan. A plan that got better by
  spending more calls is still held up until someone accepts the cost (`--accept`).
- Neither: the number of cases, and failing (no plan, no refusal) on an impossible case, which is
  worse than refusing but better than a plan, so a change either way can be an improvement.
"""

from __future__ import annotations

from typing import Any

HIGHER_IS_BETTER = [
    "valid_plan_rate",
    "first_call_valid_rate",
    "refusal_rate_on_impossible",
    "node_type_f1",
    "edge_f1",
    "batch_correct_rate",
    "expectations_met_rate",
    "execution_success_rate",
]
LOWER_IS_BETTER_QUALITY = ["refusal_rate_on_doable"]
COSTS = ["llm_calls_per_plan", "repairs_per_plan", "input_tokens_per_plan", "output_tokens_per_plan"]
LOWER_IS_BETTER = LOWER_IS_BETTER_QUALITY + COSTS
QUALITY = HIGHER_IS_BETTER + LOWER_IS_BETTER_QUALITY
INFORMATIONAL = ["cases", "failure_rate_on_impossible"]
FIGURES = [*QUALITY, *COSTS, "failure_rate_on_impossible"]  # the report's order

TOLERANCE = 1e-9


def worse_figures(before: dict[str, Any], now: dict[str, Any], keys: list[str] | None = None) -> list[str]:
    """`figure: old -> new` for each figure (of `keys`, default all that have a direction) that
    moved the wrong way; a figure missing or None on either side is not compared."""
    found = []
    for key in QUALITY + COSTS if keys is None else keys:
        old, new = before.get(key), now.get(key)
        if old is None or new is None:
            continue
        higher_is_better = key in HIGHER_IS_BETTER
        if (new < old - TOLERANCE) if higher_is_better else (new > old + TOLERANCE):
            found.append(f"{key}: {old:.3f} -> {new:.3f}")
    return found
