"""Ids and edges: unique ids, one namespace for inputs, ids and aliases, known edge ends, no
repeated edge, no cycle."""

from __future__ import annotations

from planflow.ir.checks.hints import suggestion
from planflow.ir.checks.lookups import Lookups
from planflow.ir.graph import Cycle
from planflow.ir.issues import Issue
from planflow.ir.shape import Parts

# A cycle longer than this is shown as its first and last ids: the message stays one line.
_CYCLE_SHOWN = 12


def check_ids(parts: Parts) -> list[Issue]:
    issues: list[Issue] = []
    first_index: dict[str, int] = {}
    for index, node in parts.nodes:
        if node.id in first_index:
            issues.append(
                Issue(
                    "duplicate_id",
                    f"duplicate node id '{node.id}' (also used by nodes[{first_index[node.id]}])",
                    node.id,
                    "id",
                    "give every node its own id",
                )
            )
        else:
            first_index[node.id] = index
    for name in parts.inputs:
        if name in first_index:
            issues.append(
                Issue(
                    "name_clash",
                    f"input '{name}' has the same name as a node",
                    None,
                    f"inputs.{name}",
                    "inputs, node ids and batch aliases share one namespace; rename one",
                )
            )
    for _, node in parts.nodes:
        if node.batch is None:
            continue
        alias = node.batch.as_
        clash = "a node id" if alias in first_index else "an input" if alias in parts.inputs else None
        if clash:
            issues.append(
                Issue(
                    "name_clash",
                    f"batch alias '{alias}' is also {clash}",
                    node.id,
                    "batch.as",
                    f'choose another alias, e.g. "as": "{alias}_item"',
                )
            )
    return issues


def check_edges(parts: Parts, graph: Lookups) -> list[Issue]:
    issues: list[Issue] = []
    known = set(graph.ids) | parts.broken_names
    seen: dict[tuple[str, str], int] = {}
    for index, edge in parts.edges:
        for end, name in (("from", edge.from_), ("to", edge.to)):
            if name not in known:
                issues.append(
                    Issue(
                        "unknown_edge_node",
                        f"edge {end} unknown node '{name}'",
                        None,
                        f"edges[{index}].{end}",
                        suggestion(graph.id_names.closest(name)) or graph.id_names.listing("node ids"),
                    )
                )
        key = (edge.from_, edge.to)
        if key in seen:
            issues.append(
                Issue(
                    "duplicate_edge",
                    f"edge {edge.from_} -> {edge.to} repeats edges[{seen[key]}]",
                    None,
                    f"edges[{index}]",
                    "remove the repeated edge",
                )
            )
        seen.setdefault(key, index)
    for cycle in graph.cycles(ends=_CYCLE_SHOWN // 2):
        shown = _shown(cycle)
        issues.append(
            Issue(
                "cycle",
                "edges form a cycle: " + " -> ".join(shown),
                shown[0],
                "edges",
                "workflows must be acyclic; remove one of these edges",
            )
        )
    return issues


def _shown(cycle: Cycle) -> list[str]:
    """The cycle's ids, a long one as its ends around '… (N more) …'."""
    if not cycle.left_out:
        return [*cycle.head, *cycle.tail]
    return [*cycle.head, f"… ({cycle.left_out:,} more) …", *cycle.tail]
