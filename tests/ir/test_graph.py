"""The one graph walker: what each walk returns, and that none of them recurses (long chains)."""

from __future__ import annotations

from planflow.ir.graph import Cycle, Graph

LONG = 50_000  # the validator's node limit


def chain(n: int, backwards: bool = False) -> Graph:
    ids = [f"n{i}" for i in range(n)]
    edges = [(ids[i + 1], ids[i]) if backwards else (ids[i], ids[i + 1]) for i in range(n - 1)]
    return Graph(ids, edges)


def test_edges_to_unknown_nodes_are_left_out_and_repeated_ones_kept():
    graph = Graph(["a", "b"], [("a", "b"), ("a", "ghost"), ("ghost", "b"), ("a", "b")])
    assert graph.parents == {"a": [], "b": ["a", "a"]}
    assert graph.children == {"a": ["b", "b"], "b": []}
    assert graph.order() == ["a", "b"]


def test_order_keeps_the_given_order_where_parents_allow():
    graph = Graph(["c", "a", "b", "d"], [("a", "c"), ("b", "d")])
    assert graph.order() == ["a", "c", "b", "d"]
    assert Graph(["x", "y"], []).order() == ["x", "y"]


def test_order_puts_a_cycle_and_what_follows_it_last():
    graph = Graph(["a", "b", "c", "d"], [("b", "c"), ("c", "b"), ("c", "d")])
    assert graph.order() == ["a", "b", "c", "d"]
    graph = Graph(["b", "c", "a"], [("b", "c"), ("c", "b")])
    assert graph.order() == ["a", "b", "c"]


def test_the_sorter_schedules_parents_first():
    sorter = Graph(["b", "a"], [("a", "b")]).sorter()
    assert list(sorter.static_order()) == ["a", "b"]


def test_reaches_follows_edges_one_way():
    graph = Graph(["a", "b", "c"], [("a", "b"), ("b", "c")])
    assert graph.reaches("a", "c") and graph.reaches("a", "a")
    assert not graph.reaches("c", "a")
    graph.add_edge("c", "a")
    assert graph.reaches("c", "b")


def test_nearest_maps_what_follows_to_the_closest_source():
    graph = Graph(["a", "b", "c", "d", "e"], [("a", "c"), ("c", "d"), ("b", "d"), ("d", "e")])
    assert graph.nearest(["a", "b"]) == {"a": "a", "b": "b", "c": "a", "d": "b", "e": "b"}
    assert graph.nearest(["b", "a"])["d"] == "b" and graph.nearest(["c", "b"])["d"] == "c"


def test_cycles_name_the_ids_along_each_and_keep_a_long_ones_ends():
    assert Graph(["a", "b"], [("a", "b")]).cycles(ends=6) == []
    assert Graph(["a"], [("a", "a")]).cycles(ends=6) == [Cycle(["a"], 0, ["a"])]
    assert Graph(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "b")]).cycles(ends=6) == [Cycle(["b", "c"], 0, ["b"])]
    ring = [f"r{i}" for i in range(20)]
    [long] = Graph(ring, [(ring[i], ring[(i + 1) % 20]) for i in range(20)]).cycles(ends=2)
    assert long == Cycle(["r0", "r1"], 16, ["r18", "r19", "r0"])


def test_components_come_parents_first():
    graph = Graph(["d", "a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "b"), ("c", "d")])
    assert [sorted(c) for c in graph.components()] == [["a"], ["b", "c"], ["d"]]


def test_no_walk_recurses_on_a_long_chain():
    graph = chain(LONG, backwards=True)
    assert graph.order() == [f"n{i}" for i in reversed(range(LONG))]
    assert graph.reaches(f"n{LONG - 1}", "n0") and not graph.reaches("n0", "n1")
    assert graph.cycles(ends=6) == []
    assert len(graph.components()) == LONG
    assert len(graph.nearest([f"n{LONG - 1}"])) == LONG
    graph.add_edge("n0", f"n{LONG - 1}")
    [cycle] = graph.cycles(ends=6)
    assert cycle.left_out == LONG - 12 and cycle.tail[-1] == cycle.head[0]
    assert len(graph.components()) == 1
