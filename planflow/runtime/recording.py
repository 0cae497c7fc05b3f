"""What the engine tells the journal as a run goes, and what a resumed run takes back from it.

A node's finished output is reused on resume only if the node is written as it was and every
node it depends on was reused too; a batch item's result only if the item at that index is the
same item. Everything else runs again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any

from planflow.ir.graph import Graph
from planflow.ir.models import Node, Workflow
from planflow.ir.templates import TemplateSyntaxError, iter_strings, parse_template
from planflow.runtime.journal import Journal, RunRow, digest

Totals = Callable[[], dict[str, Any] | None]


def node_definition_hash(node: Node) -> str:
    """The node as written (the same form as Workflow.to_json_dict, which the journal keeps)."""
    return digest(node.model_dump(by_alias=True, exclude_unset=True, mode="json"))


def nodes_using_inputs(workflow: Workflow, names: set[str]) -> set[str]:
    """The nodes whose params or batch refer to any of these inputs."""
    using = set()
    for node in workflow.nodes:
        written = {"params": node.params, "batch": node.batch.items if node.batch else None}
        for _, text in iter_strings(written):
            try:
                roots = {ref.root for ref in parse_template(text).refs}
            except TemplateSyntaxError:
                continue
            if roots & names:
                using.add(node.id)
                break
    return using


class RunRecorder:
    def __init__(
        self,
        journal: Journal,
        run_id: str,
        workflow: Workflow,
        prior: RunRow | None = None,
        totals: Totals | None = None,
        stale: Collection[str] = (),
    ) -> None:
        """`prior`: the run's row as it was before this attempt, when resuming it; `stale`: nodes
        to run again even if written as they were (they use an input whose value changed)."""
        self._stale = set(stale)
        self.journal = journal
        self.run_id = run_id
        self._totals = totals or (lambda: None)
        self._base = dict(prior.__dict__) if prior is not None else {}  # what earlier attempts spent
        self._definitions = {n.id: node_definition_hash(n) for n in workflow.nodes}
        self._started: dict[str, float] = {}
        self._reusable: dict[str, Any] = {}
        self._items: dict[str, dict[int, tuple[str, Any]]] = {}
        if prior is not None:
            self._load(workflow)

    def _load(self, workflow: Workflow) -> None:
        finished = self.journal.finished_nodes(self.run_id)
        graph = Graph.of(workflow)
        for node_id in graph.order():
            if not all(p in self._reusable for p in graph.parents[node_id]):
                continue  # an upstream node runs again, so this one's inputs may differ
            if node_id in self._stale:
                continue
            prior = finished.get(node_id)
            lost_items = prior is not None and isinstance(prior[1], dict) and bool(prior[1].get("error_count"))
            if prior is not None and prior[0] == self._definitions[node_id] and not lost_items:
                self._reusable[node_id] = prior[1]
            elif prior is None or lost_items:
                # unfinished: its finished items are reused, if it is written as it was
                items = self.journal.finished_items(self.run_id, node_id)
                self._items[node_id] = {} if self._changed(node_id) else items

    def _changed(self, node_id: str) -> bool:
        """Items carry no definition hash; the run's recorded document says how the node was written."""
        before = {n["id"]: n for n in self._base.get("document", {}).get("nodes", [])}
        written = before.get(node_id)
        return written is None or digest(written) != self._definitions[node_id]

    @property
    def reused_nodes(self) -> list[str]:
        return list(self._reusable)

    def reusable_output(self, node_id: str) -> Any | None:
        return self._reusable.get(node_id)

    def reusable_items(self, node_id: str, items: list[Any]) -> dict[int, Any]:
        """index -> result for the items that finished before and are the same items now."""
        prior = self._items.get(node_id)
        if not prior:
            return {}
        return {i: result for i, (h, result) in prior.items() if i < len(items) and h == digest(items[i])}

    def node_started(self, node_id: str) -> None:
        self._started[node_id] = time.time()

    def node_finished(self, node_id: str, output: Any) -> None:
        if node_id in self._reusable:
            return
        started = self._started.get(node_id, time.time())
        self.journal.node_finished(self.run_id, node_id, self._definitions[node_id], output, started)

    def item_finished(self, node_id: str, index: int, item: Any, result: Any, error: str | None) -> None:
        self.journal.item_finished(self.run_id, node_id, index, digest(item), result, error, None, self.totals())

    def totals(self) -> dict[str, Any] | None:
        """This attempt's llm spending plus what earlier attempts of the run spent."""
        now = self._totals()
        if now is None:
            return None
        if not self._base:
            return now
        cost = now.get("cost_usd")
        base_cost = self._base.get("cost_usd")
        return {
            "llm_calls": (now.get("llm_calls") or 0) + self._base.get("llm_calls", 0),
            "input_tokens": (now.get("input_tokens") or 0) + self._base.get("input_tokens", 0),
            "output_tokens": (now.get("output_tokens") or 0) + self._base.get("output_tokens", 0),
            "cost_usd": None if cost is None and base_cost is None else (cost or 0) + (base_cost or 0),
        }

    def finish(self, status: str, error: dict[str, Any] | None) -> None:
        self.journal.finish(self.run_id, status, error, self.totals())
