"""The semantic pass: structure the JSON Schema cannot express, over the parts that parsed.

Every check is a pure function of the parts and the node-type specs; each issue names the node
and field, says what is wrong and, where it can, how to fix it. One module per family:
structure (ids, edges, cycles), params, references (templates, aliases, output fields), batches,
outputs; lookups holds what they all read, built once per check.
"""

from __future__ import annotations

from collections.abc import Mapping

from planflow.ir.checks.batches import check_batch_items
from planflow.ir.checks.hints import did_you_mean
from planflow.ir.checks.lookups import Lookups
from planflow.ir.checks.outputs import check_outputs
from planflow.ir.checks.params import check_params
from planflow.ir.checks.references import check_node_templates
from planflow.ir.checks.structure import check_edges, check_ids
from planflow.ir.issues import Issue
from planflow.ir.node_spec import NodeTypeSpec
from planflow.ir.shape import Parts
from planflow.ir.shell_checks import shell_issues
from planflow.ir.suggest import listing as _listing

__all__ = ["check"]


def check(parts: Parts, node_types: Mapping[str, NodeTypeSpec]) -> list[Issue]:
    graph = Lookups(parts)
    integer_inputs = frozenset(name for name, spec in parts.inputs.items() if spec.type == "integer")
    issues: list[Issue] = []
    issues += check_ids(parts)
    issues += check_edges(parts, graph)
    for _, node in parts.nodes:
        spec = node_types.get(node.type)
        if spec is None:
            # the types the planner's catalog shows (a type left out of it is not offered)
            shown = [name for name, s in node_types.items() if s.in_catalog]
            issues.append(
                Issue(
                    "unknown_type",
                    f"unknown node type '{node.type}'",
                    node.id,
                    "type",
                    did_you_mean(node.type, list(node_types)) or _listing("node types", shown),
                )
            )
        else:
            issues += check_params(node, spec)
            issues += shell_issues(node, spec, integer_inputs)
        issues += check_node_templates(node, parts, graph, node_types)
        if node.batch is not None:
            issues += check_batch_items(node, parts, graph, node_types)
    issues += check_outputs(parts, graph, node_types)
    return issues
