"""The semantic pass: structure the JSON Schema cannot express, over the parts that parsed.

Every check is a pure function of the parts and the node-type specs; each issue names the node
and field, says what is wrong and, where it can, how to fix it.
"""

from __future__ import annotations

import difflib
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

from planflow.ir.issues import Issue
from planflow.ir.models import Node
from planflow.ir.node_spec import BATCH_OUTPUTS, NodeTypeSpec, ParamSpec, value_matches
from planflow.ir.reach import ancestor_pairs
from planflow.ir.shape import Parts
from planflow.ir.shell_checks import shell_issues
from planflow.ir.suggest import Names
from planflow.ir.suggest import listing as _listing
from planflow.ir.templates import (
    Ref,
    Template,
    TemplateSyntaxError,
    format_path,
    iter_strings,
    parse_template,
    type_name,
)

SCALAR_INPUT_TYPES = {"string", "integer", "number", "boolean"}


def _did_you_mean(name: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _suggestion(name: str | None) -> str | None:
    return f"did you mean '{name}'?" if name is not None else None


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


# A cycle longer than this is shown as its first and last ids: the message stays one line.
_CYCLE_SHOWN = 12


class _Graph:
    """Node ids, edges between known nodes, ancestry, and the lookups every check shares.

    Built once per check, so no check walks all nodes per node: that made 20,000 nodes take
    minutes.
    """

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self.ids = [n.id for _, n in parts.nodes]
        known = set(self.ids)
        self.known = known
        self.parents: dict[str, list[str]] = defaultdict(list)
        self.children: dict[str, list[str]] = defaultdict(list)
        for _, edge in parts.edges:
            if edge.from_ in known and edge.to in known:
                self.parents[edge.to].append(edge.from_)
                self.children[edge.from_].append(edge.to)
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
        """_template_sites(node), walked once (the ancestry pass reads them too)."""
        if id(node) not in self._sites:
            self._sites[id(node)] = list(_template_sites(node))
        return self._sites[id(node)]

    def runs_before(self, ancestor: str, node_id: str) -> bool:
        if self._before is None:
            self._before = ancestor_pairs(self.ids, self.children, self._node_refs())
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

    def cycles(self) -> list[list[str]]:
        """One cycle per strongly tangled region, as the node ids along it."""
        white, grey, black = 0, 1, 2
        colour = dict.fromkeys(self.ids, white)
        found: list[list[str]] = []
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
                    found.append(_cycle_shown(path, depth[child], child))
                elif colour[child] == white:
                    colour[child] = grey
                    depth[child] = len(path)
                    path.append(child)
                    stack.append((child, iter(self.children[child])))
        return found


def _cycle_shown(path: list[str], start: int, closing: str) -> list[str]:
    """The cycle path[start:] + [closing], long ones as their ends around '… (N more) …'."""
    length = len(path) - start
    if length <= _CYCLE_SHOWN:
        return [*path[start:], closing]
    half = _CYCLE_SHOWN // 2
    return [*path[start : start + half], f"… ({length - 2 * half:,} more) …", *path[-half:], closing]


def check(parts: Parts, node_types: Mapping[str, NodeTypeSpec]) -> list[Issue]:
    graph = _Graph(parts)
    integer_inputs = frozenset(name for name, spec in parts.inputs.items() if spec.type == "integer")
    issues: list[Issue] = []
    issues += _check_ids(parts)
    issues += _check_edges(parts, graph)
    for _, node in parts.nodes:
        spec = node_types.get(node.type)
        if spec is None:
            issues.append(
                Issue(
                    "unknown_type",
                    f"unknown node type '{node.type}'",
                    node.id,
                    "type",
                    _did_you_mean(node.type, list(node_types)) or _listing("node types", list(node_types)),
                )
            )
        else:
            issues += _check_params(node, spec)
            issues += shell_issues(node, spec, integer_inputs)
        issues += _check_node_templates(node, parts, graph, node_types)
    issues += _check_outputs(parts, graph, node_types)
    return issues


def _check_ids(parts: Parts) -> list[Issue]:
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


def _check_edges(parts: Parts, graph: _Graph) -> list[Issue]:
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
                        _suggestion(graph.id_names.closest(name)) or graph.id_names.listing("node ids"),
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
    for cycle in graph.cycles():
        issues.append(
            Issue(
                "cycle",
                "edges form a cycle: " + " -> ".join(cycle),
                cycle[0],
                "edges",
                "workflows must be acyclic; remove one of these edges",
            )
        )
    return issues


def _check_params(node: Node, spec: NodeTypeSpec) -> list[Issue]:
    issues: list[Issue] = []
    names = [p.name for p in spec.params]
    listed = [p.name for p in spec.params if p.in_catalog]  # as the planner's catalog shows them
    for name, value in node.params.items():
        param = spec.param(name)
        if param is None:
            issues.append(
                Issue(
                    "unknown_param",
                    f"{node.type} nodes have no param '{name}'",
                    node.id,
                    f"params.{name}",
                    _did_you_mean(name, names) or _listing("params", listed),
                )
            )
        elif not (isinstance(value, str) and "${" in value) and not any(value_matches(value, t) for t in param.types):
            expected = " or ".join(param.types)
            issues.append(
                Issue(
                    "param_type",
                    f"param '{name}' must be {expected}, got {type_name(value)}",
                    node.id,
                    f"params.{name}",
                    None,
                )
            )
        elif param.positive and not _positive(value):
            issues.append(
                Issue(
                    "param_range",
                    f"param '{name}' must be greater than 0, got {value!r}",
                    node.id,
                    f"params.{name}",
                    _positive_hint(param),
                )
            )
    for param in spec.params:
        if param.required and param.name not in node.params:
            issues.append(
                Issue(
                    "missing_param",
                    f"{node.type} nodes need param '{param.name}'",
                    node.id,
                    f"params.{param.name}",
                    f'add "{param.name}": {param.description}',
                )
            )
    return issues


def _positive(value: Any) -> bool:
    """Finite and > 0; a template is checked when it has a value, at run time."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True  # a template, or a type error reported on its own
    return math.isfinite(value) and value > 0


def _positive_hint(param: ParamSpec) -> str:
    example = param.default if _positive(param.default) and param.default is not None else 30
    return f"give a number greater than 0 ({param.description.rstrip('.')}), e.g. {example}"


def _template_sites(node: Node) -> Iterator[tuple[str, str]]:
    """(field path, string) for every string in the node that may hold templates."""
    for path, text in iter_strings(node.params, ("params",)):
        yield format_path(path), text
    if node.batch is not None and isinstance(node.batch.items, str):
        yield "batch.items", node.batch.items
    elif node.batch is not None:
        for path, text in iter_strings(node.batch.items, ("batch", "items")):
            yield format_path(path), text


def _parse(text: str, node_id: str | None, path: str, issues: list[Issue], graph: _Graph) -> Template | None:
    try:
        return graph.template(text)
    except TemplateSyntaxError as exc:
        issues.append(Issue("template_syntax", exc.message, node_id, path, "write $${ for a literal '${'"))
        return None


def _check_node_templates(
    node: Node, parts: Parts, graph: _Graph, node_types: Mapping[str, NodeTypeSpec]
) -> list[Issue]:
    issues: list[Issue] = []
    aliases = graph.aliases
    own_alias = node.batch.as_ if node.batch else None
    for path, text in graph.sites(node):
        template = _parse(text, node.id, path, issues, graph)
        if template is None:
            continue
        for ref in template.refs:
            if ref.root == own_alias:
                if path.startswith("batch.items"):
                    issues.append(
                        Issue(
                            "alias_scope",
                            f"{ref.text}: batch items cannot use the node's own alias",
                            node.id,
                            path,
                            "items must come from an input or an earlier node",
                        )
                    )
                else:
                    issues += _check_alias_field(node, ref, graph, node_types, path)
                continue
            if ref.root in parts.inputs:
                issues += _check_input_ref(ref, parts, node.id, path)
            elif ref.root == node.id:
                issues.append(
                    Issue("self_reference", f"{ref.text}: a node cannot use its own output", node.id, path, None)
                )
            elif ref.root in graph.known:
                if not graph.runs_before(ref.root, node.id):
                    issues.append(
                        Issue(
                            "not_ancestor",
                            f"{ref.text} uses node '{ref.root}', which does not run before '{node.id}'",
                            node.id,
                            path,
                            f'add an edge {{"from": "{ref.root}", "to": "{node.id}"}}',
                        )
                    )
                issues += _check_output_field(ref, graph, node_types, node.id, path)
            elif ref.root in aliases:
                owner = aliases[ref.root]
                issues.append(
                    Issue(
                        "alias_scope",
                        f"{ref.text}: '{ref.root}' is the batch alias of node '{owner}' "
                        "and exists only inside that node",
                        node.id,
                        path,
                        f"use ${{{owner}.results}} to read that batch's results",
                    )
                )
            elif ref.root not in parts.broken_names:
                issues.append(_unknown_ref(ref, node.id, path, parts, graph, own_alias))
    if node.batch is not None:
        issues += _check_batch_items(node, parts, graph, node_types)
    return issues


def _check_alias_field(
    node: Node, ref: Ref, graph: _Graph, node_types: Mapping[str, NodeTypeSpec], path: str
) -> list[Issue]:
    """`${doc.content}` must fit what the batch items are: a path string has no `content`."""
    field = ref.first_field
    assert node.batch is not None
    items = node.batch.items
    if field is None:
        return []
    if isinstance(items, list):
        if items and not any(isinstance(i, Mapping) for i in items):
            return [
                Issue(
                    "unknown_output",
                    f"{ref.text}: the listed items are not objects, so they have no fields",
                    node.id,
                    path,
                    f"use ${{{ref.root}}}",
                )
            ]
        return []
    try:
        template = parse_template(items)
    except TemplateSyntaxError:
        return []
    if not template.is_single_ref:
        return []
    source_ref = template.refs[0]
    source = graph.nodes.get(source_ref.root)
    spec = node_types.get(source.type) if source is not None else None
    if source is None or spec is None or len(source_ref.path) != 1:
        return []
    if source.batch is not None and source_ref.path[0] == "results":
        fields = [o.name for o in spec.outputs] + ["item"]
        if field not in fields:
            return [
                Issue(
                    "unknown_output",
                    f"{ref.text}: each result of '{source.id}' has no field '{field}'",
                    node.id,
                    path,
                    _listing("fields of each result", fields),
                )
            ]
        return []
    output = spec.output(str(source_ref.path[0])) if source.batch is None else None
    if output is not None and output.item_type in SCALAR_INPUT_TYPES:
        hint = f"use ${{{ref.root}}}"
        if source.type == "list_files":
            hint += "; to use a file's text, read it first with a read_file node batched over the same files"
        return [
            Issue(
                "unknown_output",
                f"{ref.text}: the items of {items} are {output.item_type}s, they have no field '{field}'",
                node.id,
                path,
                hint,
            )
        ]
    return []


def _unknown_ref(ref: Ref, node_id: str | None, path: str, parts: Parts, graph: _Graph, own_alias: str | None) -> Issue:
    names = graph.scope_names
    # ${count.results}: a name with a field is most likely a node id, often shortened
    prefixed = graph.id_names.prefix_relatives(ref.root) if ref.path else []
    hint = f"did you mean '{prefixed[0]}'?" if len(prefixed) == 1 else _suggestion(names.closest(ref.root, own_alias))
    if hint is None and ref.root.isupper():
        hint = f"for a literal shell variable write $${{{ref.root}}} or ${ref.root}"
    if hint is None:
        hint = 'declare it under "inputs", or ' + names.listing("names in scope", own_alias)
    return Issue("unknown_reference", f"{ref.text} references nothing named '{ref.root}'", node_id, path, hint)


def _check_input_ref(ref: Ref, parts: Parts, node_id: str | None, path: str) -> list[Issue]:
    declared = parts.inputs[ref.root].type
    if ref.path and declared in SCALAR_INPUT_TYPES:
        return [
            Issue(
                "unknown_output",
                f"{ref.text}: input '{ref.root}' is {_article(declared)}, it has no fields",
                node_id,
                path,
                f"use ${{{ref.root}}}",
            )
        ]
    return []


def _output_fields(node: Node, node_types: Mapping[str, NodeTypeSpec]) -> dict[str, str] | None:
    spec = node_types.get(node.type)
    if spec is None:
        return None
    if node.batch is not None:
        return dict(BATCH_OUTPUTS)
    return {o.name: o.type for o in spec.outputs}


def _check_output_field(
    ref: Ref, graph: _Graph, node_types: Mapping[str, NodeTypeSpec], node_id: str | None, path: str
) -> list[Issue]:
    source = graph.nodes[ref.root]
    fields = _output_fields(source, node_types)
    if fields is None or not ref.path:
        return []
    first = ref.path[0]
    if not isinstance(first, str):
        return [
            Issue(
                "unknown_output",
                f"{ref.text}: node outputs are objects, not lists",
                node_id,
                path,
                _listing(f"fields of '{ref.root}'", list(fields)),
            )
        ]
    if first not in fields:
        hint = _listing(f"fields of '{ref.root}'", list(fields))
        if source.batch is not None:
            hint = f"'{ref.root}' is a batch node: its items' outputs are in ${{{ref.root}.results}}; " + hint
        return [
            Issue(
                "unknown_output",
                f"{ref.text}: {source.type} node '{ref.root}' has no output '{first}'",
                node_id,
                path,
                hint,
            )
        ]
    # ${batch.results[0].field}: each result is the node's own output plus the item
    if source.batch is not None and first == "results" and len(ref.path) >= 3 and isinstance(ref.path[2], str):
        spec = node_types[source.type]
        item_fields = [o.name for o in spec.outputs] + ["item"]
        if ref.path[2] not in item_fields:
            return [
                Issue(
                    "unknown_output",
                    f"{ref.text}: results of '{ref.root}' have no field '{ref.path[2]}'",
                    node_id,
                    path,
                    _listing("fields of each result", item_fields),
                )
            ]
    return []


def _check_batch_items(node: Node, parts: Parts, graph: _Graph, node_types: Mapping[str, NodeTypeSpec]) -> list[Issue]:
    assert node.batch is not None
    items = node.batch.items
    if isinstance(items, list):
        return []
    try:
        template = parse_template(items)
    except TemplateSyntaxError:
        return []  # already reported
    if not template.is_single_ref:
        return [
            Issue(
                "batch_items",
                "batch items must be one template such as ${list.files}, or an inline array",
                node.id,
                "batch.items",
                "text around a template makes a string, not an array",
            )
        ]
    ref = template.refs[0]
    if ref.root in parts.inputs and not ref.path:
        declared = parts.inputs[ref.root].type
        if declared != "array":
            return [
                Issue(
                    "batch_items",
                    f"batch items {ref.text} is input '{ref.root}' of type {declared}, not an array",
                    node.id,
                    "batch.items",
                    f'declare input \'{ref.root}\' with "type": "array"',
                )
            ]
    sources = graph.nodes
    if ref.root in sources and len(ref.path) == 1:
        fields = _output_fields(sources[ref.root], node_types)
        field_type = (fields or {}).get(str(ref.path[0]))
        if field_type is not None and field_type not in ("array", "any"):
            return [
                Issue(
                    "batch_items",
                    f"batch items {ref.text} is {_article(field_type)}, not an array",
                    node.id,
                    "batch.items",
                    _array_hint(sources[ref.root], fields or {}),
                )
            ]
    return []


def _array_hint(source: Node, fields: Mapping[str, str]) -> str:
    arrays = [name for name, kind in fields.items() if kind in ("array", "any")]
    return _listing(f"fields of '{source.id}' that can be arrays", [f"${{{source.id}.{a}}}" for a in arrays])


def _check_outputs(parts: Parts, graph: _Graph, node_types: Mapping[str, NodeTypeSpec]) -> list[Issue]:
    issues: list[Issue] = []
    graph_ids = graph.known
    for name, output in parts.outputs.items():
        path = f"outputs.{name}.source"
        template = _parse(output.source, None, path, issues, graph)
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
                issues += _check_input_ref(ref, parts, None, path)
            elif ref.root in graph_ids:
                issues += _check_output_field(ref, graph, node_types, None, path)
            elif ref.root not in parts.broken_names:
                names = graph.scope_names
                issues.append(
                    Issue(
                        "unknown_reference",
                        f"{ref.text} references nothing named '{ref.root}'",
                        None,
                        path,
                        _suggestion(names.closest(ref.root)) or names.listing("names"),
                    )
                )
    return issues
