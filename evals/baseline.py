"""The committed baseline per model: the gate that `pytest evals` holds replayed scores to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BASELINES = Path(__file__).parent / "baselines"


def baseline_path(model_id: str) -> Path:
    return BASELINES / f"{model_id}.json"


def write_baseline(model_id: str, summary: dict[str, Any], max_repairs: int) -> Path:
    """The summary to hold replays to, and the repair budget the cassettes were recorded with
    (a replay with a larger budget would ask for calls the recording does not hold)."""
    path = baseline_path(model_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"max_repairs": max_repairs, "summary": summary}, indent=1, sort_keys=True) + "\n")
    return path


def load_baseline(model_id: str) -> dict[str, Any]:
    return json.loads(baseline_path(model_id).read_text())
