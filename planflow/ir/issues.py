"""Validation issue records: what is wrong, where (node id, field path), and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Issue:
    code: str  # stable kind, e.g. "cycle", "unknown_param"; tests and the planner's fixes key on it
    message: str
    node: str | None = None
    path: str = ""
    hint: str | None = None

    def __str__(self) -> str:
        where = f"node {self.node}" if self.node is not None else "workflow"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class WorkflowInvalid(ValueError):
    """Raised by loaders when a workflow has validation issues; carries all of them."""

    def __init__(self, issues: list[Issue], source: str | None = None) -> None:
        self.issues = issues
        self.source = source
        head = f"{source} is not a valid workflow" if source else "not a valid workflow"
        super().__init__(head + ":\n" + "\n".join(f"  {i}" for i in issues))
