"""Run-time errors, typed by who can fix them: the user's inputs or setup, or a node at run time."""

from __future__ import annotations

from typing import Any

from planflow.errors import PlanflowError
from planflow.exit_status import ExitStatus


class RuntimeUserError(PlanflowError):
    """Something the user must fix before anything runs (inputs, model, key)."""

    exit_status = ExitStatus.USAGE


class InputError(RuntimeUserError):
    """A missing, unknown or mistyped workflow input."""


class ModelUnavailable(RuntimeUserError):
    """No model configured, an unknown model, or its key is missing."""

    exit_status = ExitStatus.NO_MODEL


class NodeFailure(Exception):
    """A node could not do its work for one item (a command failed, a request got 404…)."""

    retryable = True


class TemplateFailure(NodeFailure):
    """A template could not be resolved at run time; retrying cannot help."""

    retryable = False


class RunFailed(Exception):
    """A node failed and stopped the run; carries what it had finished."""

    def __init__(self, node_id: str, message: str, partial: dict[str, Any] | None = None) -> None:
        super().__init__(f"node {node_id}: {message}")
        self.node_id = node_id
        self.message = message
        self.partial = partial


class RunStop(Exception):
    """Not an item's failure: the whole run must stop cleanly (finished results kept, journal
    resumable). Raised from inside an item; the batch wrapper stops its batch and re-raises it."""


class BudgetExceeded(RunStop):
    """The next llm call would exceed --max-llm-calls or --max-cost; the message says what was spent."""
