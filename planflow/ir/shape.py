"""The shape pass: pydantic errors as Issues, and the parts of a broken document that still parse.

Salvaging lets the semantic pass report its problems too, so one run shows every mistake.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from planflow.ir.issues import Issue
from planflow.ir.models import BatchSpec, Edge, InputSpec, Node, OutputSpec, Workflow
from planflow.ir.templates import PathPart, format_path

_IDENTIFIER_HINT = "use letters, digits, '_' or '-', starting with a letter or '_'"


@dataclass
class Parts:
    """What parsed, item by item, plus the names whose definitions did not parse."""

    inputs: dict[str, InputSpec] = field(default_factory=dict)
    nodes: list[tuple[int, Node]] = field(default_factory=list)
    edges: list[tuple[int, Edge]] = field(default_factory=list)
    outputs: dict[str, OutputSpec] = field(default_factory=dict)
    broken_names: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, workflow: Workflow) -> Parts:
        """The parts of a workflow that parsed whole: what salvage would find, without the work."""
        return cls(
            inputs=dict(workflow.inputs),
            nodes=list(enumerate(workflow.nodes)),
            edges=list(enumerate(workflow.edges)),
            outputs=dict(workflow.outputs),
        )


def _model_at(loc: tuple[PathPart, ...]) -> type[BaseModel] | None:
    """Which IR model sits at a location, to list its allowed fields in hints."""
    if not loc:
        return Workflow
    head, rest = loc[0], loc[1:]
    by_section: dict[PathPart, tuple[type[BaseModel], int]] = {
        "nodes": (Node, 1),
        "edges": (Edge, 1),
        "inputs": (InputSpec, 1),
        "outputs": (OutputSpec, 1),
    }
    if head not in by_section:
        return None
    model, depth = by_section[head]
    if len(rest) == depth:
        return model
    if model is Node and len(rest) == depth + 1 and rest[depth] == "batch":
        return BatchSpec
    return None


def _real_loc(doc: Any, loc: tuple[Any, ...], where: tuple[PathPart, ...] = ()) -> tuple[PathPart, ...]:
    # `where`: the location of `doc` inside the whole workflow, to find the model at each step
    """Drop pydantic's union and key tags ('str', 'list[any]', '[key]') from a location.

    A part is real when the data has it, or when it names a field of the model there (a
    missing field); anything else is a tag pydantic added.
    """
    out: list[PathPart] = []
    current = doc
    for part in loc:
        if (isinstance(current, Mapping) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        ):
            current = current[part]
        elif part in _field_names(_model_at((*where, *out))):
            current = None
        else:
            continue
        out.append(part)
    return tuple(out)


def _field_names(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _message(err: Mapping[str, Any], loc: tuple[PathPart, ...], raw_loc: tuple[Any, ...]) -> tuple[str, str | None]:
    kind = err["type"]
    if kind == "extra_forbidden":
        name = raw_loc[-1]
        allowed = _field_names(_model_at(loc[:-1]))
        return f"unknown field '{name}'", ("allowed fields: " + ", ".join(allowed)) if allowed else None
    if kind == "missing":
        return f"missing required field '{raw_loc[-1]}'", None
    if kind == "string_pattern_mismatch":
        value = err.get("input")
        return f"{value!r} is not a valid identifier", _IDENTIFIER_HINT
    if kind == "literal_error" and loc == ("ir_version",):
        return f"unsupported ir_version {err.get('input')!r}", 'set "ir_version": "0.1.0"'
    msg = err["msg"]
    return msg[:1].lower() + msg[1:], None


def shape_issues(doc: Mapping[str, Any], error: ValidationError) -> list[Issue]:
    """Translate pydantic errors, merging the branches of one union failure into one issue."""
    merged: dict[tuple[PathPart, ...], Issue] = {}
    for err in error.errors(include_url=False):
        loc = _real_loc(doc, tuple(err["loc"]))
        message, hint = _message(err, loc, tuple(err["loc"]))
        node, path = _split_node(doc, loc)
        if loc in merged:
            prev = merged[loc]
            if message not in prev.message:
                merged[loc] = Issue(prev.code, f"{prev.message}, or {message}", node, path, prev.hint or hint)
            continue
        merged[loc] = Issue("schema", message, node, path, hint)
    return list(merged.values())


def _split_node(doc: Mapping[str, Any], loc: tuple[PathPart, ...]) -> tuple[str | None, str]:
    """Errors under nodes[i] are reported against that node's id, with a path inside it."""
    nodes = doc.get("nodes")
    if len(loc) >= 2 and loc[0] == "nodes" and isinstance(loc[1], int) and isinstance(nodes, list):
        raw = nodes[loc[1]] if loc[1] < len(nodes) else None
        node_id = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(node_id, str) and node_id:
            return node_id, format_path(loc[2:])
    return None, format_path(loc)


