"""The review view: exactly what will run, in order, before it runs.

Plain text, so it reads the same in a terminal, a log and a snapshot test: inputs with their
defaults, then each step in execution order with its purpose, what a batch fans out over and how
many at a time, every shell command and every file written shown literally.
"""

from __future__ import annotations

import json
from typing import Any

from planflow.ir import Workflow


def execution_order(workflow: Workflow) -> list[str]:
    """Node ids in a dependency-respecting order, stable with respect to the file's order."""
    parents: dict[str, set[str]] = {n.id: set() for n in workflow.nodes}
    for edge in workflow.edges:
        parents[edge.to].add(edge.from_)
    order: list[str] = []
    done: set[str] = set()
    while len(order) < len(parents):
        ready = [n.id for n in workflow.nodes if n.id not in done and parents[n.id] <= done]
        if not ready:  # a cycle: validated workflows have none, but never loop forever
            ready = [n.id for n in workflow.nodes if n.id not in done]
        order.append(ready[0])
        done.add(ready[0])
    return order


def _literal(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines() or [""])


SHOWN_LITERALLY = {"shell": ("command",), "write_file": ("path",), "http": ("method", "url"), "llm": ("prompt",)}


def render_review(workflow: Workflow) -> str:
    lines: list[str] = []
    if workflow.description:
        lines += [workflow.description, ""]
    if workflow.inputs:
        lines.append("Inputs (change with name=value):")
        for name, spec in workflow.inputs.items():
            value = "required" if spec.required else f"default {_literal(spec.default)}"
            about = f" - {spec.description}" if spec.description else ""
            lines.append(f"  {name} ({spec.type}, {value}){about}")
        lines.append("")
    parents: dict[str, list[str]] = {n.id: [] for n in workflow.nodes}
    for edge in workflow.edges:
        parents[edge.to].append(edge.from_)
    lines.append("Steps:")
    for number, node_id in enumerate(execution_order(workflow), 1):
        node = workflow.node(node_id)
        purpose = f": {node.purpose}" if node.purpose else ""
        lines.append(f"  {number}. {node.id} [{node.type}]{purpose}")
        if parents[node.id]:
            lines.append(f"     after: {', '.join(parents[node.id])}")
        if node.batch is not None:
            b = node.batch
            items = b.items if isinstance(b.items, str) else f"{len(b.items)} listed items"
            mode = f"in parallel, at most {b.max_concurrent} at a time" if b.parallel else "one at a time"
            on_error = "keep going on errors" if b.error_handling == "continue" else "stop at the first error"
            retries = f", up to {b.max_retries} attempts each" if b.max_retries > 1 else ""
            lines.append(f"     for each {b.as_} in {items}: {mode}, {on_error}{retries}")
        for name, value in node.params.items():
            if name in SHOWN_LITERALLY.get(node.type, ()):
                label = {"command": "runs", "path": "writes", "prompt": "asks"}.get(name, name)
                text = _literal(value)
                if "\n" in text:
                    lines.append(f"     {label}:")
                    lines.append(_indent(text, "       | "))
                else:
                    lines.append(f"     {label}: {text}")
            else:
                lines.append(f"     {name}: {_literal(value)}")
    if workflow.outputs:
        lines += ["", "Outputs:"]
        lines += [f"  {name}: {spec.source}" for name, spec in workflow.outputs.items()]
    return "\n".join(lines) + "\n"


def render_mermaid(workflow: Workflow) -> str:
    lines = ["flowchart TD"]
    for node in workflow.nodes:
        label = f"{node.id}<br/>{node.type}" + (" x each" if node.batch else "")
        lines.append(f'  {node.id.replace("-", "_")}["{label}"]')
    for edge in workflow.edges:
        lines.append(f"  {edge.from_.replace('-', '_')} --> {edge.to.replace('-', '_')}")
    return "\n".join(lines) + "\n"
