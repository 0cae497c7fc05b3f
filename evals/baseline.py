"""The committed baseline per model: the gate that `pytest evals` holds replayed scores to.

A new baseline may not make any figure worse (see evals/figures.py for which way is worse)
unless someone says why: the reason is stored in the baseline, with the figures it accepted, so
a lowered gate is never silent.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from evals.figures import worse_figures

BASELINES = Path(__file__).parent / "baselines"


class BaselineWorse(Exception):
    """The new summary is worse than the committed baseline in some figure, and no reason was given."""

    def __init__(self, path: Path, worse: list[str]) -> None:
        super().__init__(
            f"not updating {path}: these figures would get worse:\n  "
            + "\n  ".join(worse)
            + '\nrun again with --accept "why this is right" to accept them'
        )
        self.path = path
        self.worse = worse


def baseline_path(model_id: str) -> Path:
    return BASELINES / f"{model_id}.json"


def load_baseline(model_id: str) -> dict[str, Any]:
    return json.loads(baseline_path(model_id).read_text())


def worse_than_baseline(model_id: str, summary: dict[str, Any]) -> list[str]:
    """The figures of `summary` worse than the committed baseline's (none when there is none)."""
    path = baseline_path(model_id)
    return worse_figures(load_baseline(model_id)["summary"], summary) if path.exists() else []


def write_baseline(
    model_id: str, summary: dict[str, Any], max_repairs: int, accept: str | None = None
) -> tuple[Path, list[str]]:
    """The summary to hold replays to, and the repair budget the cassettes were recorded with
    (a replay with a larger budget would ask for calls the recording does not hold).

    Raises BaselineWorse when a figure gets worse and `accept` gives no reason; with one, the
    reason and the figures it accepts are appended to the baseline's `accepted` list (earlier
    acceptances are kept). Returns the path and the worse figures accepted."""
    path = baseline_path(model_id)
    worse = worse_than_baseline(model_id, summary)
    if worse and not (accept and accept.strip()):
        raise BaselineWorse(path, worse)
    accepted = load_baseline(model_id).get("accepted", []) if path.exists() else []
    if accept:
        accepted.append({"date": time.strftime("%Y-%m-%d", time.gmtime()), "reason": accept.strip(), "worse": worse})
    data: dict[str, Any] = {"max_repairs": max_repairs, "summary": summary}
    if accepted:
        data["accepted"] = accepted
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return path, worse