# Required fields that may be replaced when broken, so the rest of the part is still checked:
# a batch node whose items are malformed is still a batch node for its readers.
_PLACEHOLDERS: dict[str, Any] = {"items": []}


def _pruned(model: type[BaseModel], raw: Any, where: tuple[PathPart, ...], attempts: int = 4) -> BaseModel | None:
    """Parse `raw`, deleting fields that fail (so defaults apply) until it parses or cannot.

    `where` is the part's location in the document (e.g. ("nodes", 2)). A node with a bad
    `batch.parallel` still has params worth checking; a node with no id does not, and a missing
    required field with no placeholder ends the attempt.
    """
    try:
        return model.model_validate(raw)
    except ValidationError:
        pass  # prune a copy: the caller's document stays as it was
    candidate = copy.deepcopy(raw)
    for _ in range(attempts):
        try:
            return model.model_validate(candidate)
        except ValidationError as exc:
            changed = False
            for err in exc.errors(include_url=False):
                loc = _real_loc(candidate, tuple(err["loc"]), where)
                if err["type"] == "missing":
                    changed |= _fill_placeholder(candidate, loc)
                else:
                    changed |= _delete(candidate, loc)
            if not changed:
                return None
    return None


def _fill_placeholder(doc: Any, loc: tuple[PathPart, ...]) -> bool:
    if not loc or loc[-1] not in _PLACEHOLDERS:
        return False
    parent = doc
    for part in loc[:-1]:
        parent = parent.get(part) if isinstance(parent, dict) else None
    if isinstance(parent, dict) and loc[-1] not in parent:
        parent[loc[-1]] = copy.deepcopy(_PLACEHOLDERS[str(loc[-1])])
        return True
    return False


def _delete(doc: Any, loc: tuple[PathPart, ...]) -> bool:
    """Remove the dict key at `loc` (the nearest one, for list elements); False if none."""
    while loc and not isinstance(loc[-1], str):
        loc = loc[:-1]
    if not loc:
        return False
    parent = doc
    for part in loc[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(parent, dict) and loc[-1] in parent:
        del parent[loc[-1]]
        return True
    return False


def salvage(doc: Mapping[str, Any]) -> Parts:
    """Parse each input, node, edge and output on its own and keep what can be saved."""
    parts = Parts()

    def each(section: str, kind: type) -> list[tuple[Any, Any]]:
        value = doc.get(section)
        if kind is list and isinstance(value, list):
            return list(enumerate(value))
        if kind is dict and isinstance(value, Mapping):
            return [(str(k), v) for k, v in value.items()]
        return []

    for name, raw in each("inputs", dict):
        spec = _pruned(InputSpec, raw, ("inputs", name))
        if isinstance(spec, InputSpec):
            parts.inputs[name] = spec
        else:
            parts.broken_names.add(str(name))
    for index, raw in each("nodes", list):
        node = _pruned(Node, raw, ("nodes", index))
        if isinstance(node, Node):
            parts.nodes.append((index, node))
            continue
        node_id = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(node_id, str):
            parts.broken_names.add(node_id)
        batch = raw.get("batch") if isinstance(raw, Mapping) else None
        alias = batch.get("as", "item") if isinstance(batch, Mapping) else None
        if isinstance(alias, str):
            parts.broken_names.add(alias)
    for index, raw in each("edges", list):
        edge = _pruned(Edge, raw, ("edges", index))
        if isinstance(edge, Edge):
            parts.edges.append((index, edge))
    for name, raw in each("outputs", dict):
        output = _pruned(OutputSpec, raw, ("outputs", name))
        if isinstance(output, OutputSpec):
            parts.outputs[name] = output
    return parts
