"""What a node type accepts and produces, as plain data.

The runtime registry owns the specs of the types it can run; the validator and the planner's
prompt read them. Keeping the shape here keeps `planflow.ir` free of runtime imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ValueType = Literal["string", "integer", "number", "boolean", "array", "object", "any"]

BATCH_OUTPUTS: Mapping[str, ValueType] = {
    "results": "array",
    "count": "integer",
    "success_count": "integer",
    "error_count": "integer",
    "errors": "array",
}


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: ValueType | tuple[ValueType, ...]
    description: str
    required: bool = False
    default: Any = None
    # "shell": template values reach the command as environment variables, never as code text
    substitution: Literal["text", "shell"] = "text"
    # Names a file or folder the node reads, writes or lists: the review shows where such a value
    # comes from, and at run time a value taken from another step's output must stay inside the
    # working folder (planflow.runtime.paths).
    is_path: bool = False
    # A literal value must be finite and > 0 (a timeout of 0, -1 or NaN would hang or crash a run)
    positive: bool = False
    # False for limits a plan rarely needs (output caps): valid in any plan and documented, but
    # left out of the planner's prompt, which every cassette recording depends on
    in_catalog: bool = True
    item_type: ValueType | None = None  # what an array value's items must be (exclude: strings)
    # A glob inside the node's folder: empty, absolute or `..` is refused, in a plan and at run time
    glob: bool = False
    # In a node that aggregates its batch (join), rendered once per item with the alias in scope;
    # its other params are rendered once, with no item
    per_item: bool = False

    @property
    def types(self) -> tuple[ValueType, ...]:
        return self.type if isinstance(self.type, tuple) else (self.type,)


@dataclass(frozen=True)
class OutputField:
    name: str
    type: ValueType
    description: str
    item_type: ValueType | None = None  # for arrays whose items are known: list_files.files are strings
    in_catalog: bool = True  # as ParamSpec.in_catalog: valid everywhere, shown to the planner when True


@dataclass(frozen=True)
class NodeTypeSpec:
    """A node type's contract: params in, output fields out, and when a planner should use it."""

    name: str
    summary: str
    params: tuple[ParamSpec, ...]
    outputs: tuple[OutputField, ...]
    when_to_use: str = ""
    io_bound: bool = False  # worth running in parallel when batched
    # Uses the CPU of the machine it runs on (a command, the file system), rather than waiting on
    # a service: a distributed executor runs such items one per CPU, others many per worker.
    cpu_bound: bool = False
    # Waits on a remote service (a model, a web API): items run on the driver's event loop with
    # any executor, sharing the run's rate limits, backoff and budgets.
    waits_on_service: bool = False
    # With a batch, the node runs once over all items (its params rendered per item) and its
    # output is its own, not the batch envelope: `join`.
    aggregates_batch: bool = False
    # Left out of the planner's prompt (every recorded eval cassette holds the prompt's text):
    # usable in hand-written plans until the prompt teaches it.
    in_catalog: bool = True
    examples: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)

    def output(self, name: str) -> OutputField | None:
        return next((o for o in self.outputs if o.name == name), None)


def glob_problem(pattern: str) -> str | None:
    """Why a glob cannot name files inside a folder, or None."""
    if not pattern:
        return "is empty: give a glob such as *.md"
    if pattern.startswith(("/", "\\")) or ".." in pattern.replace("\\", "/").split("/"):
        return "reaches outside dir: set dir to the folder and the glob to names inside it"
    return None


def value_matches(value: Any, expected: ValueType) -> bool:
    """Does a literal JSON value have the expected type? (bool is not a number here)."""
    if expected == "any":
        return True
    if expected == "string":
        return isinstance(value, str)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "array":
        return isinstance(value, list)
    if expected == "object":
        return isinstance(value, Mapping)
    return False
