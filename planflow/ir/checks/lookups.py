"""What every check reads: the graph, nodes by id, batch aliases, parsed templates, ancestry.

Built once per check, so no check walks all nodes per node: that made 20,000 nodes take minutes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from functools import cached_property

from planflow.ir.graph import Graph
from planflow.ir.issues import Issue
from planflow.ir.models import Node
from planflow.ir.node_spec import BATCH_OUTPUTS, NodeTypeSpec
from planflow.ir.reach import ancestor_pairs
from planflow.ir.shape import Parts
from planflow.ir.suggest import Names
from planflow.ir.templates import Template, TemplateSyntaxError, format_path, iter_strings, parse_template


class Lookups(Graph):
    """The graph of the nodes and edges that parsed (a repeated id included, edges between known
    nodes only), with the lookups the checks share."""

    def __init__(self, parts: Parts) -> None:
        super().__init__((n.id for _, n in parts.nodes), ((e.from_, e.to) for _, e in parts.edges))
        self.parts = parts
        self.nodes: dict[str, Node] = {}
        for _, node in parts.nodes:
            self.nodes.setdefault(node.id, node)  # a duplicate id: the first one speaks for it
        self.aliases = {n.batch.as_: n.id for _, n in parts.nodes if n.batch is not None}
        self._templates: dict[str, Template | TemplateSyntaxError] = {}
        self._sites: dict[int, list[tuple[str, str]]] = {}
        self._before: set[tuple[str, str]] | None = None

    @cached_property  # sorted only when a hint needs them: a valid workflow never does
    def id_names(self) -> Names:
        return Names(self.ids)

    @cached_property
    def scope_names(self) -> Names:
        return Names([*self.parts.inputs, *self.ids])

    def template(self, text: str) -> Template:
        """parse_template, once per distinct string (the ancestry pass reads them too)."""
        if text not in self._templates:
            try:
                self._templates[text] = parse_template(text)
            except TemplateSyntaxError as exc:
                self._templates[text] = exc
        found = self._templates[text]
        if isinstance(found, TemplateSyntaxError):
            raise found
        return found

    def sites(self, node: Node) -> list[tuple[str, str]]:
        """template_sites(node), walked once (the ancestry pass reads them too)."""
        if id(node) not in self._sites:
            self._sites[id(node)] = list(template_sites(node))
        return self._sites[id(node)]

    def runs_before(self, ancestor: str, node_id: str) -> bool:
        if self._before is None:
            self._before = ancestor_pairs(self, self._node_refs())
        return (ancestor, node_id) in self._before

    def _node_refs(self) -> dict[str, set[str]]:
        """For each node, the other nodes its templates reference: the pairs worth answering."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for _, node in self.parts.nodes:
            for _, text in self.sites(node):
                try:
                    refs = self.template(text).refs
                except TemplateSyntaxError:
                    continue
                wanted[node.id].update(r.root for r in refs if r.root in self.known and r.root != node.id)
        return wanted


def template_sites(node: Node) -> Iterator[tuple[str, str]]:
    """(field path, string) for every string in the node that may hold templates."""
    for path, text in iter_strings(node.params, ("params",)):
        yield format_path(path), text
    if node.batch is not None and isinstance(node.batch.items, str):
        yield "batch.items", node.batch.items
    elif node.batch is not None:
        for path, text in iter_strings(node.batch.items, ("batch", "items")):
            yield format_path(path), text


def parse_reported(text: str, node_id: str | None, path: str, issues: list[Issue], graph: Lookups) -> Template | None:
    """The parsed template, or None with its syntax error added to `issues`."""
    try:
        return graph.template(text)
    except TemplateSyntaxError as exc:
        issues.append(Issue("template_syntax", exc.message, node_id, path, "write $${ for a literal '${'"))
        return None


def output_fields(node: Node, node_types: Mapping[str, NodeTypeSpec]) -> dict[str, str] | None:
    """A node's output fields and their types; a batch node's are the batch's own."""
    spec = node_types.get(node.type)
    if spec is None:
        return None
    if node.batch is not None and not spec.aggregates_batch:
        return dict(BATCH_OUTPUTS)
    return {o.name: o.type for o in spec.outputs}
