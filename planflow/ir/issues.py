"""Validation issue records: what is wrong, where (node id, field path), and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from planflow.ir.printable import printable


@dataclass(frozen=True)
class Issue:
    code: str  # stable kind, e.g. "cycle", "unknown_param"; tests and the planner's fixes key on it
    message: str
    node: str | None = None
    path: str = ""
    hint: str | None = None

    def __post_init__(self) -> None:
        # Messages quote the document (ids, param names, template text): escape what cannot be
        # printed here, once, so every consumer (CLI lines, --json, the planner) gets safe text.
        for name in ("message", "node", "path", "hint"):
            value = getattr(self, name)
            if isinstance(value, str) and not value.isprintable():
                object.__setattr__(self, name, printable(value))

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
