"""Scores for one plan against its case, and their aggregate.

Graph scores follow the TaskBench/WorFBench idea with their two bugs fixed:
- nodes are matched within a type by a thresholded assignment (greedy on similarity, highest
  first), and edges are compared *through that matching*, not by raw ids or positions, so a
  plan with other ids but the same shape scores 1 and edges between mismatched nodes score 0;
- every score starts from zero: a plan with nothing right scores 0, never "one free match".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from planflow.ir import Workflow, parse_template
from planflow.ir.templates import TemplateSyntaxError

MATCH_THRESHOLD = 0.5


@dataclass(frozen=True)
class NodeShape:
    id: str
    type: str
    batch: bool
    parallel: bool | None


def f1(true_positive: int, predicted: int, expected: int) -> float:
    if predicted == 0 and expected == 0:
        return 1.0
    if true_positive == 0:
        return 0.0
    precision, recall = true_positive / predicted, true_positive / expected
    return 2 * precision * recall / (precision + recall)


def node_type_f1(predicted: Iterable[str], gold: Iterable[str]) -> float:
    """Multiset F1 of node types."""
    p, g = Counter(predicted), Counter(gold)
    return f1(sum((p & g).values()), sum(p.values()), sum(g.values()))


def similarity(a: NodeShape, b: NodeShape) -> float:
    """0 across types; within a type, 0.6 for the type, 0.3 for batch-or-not, 0.1 for parallelism."""
    if a.type != b.type:
        return 0.0
    score = 0.6 + (0.3 if a.batch == b.batch else 0.0)
    if a.batch and b.batch and b.parallel is not None:
        score += 0.1 if a.parallel == b.parallel else 0.0
    elif a.batch == b.batch:
        score += 0.1
    return score


def match_nodes(predicted: list[NodeShape], gold: list[NodeShape]) -> dict[str, str]:
    """Predicted id -> gold id: pairs of the same type, best similarity first, above the threshold.

    Ties break by position, so two equal candidates match in the order they appear."""
    pairs = [
        (similarity(p, g), -i, -j, p.id, g.id)
        for i, p in enumerate(predicted)
        for j, g in enumerate(gold)
        if similarity(p, g) >= MATCH_THRESHOLD
    ]
    matching: dict[str, str] = {}
    used: set[str] = set()
    for _, _, _, pid, gid in sorted(pairs, reverse=True):
        if pid not in matching and gid not in used:
            matching[pid] = gid
            used.add(gid)
    return matching


def edge_f1(
    predicted_edges: Iterable[tuple[str, str]], gold_edges: Iterable[tuple[str, str]], matching: dict[str, str]
) -> float:
    """Edges mapped through the node matching; an edge touching an unmatched node cannot match."""
    gold = set(gold_edges)
    predicted = set(predicted_edges)
    mapped = {(matching[a], matching[b]) for a, b in predicted if a in matching and b in matching}
    return f1(len(mapped & gold), len(predicted), len(gold))


def shapes(workflow: Workflow) -> list[NodeShape]:
    return [NodeShape(n.id, n.type, n.batch is not None, n.batch.parallel if n.batch else None) for n in workflow.nodes]


def batch_correct(workflow: Workflow, node_type: str, over: str | None, parallel: bool | None) -> bool:
    """Some node of `node_type` is batched, over items from a node of type `over`, with the
    required parallelism."""
    types = {n.id: n.type for n in workflow.nodes}
    for node in workflow.nodes:
        if node.type != node_type or node.batch is None:
            continue
        if parallel is not None and node.batch.parallel != parallel:
            continue
        if over is None:
            return True
        if isinstance(node.batch.items, str):
            try:
                refs = parse_template(node.batch.items).refs
            except TemplateSyntaxError:
                continue
            if any(_comes_from(r.root, over, workflow, types) for r in refs):
                return True
    return False


def _comes_from(node_id: str, wanted_type: str, workflow: Workflow, types: dict[str, str], depth: int = 0) -> bool:
    """The items come from a node of the wanted type, directly or through a batch over its results."""
    if types.get(node_id) == wanted_type:
        return True
    if depth > 5 or node_id not in types:
        return False
    source = workflow.node(node_id)
    if source.batch is not None and isinstance(source.batch.items, str):
        try:
            refs = parse_template(source.batch.items).refs
        except TemplateSyntaxError:
            return False
        return any(_comes_from(r.root, wanted_type, workflow, types, depth + 1) for r in refs)
    return False


def mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _failed(result: dict[str, Any]) -> bool:
    """No plan and no refusal: the planner ran out of repairs (or the model errored)."""
    return not result["valid"] and not result["refused"]


def aggregate(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Suite-level figures from per-case results (None where a metric does not apply)."""
    plannable = [r for r in results if not r["cannot_plan_expected"]]
    impossible = [r for r in results if r["cannot_plan_expected"]]
    return {
        "cases": len(results),
        "valid_plan_rate": mean(1.0 if r["valid"] else 0.0 for r in plannable),
        "first_call_valid_rate": mean(1.0 if r["first_call_valid"] else 0.0 for r in plannable),
        "refusal_rate_on_impossible": mean(1.0 if r["refused"] else 0.0 for r in impossible),
        "failure_rate_on_impossible": mean(1.0 if _failed(r) else 0.0 for r in impossible),
        "refusal_rate_on_doable": mean(1.0 if r["refused"] else 0.0 for r in plannable),
        "llm_calls_per_plan": mean(r["llm_calls"] for r in results),
        "repairs_per_plan": mean(r["repairs"] for r in results),
        "input_tokens_per_plan": mean(r["input_tokens"] for r in results),
        "output_tokens_per_plan": mean(r["output_tokens"] for r in results),
        "node_type_f1": mean(r["node_type_f1"] for r in plannable),
        "edge_f1": mean(r["edge_f1"] for r in plannable),
        "batch_correct_rate": mean(r["batch_correct"] for r in plannable),
        "expectations_met_rate": mean(r["expectations_met"] for r in plannable),
        "execution_success_rate": mean(r["execution_ok"] for r in plannable),
    }
