"""Where a workflow named on the command line lives: a file path, or a saved workflow's name."""

from __future__ import annotations

import os
from pathlib import Path

from planflow.home import planflow_home


def saved_dir() -> Path:
    return planflow_home() / "workflows"


def resolve_workflow_path(target: str) -> Path:
    """A path that exists wins; otherwise a saved workflow of that name; otherwise the path as
    given, so the validator reports it as unreadable."""
    path = Path(target)
    if path.exists() or os.sep in target or target.endswith(".json"):
        return path
    saved = saved_dir() / f"{target}.json"
    return saved if saved.exists() else path
