"""The workflow's outputs: each source is a template naming an input or a node's output field."""

from __future__ import annotations

from collections.abc import Mapping

from planflow.ir.checks.hints import suggestion
from planflow.ir.checks.lookups import Lookups, parse_reported
from planflow.ir.checks.references import check_input_ref, check_output_field
from planflow.ir.issues import Issue
from planflow.ir.node_spec import NodeTypeSpec
from planflow.ir.shape import Parts


def check_outputs(parts: Parts, graph: Lookups, node_types: Mapping[str, NodeTypeSpec]) -> list[Issue]:
    issues: list[Issue] = []
    graph_ids = graph.known
    for name, output in parts.outputs.items():
        path = f"outputs.{name}.source"
        template = parse_reported(output.source, None, path, issues, graph)
        if template is None:
            continue
        if not template.refs:
            issues.append(
                Issue(
                    "unknown_reference",
                    "an output's source must hold a template such as ${node.field}",
                    None,
                    path,
                    None,
                )
            )
        for ref in template.refs:
            if ref.root in parts.inputs:
                issues += check_input_ref(ref, parts, None, path)
            elif ref.root in graph_ids:
                issues += check_output_field(ref, graph, node_types, None, path)
            elif ref.root not in parts.broken_names:
                names = graph.scope_names
                issues.append(
                    Issue(
                        "unknown_reference",
                        f"{ref.text} references nothing named '{ref.root}'",
                        None,
                        path,
                        suggestion(names.closest(ref.root)) or names.listing("names"),
                    )
                )
    return issues
