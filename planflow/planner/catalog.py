"""The node catalog for the prompt, generated from the runtime registry (one source of truth)."""

from __future__ import annotations

from collections.abc import Mapping

from planflow.ir.node_spec import NodeTypeSpec


def _param_lines(spec: NodeTypeSpec) -> str:
    lines = []
    for p in spec.params:
        if not p.in_catalog:
            continue
        kind = "/".join(p.types)
        flags = ", required" if p.required else (f", default {p.default!r}" if p.default is not None else "")
        lines.append(f"  - `{p.name}` ({kind}{flags}): {p.description}")
    return "\n".join(lines)


def render_catalog(specs: Mapping[str, NodeTypeSpec]) -> str:
    blocks = []
    for spec in (s for s in specs.values() if s.in_catalog):
        outputs = ", ".join(f"`{o.name}` ({o.type})" for o in spec.outputs if o.in_catalog)
        lines = [
            f"### {spec.name}: {spec.summary}",
            f"- use for: {spec.when_to_use}" if spec.when_to_use else "",
            f"- params:\n{_param_lines(spec)}",
            f"- outputs: {outputs}",
            '- I/O-bound: batch it with "parallel": true' if spec.io_bound else "",
        ]
        blocks.append("\n".join(line for line in lines if line))
    return "\n\n".join(blocks)
