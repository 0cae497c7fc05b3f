"""The workflow's graph, walked one way everywhere: parents and children, orders, reach, cycles.

The validator, the planner's fixes, the review and the runtime all walk the same nodes and
edges; this module is where they do it. Every walk is iterative, never recursive, so a chain of
any length (50,000 nodes is the limit) is fine.

An edge naming a node that is not there is left out (the validator reports it); a repeated edge
is kept as written, so parents and children read as the file does.
"""

from __future__ import annotations

import collections
import heapq
from collections.abc import Iterable, Iterator
from graphlib import TopologicalSorter
from typing import NamedTuple

from planflow.ir.models import Workflow

__all__ = ["Cycle", "Graph"]


class Cycle(NamedTuple):
    """The ids along a cycle and back to the first one: `head`, then `left_out` ids not kept, then
    `tail`, which ends with the first id again. A long cycle keeps only its ends, so finding many
    long cycles costs little."""

    head: list[str]
    left_out: int
    tail: list[str]


class Graph:
    def __init__(self, ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> None:
        self.ids = list(ids)  # as given: file order, a repeated id included
        self.known = set(self.ids)
        self.parents: dict[str, list[str]] = {node_id: [] for node_id in self.ids}
        self.children: dict[str, list[str]] = {node_id: [] for node_id in self.ids}
        for source, target in edges:
            if source in self.known and target in self.known:
                self.add_edge(source, target)

    @classmethod
    def of(cls, workflow: Workflow) -> Graph:
        return cls((n.id for n in workflow.nodes), ((e.from_, e.to) for e in workflow.edges))

    def add_edge(self, source: str, target: str) -> None:
        self.parents[target].append(source)
        self.children[source].append(target)

    def sorter(self) -> TopologicalSorter[str]:
        """A graphlib sorter over the nodes, for running each node as soon as its parents are done."""
        return TopologicalSorter(self.parents)

    def order(self) -> list[str]:
        """Every node, parents before children; of the nodes whose parents are done, the one given
        first comes first (Kahn's algorithm with a heap on position, O((n + e) log n)), so ids
        given in a valid order come out as they are. Nodes on or after a cycle come last, as given."""
        position = {node_id: i for i, node_id in enumerate(self.ids)}
        waiting = {node_id: len(parents) for node_id, parents in self.parents.items()}
        ready = [position[node_id] for node_id, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            node_id = self.ids[heapq.heappop(ready)]
            order.append(node_id)
            for child in self.children[node_id]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, position[child])
        if len(order) < len(position):
            placed = set(order)
            order += [node_id for node_id in self.ids if node_id not in placed]
        return order

    def reaches(self, start: str, goal: str) -> bool:
        """Is there a path of edges from `start` to `goal` (or are they the same node)?"""
        stack, seen = [start], set()
        while stack:
            current = stack.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                stack.extend(self.children[current])
        return False

    def nearest(self, sources: Iterable[str]) -> dict[str, str]:
        """Every node reachable from `sources`, mapped to its nearest source (breadth first; of
        sources equally near, the one given first). A source maps to itself."""
        found = {source: source for source in sources}
        queue = collections.deque(found)
        while queue:
            node = queue.popleft()
            for child in self.children[node]:
                if child not in found:
                    found[child] = found[node]
                    queue.append(child)
        return found

    def cycles(self, ends: int) -> list[Cycle]:
        """One cycle per back edge of a depth-first walk from each node in turn: at least one for
        every tangled region. A cycle of more than 2 * `ends` ids keeps `ends` at each end."""
        white, grey, black = 0, 1, 2
        colour = dict.fromkeys(self.ids, white)
        found: list[Cycle] = []
        for root in self.ids:
            if colour[root] != white:
                continue
            stack: list[tuple[str, Iterator[str]]] = [(root, iter(self.children[root]))]
            path = [root]
            depth = {root: 0}  # position on `path`: finding where a cycle starts is O(1)
            colour[root] = grey
            while stack:
                node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    colour[node] = black
                    stack.pop()
                    path.pop()
                elif colour[child] == grey:
                    found.append(_cycle(path, depth[child], child, ends))
                elif colour[child] == white:
                    colour[child] = grey
                    depth[child] = len(path)
                    path.append(child)
                    stack.append((child, iter(self.children[child])))
        return found

    def components(self) -> list[list[str]]:
        """Strongly connected components (Tarjan, iterative), parents' components first."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        found: list[list[str]] = []
        for root in self.ids:
            if root in index:
                continue
            work = [(root, iter(self.children[root]))]
            index[root] = low[root] = len(index)
            stack.append(root)
            on_stack.add(root)
            while work:
                node, pending = work[-1]
                child = next(pending, None)
                if child is not None:
                    if child not in index:
                        index[child] = low[child] = len(index)
                        stack.append(child)
                        on_stack.add(child)
                        work.append((child, iter(self.children[child])))
                    elif child in on_stack:
                        low[node] = min(low[node], index[child])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(component)
        found.reverse()  # Tarjan finishes sinks first
        return found


def _cycle(path: list[str], start: int, closing: str, ends: int) -> Cycle:
    """The cycle path[start:] + [closing]."""
    length = len(path) - start
    if length <= 2 * ends:
        return Cycle(path[start:], 0, [closing])
    return Cycle(path[start : start + ends], length - 2 * ends, [*path[-ends:], closing])
