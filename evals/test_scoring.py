"""The scorer, including the two WorFBench bugs it must not repeat."""

from __future__ import annotations

import pytest

from evals.scoring import NodeShape, batch_correct, edge_f1, f1, match_nodes, node_type_f1
from planflow.ir import Workflow


def shape(id, type, batch=False, parallel=None):
    return NodeShape(id, type, batch, parallel)


GOLD = [
    shape("list", "list_files"),
    shape("read", "read_file", True, False),
    shape("sum", "llm", True, True),
    shape("save", "write_file"),
]
GOLD_EDGES = [("list", "read"), ("read", "sum"), ("sum", "save")]


def test_f1_edges_of_the_definition():
    assert f1(0, 0, 0) == 1.0
    assert f1(0, 3, 3) == 0.0
    assert f1(2, 4, 2) == pytest.approx(2 / 3)


def test_node_type_f1_is_a_multiset_f1():
    assert node_type_f1(["llm", "llm", "shell"], ["llm", "shell", "shell"]) == pytest.approx(2 / 3)
    assert node_type_f1([], ["llm"]) == 0.0


def test_same_shape_with_other_ids_scores_one():
    """WorFBench bug 1: edges compared by raw ids score a renamed but identical graph as wrong."""
    predicted = [
        shape("a", "list_files"),
        shape("b", "read_file", True, False),
        shape("c", "llm", True, True),
        shape("d", "write_file"),
    ]
    matching = match_nodes(predicted, GOLD)
    assert matching == {"a": "list", "b": "read", "c": "sum", "d": "save"}
    assert edge_f1([("a", "b"), ("b", "c"), ("c", "d")], GOLD_EDGES, matching) == 1.0


def test_edges_between_mismatched_nodes_do_not_count():
    """Edges are mapped through the matching: right ids in the wrong place earn nothing."""
    predicted = [shape("list", "shell"), shape("read", "shell")]
    matching = match_nodes(predicted, GOLD)
    assert matching == {}
    assert edge_f1([("list", "read")], GOLD_EDGES, matching) == 0.0


def test_nothing_right_scores_zero_not_one_free_match():
    """WorFBench bug 2: its chain score starts at one match, so a wholly wrong plan scores > 0."""
    predicted = [shape("x", "http"), shape("y", "shell")]
    matching = match_nodes(predicted, GOLD)
    assert node_type_f1([p.type for p in predicted], [g.type for g in GOLD]) == 0.0
    assert edge_f1([("x", "y")], GOLD_EDGES, matching) == 0.0


def test_matching_is_thresholded_and_prefers_the_closer_node():
    predicted = [shape("p1", "llm"), shape("p2", "llm", True, True)]
    gold = [shape("g1", "llm", True, True), shape("g2", "llm")]
    assert match_nodes(predicted, gold) == {"p2": "g1", "p1": "g2"}
    # a batch node and a plain node of the same type still match (0.6 >= threshold) when alone
    assert match_nodes([shape("p", "llm")], [shape("g", "llm", True, True)]) == {"p": "g"}


def test_partial_graph_scores_between_zero_and_one():
    predicted = [shape("a", "list_files"), shape("b", "llm", True, True)]
    matching = match_nodes(predicted, GOLD)
    score = edge_f1([("a", "b")], GOLD_EDGES, matching)
    assert score == 0.0  # list -> sum is not a gold edge (the read step is missing)
    assert node_type_f1(["list_files", "llm"], [g.type for g in GOLD]) == pytest.approx(2 / 3)


def workflow(nodes, edges=()):
    return Workflow.model_validate(
        {"ir_version": "0.1.0", "nodes": nodes, "edges": [{"from": a, "to": b} for a, b in edges]}
    )


def test_batch_correctness_follows_items_through_intermediate_batches():
    wf = workflow(
        [
            {"id": "l", "type": "list_files"},
            {"id": "r", "type": "read_file", "batch": {"items": "${l.files}"}, "params": {"path": "${item}"}},
            {
                "id": "s",
                "type": "llm",
                "batch": {"items": "${r.results}", "parallel": True},
                "params": {"prompt": "${item.content}"},
            },
        ],
        [("l", "r"), ("r", "s")],
    )
    assert batch_correct(wf, "llm", "list_files", True)
    assert batch_correct(wf, "llm", "read_file", None)
    assert not batch_correct(wf, "llm", "list_files", False)
    assert not batch_correct(wf, "http", None, None)


def test_regressions_compare_suite_figures_only_over_the_same_cases():
    from evals.report import regressions

    case = {"id": "a", "valid": True, "cannot_plan_expected": False, "execution_ok": 1.0}
    before = {"summary": {"valid_plan_rate": 1.0}, "cases": [case]}
    worse = {"summary": {"valid_plan_rate": 0.5}, "cases": [{**case, "valid": False, "execution_ok": 0.0}]}
    assert regressions(worse, before) == [
        "valid_plan_rate: 1.000 -> 0.500",
        "case a: was planned validly, now is not",
        "case a: its plan ran correctly before, now does not",
    ]
    other_cases = {"summary": {"valid_plan_rate": 0.5}, "cases": [{**case, "id": "b"}]}
    assert regressions(other_cases, before) == []
