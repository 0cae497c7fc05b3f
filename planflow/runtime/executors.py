"""Choosing a run's executor by name. Apart from executor.py so that choosing Ray (which imports
the batch machinery, and through it the run context) puts no cycle in the import graph."""

from __future__ import annotations

import os

from planflow.runtime.errors import RuntimeUserError
from planflow.runtime.executor import ItemExecutor, LocalExecutor

EXECUTOR_NAMES = ("local", "ray")


class UnknownExecutor(RuntimeUserError):
    """An executor name that is not one of EXECUTOR_NAMES, or one whose extra is not installed."""


def executor_named(name: str | None = None) -> ItemExecutor:
    """The executor for a run: `name`, else PLANFLOW_EXECUTOR, else local. Ray is imported only
    when chosen; it joins RAY_ADDRESS when that is set, else starts a local Ray on loopback."""
    chosen = (name or os.environ.get("PLANFLOW_EXECUTOR") or "local").strip().lower()
    if chosen == "local":
        return LocalExecutor()
    if chosen == "ray":
        try:
            from planflow.runtime.ray_executor import RayExecutor
        except ImportError as exc:
            raise UnknownExecutor(
                f"the ray executor needs Ray ({exc.name or exc} is missing): pip install 'planflow[ray]'"
            ) from None
        return RayExecutor()
    raise UnknownExecutor(f"unknown executor '{chosen}' (choose one of: {', '.join(EXECUTOR_NAMES)})")
