"""The review view: exactly what will run, in order, before it runs.

Plain text, so it reads the same in a terminal, a log and a snapshot test: inputs with their
defaults, then each step in execution order with its purpose, what a batch fans out over and how
many at a time, every shell command and every file written shown literally, and where each
template value comes from.

The view cannot be spoofed by the plan it shows (docs/review.md): every string from the plan
goes through `escape_controls`, and a value spanning lines is always shown under its step
behind a gutter (`       | line`), so no value can fake a step line, a heading or a warning.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from planflow.cli.provenance import value_sources
from planflow.cli.safe_text import escape_controls, split_lines
from planflow.cli.write_targets import outside_write_warning
from planflow.ir import Workflow
from planflow.ir.graph import Graph


def execution_order(workflow: Workflow) -> list[str]:
    """Node ids in a dependency-respecting order, stable with respect to the file's order: of the
    nodes whose parents are done, the one earliest in the file runs first (a file already in order
    comes out as is). A cycle (validated workflows have none) does not hide the rest: it comes last."""
    return Graph.of(workflow).order()


def _literal(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _field(label: str, value: Any, indent: str) -> list[str]:
    """`label: value` on one line, or the value's lines under the label behind a gutter."""
    lines = split_lines(_literal(value))
    if len(lines) == 1:
        return [f"{indent}{label}: {lines[0]}"]
    return [f"{indent}{label}:", *(f"{indent}  | {line}" for line in lines)]


def _is_one_line(value: Any) -> bool:
    return value is None or "\n" not in _literal(value)


SHOWN_LITERALLY = {"shell": ("command",), "write_file": ("path",), "http": ("method", "url"), "llm": ("prompt",)}
_LABELS = {"command": "runs", "path": "writes", "prompt": "asks"}
# Params whose template values decide what runs or which file is touched get a `where` line
# saying where each value comes from; besides these, every param a node type marks as a path.
_TRACED = {"shell": ("command", "cwd"), "http": ("url",)}


@functools.cache
def _traced(node_type: str) -> tuple[str, ...]:
    from planflow.runtime.registry import default_registry

    specs = default_registry().specs()
    paths = tuple(p.name for p in specs[node_type].params if p.is_path) if node_type in specs else ()
    return _TRACED.get(node_type, ()) + paths


def _inputs(workflow: Workflow) -> list[str]:
    lines = ["Inputs (change with name=value):"]
    for name, spec in workflow.inputs.items():
        shown = escape_controls(name)
        if _is_one_line(spec.default) and _is_one_line(spec.description):
            value = "required" if spec.required else f"default {escape_controls(_literal(spec.default))}"
            about = f" - {escape_controls(spec.description)}" if spec.description else ""
            lines.append(f"  {shown} ({spec.type}, {value}){about}")
            continue
        lines.append(f"  {shown} ({spec.type}, {'required' if spec.required else 'default below'})")
        if not spec.required:
            lines += _field("default", spec.default, "     ")
        if spec.description:
            lines += _field("description", spec.description, "     ")
    return [*lines, ""]


def _batch(node: Any) -> list[str]:
    b = node.batch
    items = escape_controls(b.items) if isinstance(b.items, str) else f"{len(b.items)} listed items"
    mode = f"in parallel, at most {b.max_concurrent} at a time" if b.parallel else "one at a time"
    on_error = "keep going on errors" if b.error_handling == "continue" else "stop at the first error"
    retries = f", up to {b.max_retries} attempts each" if b.max_retries > 1 else ""
    lines = [f"     for each {escape_controls(b.as_)} in {items}: {mode}, {on_error}{retries}"]
    if isinstance(b.items, list):  # what the batch runs over is part of what runs: show it all
        lines.append("     items:")
        lines += [f"       | {escape_controls(json.dumps(item, ensure_ascii=False))}" for item in b.items]
    return lines


def render_review(workflow: Workflow, cwd: Path | None = None) -> str:
    """The review text; `cwd` is where the workflow will run (default: here), to spot writes
    that leave it."""
    cwd = cwd or Path.cwd()
    lines: list[str] = []
    if workflow.description:
        lines += [*_field("About", workflow.description, ""), ""]
    if workflow.inputs:
        lines += _inputs(workflow)
    nodes = {n.id: n for n in workflow.nodes}
    graph = Graph.of(workflow)
    parents = graph.parents
    lines.append("Steps:")
    for number, node_id in enumerate(graph.order(), 1):
        node = nodes[node_id]
        head = f"  {number}. {escape_controls(node.id)} [{escape_controls(node.type)}]"
        if node.purpose and _is_one_line(node.purpose):
            lines.append(f"{head}: {escape_controls(node.purpose)}")
        else:
            lines.append(head)
            if node.purpose:
                lines += _field("purpose", node.purpose, "     ")
        if parents[node.id]:
            lines.append(f"     after: {escape_controls(', '.join(parents[node.id]))}")
        if node.batch is not None:
            lines += _batch(node)
        for name, value in node.params.items():
            literal = name in SHOWN_LITERALLY.get(node.type, ())
            lines += _field(_LABELS.get(name, name) if literal else escape_controls(name), value, "     ")
        for template, about in value_sources(node, workflow, nodes, _traced(node.type)):
            lines.append(f"     where {escape_controls(template)}: {escape_controls(about)}")
        warning = outside_write_warning(node, workflow, cwd)
        if warning:
            lines.append(f"     WARNING: {escape_controls(warning)}")
    if workflow.outputs:
        lines += ["", "Outputs:"]
        for name, spec in workflow.outputs.items():
            lines += _field(escape_controls(name), spec.source, "  ")
    return "\n".join(lines) + "\n"


# Characters that end or restyle a Mermaid label; Mermaid reads `#NN;` as the character NN.
_MERMAID_SPECIAL = set('"#&<>[](){}|`;')


def _mermaid_text(text: str) -> str:
    return "".join(f"#{ord(c)};" if c in _MERMAID_SPECIAL else c for c in escape_controls(text))


def _mermaid_id(node_id: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in node_id)


def render_mermaid(workflow: Workflow) -> str:
    lines = ["flowchart TD"]
    for node in workflow.nodes:
        label = f"{_mermaid_text(node.id)}<br/>{_mermaid_text(node.type)}" + (" x each" if node.batch else "")
        lines.append(f'  {_mermaid_id(node.id)}["{label}"]')
    for edge in workflow.edges:
        lines.append(f"  {_mermaid_id(edge.from_)} --> {_mermaid_id(edge.to)}")
    return "\n".join(lines) + "\n"
