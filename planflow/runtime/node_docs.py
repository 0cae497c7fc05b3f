"""docs/nodes.md, generated from the registry: every node type's params (type, default, whether
required) and outputs, so no param lives only in specs.py. Regenerate with
`python -m planflow.runtime.node_docs > docs/nodes.md`; a test fails when the file is stale."""

from __future__ import annotations

import json
from collections.abc import Mapping

from planflow.ir.node_spec import BATCH_OUTPUTS, NodeTypeSpec, ParamSpec
from planflow.runtime.registry import default_registry

_HEADER = """# Node types

Generated from the node registry (`planflow/runtime/specs.py`) by
`python -m planflow.runtime.node_docs > docs/nodes.md`; do not edit by hand.
Any param may hold a `${{…}}` template instead of a literal. `planflow schema` gives the same
params as a JSON Schema for editors.

Any node can take a `batch` block (`items`, `as`, `parallel`, `max_concurrent`,
`error_handling`, `max_retries`, `retry_wait`); a batch node's output is then
{batch_fields}, where `results` holds each item's output below (plus `item`) in input order,
or `null` for an item that failed under `error_handling: continue`.
"""


def _param_row(param: ParamSpec) -> str:
    kind = " or ".join(param.types)
    default = "" if param.default is None else f"`{json.dumps(param.default)}`"
    notes = []
    if param.required:
        notes.append("required")
    if param.substitution == "shell":
        notes.append("values bound as data, never code")
    if param.is_path:
        notes.append("a path")
    if param.positive:
        notes.append("> 0")
    if not param.in_catalog:
        notes.append("not shown to the planner")
    cell = "; ".join(notes)
    return f"| `{param.name}` | {kind} | {default} | {cell} | {_cell(param.description)} |"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _section(spec: NodeTypeSpec) -> list[str]:
    lines = [f"## `{spec.name}`", "", spec.summary, ""]
    if spec.when_to_use:
        lines += [f"When to use: {spec.when_to_use}", ""]
    lines += ["| param | type | default | notes | description |", "| --- | --- | --- | --- | --- |"]
    lines += [_param_row(p) for p in spec.params]
    lines += ["", "| output | type | description |", "| --- | --- | --- |"]
    for output in spec.outputs:
        kind = f"array of {output.item_type}" if output.item_type else output.type
        lines.append(f"| `{output.name}` | {kind} | {_cell(output.description)} |")
    return [*lines, ""]


def render_nodes_markdown(specs: Mapping[str, NodeTypeSpec]) -> str:
    batch_fields = ", ".join(f"`{name}` ({kind})" for name, kind in BATCH_OUTPUTS.items())
    lines = [_HEADER.format(batch_fields=batch_fields)]
    for name in sorted(specs):
        lines += _section(specs[name])
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render_nodes_markdown(default_registry().specs()), end="")
