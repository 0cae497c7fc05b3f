"""Templates: every `${name…}` a node or an output uses names something in scope (an input, an
ancestor node, the node's own batch alias), and the field it reads is one that name has."""

from __future__ import annotations

from collections.abc import Mapping

from planflow.ir.checks.hints import article, suggestion
from planflow.ir.checks.lookups import Lookups, output_fields, parse_reported
from planflow.ir.issues import Issue
from planflow.ir.models import Node
from planflow.ir.node_spec import NodeTypeSpec
from planflow.ir.shape import Parts
from planflow.ir.suggest import listing as _listing
from planflow.ir.templates import Ref, TemplateSyntaxError, parse_template

SCALAR_INPUT_TYPES = {"string", "integer", "number", "boolean"}


def check_node_templates(
    node: Node, parts: Parts, graph: Lookups, node_types: Mapping[str, NodeTypeSpec]
) -> list[Issue]:
    issues: list[Issue] = []
    aliases = graph.aliases
    own_alias = node.batch.as_ if node.batch else None
    for path, text in graph.sites(node):
        template = parse_reported(text, node.id, path, issues, graph)
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
                elif (once := _rendered_once(node, path, node_types)) is not None:
                    issues.append(
                        Issue(
                            "alias_scope",
                            f"{ref.text}: {path} is rendered once, with no item; only {once} sees '{own_alias}'",
                            node.id,
                            path,
                            f"put the per-item part in {once}",
                        )
                    )
                else:
                    issues += _check_alias_field(node, ref, graph, node_types, path)
                continue
            if ref.root in parts.inputs:
                issues += check_input_ref(ref, parts, node.id, path)
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
                issues += check_output_field(ref, graph, node_types, node.id, path)
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
    return issues


def _rendered_once(node: Node, path: str, node_types: Mapping[str, NodeTypeSpec]) -> str | None:
    """For a param of an aggregating node (join) that does not see the item: the params that do."""
    spec = node_types.get(node.type)
    if spec is None or not spec.aggregates_batch or not path.startswith("params."):
        return None
    per_item = [p.name for p in spec.params if p.per_item]
    if path.split(".")[1].split("[")[0] in per_item:
        return None
    return " and ".join(f"params.{name}" for name in per_item)


def _check_alias_field(
    node: Node, ref: Ref, graph: Lookups, node_types: Mapping[str, NodeTypeSpec], path: str
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


def _unknown_ref(
    ref: Ref, node_id: str | None, path: str, parts: Parts, graph: Lookups, own_alias: str | None
) -> Issue:
    names = graph.scope_names
    # ${count.results}: a name with a field is most likely a node id, often shortened
    prefixed = graph.id_names.prefix_relatives(ref.root) if ref.path else []
    hint = f"did you mean '{prefixed[0]}'?" if len(prefixed) == 1 else suggestion(names.closest(ref.root, own_alias))
    if hint is None and ref.root.isupper():
        hint = f"for a literal shell variable write $${{{ref.root}}} or ${ref.root}"
    if hint is None:
        hint = 'declare it under "inputs", or ' + names.listing("names in scope", own_alias)
    return Issue("unknown_reference", f"{ref.text} references nothing named '{ref.root}'", node_id, path, hint)


def check_input_ref(ref: Ref, parts: Parts, node_id: str | None, path: str) -> list[Issue]:
    declared = parts.inputs[ref.root].type
    if ref.path and declared in SCALAR_INPUT_TYPES:
        return [
            Issue(
                "unknown_output",
                f"{ref.text}: input '{ref.root}' is {article(declared)}, it has no fields",
                node_id,
                path,
                f"use ${{{ref.root}}}",
            )
        ]
    return []


def check_output_field(
    ref: Ref, graph: Lookups, node_types: Mapping[str, NodeTypeSpec], node_id: str | None, path: str
) -> list[Issue]:
    source = graph.nodes[ref.root]
    fields = output_fields(source, node_types)
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
