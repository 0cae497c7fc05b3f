"""Reachability for the ancestry check, against a plain walk up the parents, cycles included."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from planflow.ir.graph import Graph
from planflow.ir.reach import ancestor_pairs


def walked_ancestors(node: str, parents: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(parents.get(node, ()))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(parents.get(current, ()))
    return seen


graphs = st.integers(1, 9).flatmap(
    lambda n: st.tuples(
        st.just([f"n{i}" for i in range(n)]),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=20),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=30),
    )
)


@settings(max_examples=500, deadline=None)
@given(graphs)
def test_ancestor_pairs_agree_with_a_walk(graph):
    ids, edges, questions = graph
    parents: dict[str, set[str]] = {}
    for a, b in edges:
        parents.setdefault(ids[b], set()).add(ids[a])
    wanted: dict[str, set[str]] = {}
    for u, v in questions:
        wanted.setdefault(ids[v], set()).add(ids[u])
    expected = {(u, v) for v, us in wanted.items() for u in us if u in walked_ancestors(v, parents)}
    assert ancestor_pairs(Graph(ids, [(ids[a], ids[b]) for a, b in edges]), wanted) == expected


def test_a_cycle_makes_its_members_ancestors_of_each_other_and_of_what_follows():
    graph = Graph(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("b", "d"), ("c", "b")])
    wanted = {"b": {"c", "d"}, "c": {"b"}, "d": {"a", "c"}, "a": {"b"}}
    assert ancestor_pairs(graph, wanted) == {("c", "b"), ("b", "c"), ("a", "d"), ("c", "d")}


def test_nothing_asked_nothing_computed():
    assert ancestor_pairs(Graph(["a", "b"], [("a", "b")]), {}) == set()
