"""Batch items: one template that resolves to an array (or an inline array)."""

from __future__ import annotations

from collections.abc import Mapping

from planflow.ir.checks.hints import article
from planflow.ir.checks.lookups import Lookups, output_fields
from planflow.ir.issues import Issue
from planflow.ir.models import Node
from planflow.ir.node_spec import NodeTypeSpec
from planflow.ir.shape import Parts
from planflow.ir.suggest import listing as _listing
from planflow.ir.templates import TemplateSyntaxError, parse_template


def check_batch_items(node: Node, parts: Parts, graph: Lookups, node_types: Mapping[str, NodeTypeSpec]) -> list[Issue]:
    assert node.batch is not None
    items = node.batch.items
    if isinstance(items, list):
        return []
    try:
        template = parse_template(items)
    except TemplateSyntaxError:
        return []  # already reported
    if not template.is_single_ref:
        return [
            Issue(
                "batch_items",
                "batch items must be one template such as ${list.files}, or an inline array",
                node.id,
                "batch.items",
                "text around a template makes a string, not an array",
            )
        ]
    ref = template.refs[0]
    if ref.root in parts.inputs and not ref.path:
        declared = parts.inputs[ref.root].type
        if declared != "array":
            return [
                Issue(
                    "batch_items",
                    f"batch items {ref.text} is input '{ref.root}' of type {declared}, not an array",
                    node.id,
                    "batch.items",
                    f'declare input \'{ref.root}\' with "type": "array"',
                )
            ]
    sources = graph.nodes
    if ref.root in sources and len(ref.path) == 1:
        fields = output_fields(sources[ref.root], node_types)
        field_type = (fields or {}).get(str(ref.path[0]))
        if field_type is not None and field_type not in ("array", "any"):
            return [
                Issue(
                    "batch_items",
                    f"batch items {ref.text} is {article(field_type)}, not an array",
                    node.id,
                    "batch.items",
                    _array_hint(sources[ref.root], fields or {}),
                )
            ]
    return []


def _array_hint(source: Node, fields: Mapping[str, str]) -> str:
    arrays = [name for name, kind in fields.items() if kind in ("array", "any")]
    return _listing(f"fields of '{source.id}' that can be arrays", [f"${{{source.id}.{a}}}" for a in arrays])
