"""Which nodes run before which: reachability for exactly the pairs the templates ask about.

Asking "is u an ancestor of v" by walking up from v, or by keeping every node's ancestor set,
is quadratic on a long chain (a 20,000-node chain took minutes). Here the nodes that templates
reference get one bit each; one pass over the graph in topological order ORs each node's bits
into its children (Python ints are bitsets: the OR runs in C, 64 bits a step), and a node's
bits are kept only until the pass reaches it.

Cost: O(n + e) plus e big-int ORs of at most R bits, R being the number of distinct referenced
nodes. The worst case, every node referenced and every edge carrying all R bits, is
O(e * R / 64) word operations: for the limits (50,000 nodes, a few hundred thousand edges in
20 MB of text) well under a second. A cycle is folded into one strongly connected component
whose members all reach each other, so a cyclic graph is answered exactly too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from planflow.ir.graph import Graph


def ancestor_pairs(graph: Graph, wanted: Mapping[str, Iterable[str]]) -> set[tuple[str, str]]:
    """The (u, v) with u in wanted[v] for which u runs before v (u is an ancestor of v)."""
    # Most references are to a direct parent (an edge for every use, as the planner writes
    # them): those need no search, and if nothing else is asked the pass below never runs.
    found: set[tuple[str, str]] = set()
    rest: dict[str, list[str]] = {}
    for node, us in wanted.items():
        direct = set(graph.parents.get(node, ()))
        for u in us:
            if u in direct:
                found.add((u, node))
            else:
                rest.setdefault(node, []).append(u)
    roots = {u for us in rest.values() for u in us}
    if not roots:
        return found
    wanted = rest
    children = graph.children
    components = graph.components()
    component_of = {node: i for i, members in enumerate(components) for node in members}
    # Bits in topological order: the early nodes, whose bits travel furthest, get the small ones.
    # Kept as positions: 50,000 ints of 1 << position would hold 150 MB by themselves.
    position: dict[str, int] = {}
    for members in components:
        for node in members:
            if node in roots:
                position[node] = len(position)
    child_components: list[list[int]] = [[] for _ in components]
    for i, members in enumerate(components):
        for node in members:
            for child in children.get(node, ()):
                j = component_of[child]
                if j != i:
                    child_components[i].append(j)
    inherited = [0] * len(components)  # bits of the ancestors outside the component
    for i, members in enumerate(components):
        own = 0
        for node in members:
            if node in position:
                own |= 1 << position[node]
        cyclic = len(members) > 1 or any(node in children.get(node, ()) for node in members)
        before = inherited[i] | (own if cyclic else 0)  # on a cycle, every member runs before each
        for node in members:
            for u in wanted.get(node, ()):
                if u in position and (before >> position[u]) & 1:
                    found.add((u, node))
        reach = inherited[i] | own
        inherited[i] = 0
        for j in child_components[i]:
            inherited[j] |= reach
    return found
