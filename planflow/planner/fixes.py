"""Deterministic fixes for common slips in a model's plan, applied before any repair call.

Each fix is safe (it cannot change what a correct plan means) and reports what it changed, so
the plan report counts them and the evals can tell which slips a model makes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any

from planflow.ir.graph import Graph
from planflow.ir.models import IR_VERSION
from planflow.ir.node_spec import BATCH_OUTPUTS, NodeTypeSpec
from planflow.ir.templates import IDENTIFIER, TemplateSyntaxError, iter_strings, parse_template

Specs = Mapping[str, NodeTypeSpec]
Fix = Callable[[dict[str, Any], Specs], list[str]]  # changes the document in place, says what it did
_BARE_REFERENCE = re.compile(rf"^({IDENTIFIER})((?:\.{IDENTIFIER}|\[\d+\])+)$")


def _nodes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = doc.get("nodes")
    return [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []


def _node_ids(doc: dict[str, Any]) -> set[str]:
    return {n["id"] for n in _nodes(doc) if isinstance(n.get("id"), str)}


def fix_ir_version(doc: dict[str, Any], specs: Specs) -> list[str]:
    if doc.get("ir_version") != IR_VERSION:
        was = doc.get("ir_version")
        doc["ir_version"] = IR_VERSION
        return [f"set ir_version to {IR_VERSION}" + (f" (was {was!r})" if was is not None else "")]
    return []


def drop_nulls(doc: dict[str, Any], specs: Specs) -> list[str]:
    """`"inputs": null` and friends mean "none"; the schema wants them absent."""
    fixed = []
    for key in [k for k, v in doc.items() if v is None]:
        del doc[key]
        fixed.append(f"removed null top-level field '{key}'")
    for node in _nodes(doc):
        for key in [k for k in ("batch", "purpose", "params") if k in node and node[k] is None]:
            del node[key]
            fixed.append(f"removed null field '{key}' of node {node.get('id')}")
    return fixed


def nodes_from_mapping(doc: dict[str, Any], specs: Specs) -> list[str]:
    """{"nodes": {"list": {...}}} -> [{"id": "list", ...}]."""
    nodes = doc.get("nodes")
    if isinstance(nodes, dict) and all(isinstance(v, dict) for v in nodes.values()):
        doc["nodes"] = [{"id": key, **value} for key, value in nodes.items()]
        return ["turned the nodes mapping into a list"]
    return []


def edge_keys(doc: dict[str, Any], specs: Specs) -> list[str]:
    """{"source": a, "target": b} (and from_/to_) -> {"from": a, "to": b}."""
    fixed = 0
    for edge in doc.get("edges") or []:
        if not isinstance(edge, dict):
            continue
        for wrong, right in (("source", "from"), ("from_", "from"), ("target", "to"), ("to_", "to")):
            if wrong in edge and right not in edge:
                edge[right] = edge.pop(wrong)
                fixed += 1
    return [f"renamed {fixed} edge key(s) to from/to"] if fixed else []


def bare_batch_items(doc: dict[str, Any], specs: Specs) -> list[str]:
    """ "items": "list.files" where `list` is a node -> "${list.files}"."""
    fixed = []
    ids = _node_ids(doc) | set(doc.get("inputs") or {})
    for node in _nodes(doc):
        batch = node.get("batch")
        if not isinstance(batch, dict):
            continue
        items = batch.get("items")
        if isinstance(items, str) and "${" not in items:
            match = _BARE_REFERENCE.match(items.strip())
            if match and match.group(1) in ids:
                batch["items"] = "${" + items.strip() + "}"
                fixed.append(f"wrapped batch items of node {node.get('id')} as ${{{items.strip()}}}")
    return fixed


def clamp_concurrency(doc: dict[str, Any], specs: Specs) -> list[str]:
    fixed = []
    for node in _nodes(doc):
        batch = node.get("batch")
        if not isinstance(batch, dict):
            continue
        value = batch.get("max_concurrent")
        if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= 100:
            batch["max_concurrent"] = min(max(value, 1), 100)
            fixed.append(f"clamped max_concurrent of node {node.get('id')} from {value} to {batch['max_concurrent']}")
    return fixed


def _referenced_nodes(node: dict[str, Any], ids: set[str]) -> set[str]:
    found: set[str] = set()
    batch = node.get("batch")
    alias = batch.get("as", "item") if isinstance(batch, dict) else None
    for _, text in iter_strings(
        {"params": node.get("params"), "items": batch.get("items") if isinstance(batch, dict) else None}
    ):
        try:
            refs = parse_template(text).refs
        except TemplateSyntaxError:
            continue
        found.update(r.root for r in refs if r.root in ids and r.root != alias and r.root != node.get("id"))
    return found


def implied_edges(doc: dict[str, Any], specs: Specs) -> list[str]:
    """A node that reads ${x.…} needs x to run first: add the edge when it is missing and
    adding it keeps the graph acyclic."""
    ids = _node_ids(doc)
    edges = doc.get("edges")
    if edges is None:
        edges = doc["edges"] = []
    if not isinstance(edges, list):
        return []
    known = [edge for edge in edges if isinstance(edge, dict) and edge.get("from") in ids and edge.get("to") in ids]
    graph = Graph(ids, ((edge["from"], edge["to"]) for edge in known))
    fixed = []
    for node in _nodes(doc):
        target = node.get("id")
        if target not in ids:
            continue
        for source in sorted(_referenced_nodes(node, ids)):
            if not graph.reaches(source, target) and not graph.reaches(target, source):
                edges.append({"from": source, "to": target})
                graph.add_edge(source, target)
                fixed.append(f"added edge {source} -> {target} ({target} uses ${{{source}.…}})")
    return fixed


def dedupe_edges(doc: dict[str, Any], specs: Specs) -> list[str]:
    edges = doc.get("edges")
    if not isinstance(edges, list):
        return []
    seen, kept = set(), []
    for edge in edges:
        key = (edge.get("from"), edge.get("to")) if isinstance(edge, dict) else id(edge)
        if key not in seen:
            seen.add(key)
            kept.append(edge)
    removed = len(edges) - len(kept)
    doc["edges"] = kept
    return [f"removed {removed} repeated edge(s)"] if removed else []


def _rewrite_strings(value: Any, rewrite: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return rewrite(value)
    if isinstance(value, dict):
        return {k: _rewrite_strings(v, rewrite) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite_strings(v, rewrite) for v in value]
    return value


def expand_shortened_references(doc: dict[str, Any], specs: Specs) -> list[str]:
    """${count.results} where no `count` exists but exactly one node id starts with it
    (`count_words`) and that node has a `results` output -> ${count_words.results}."""
    nodes = _nodes(doc)
    ids = _node_ids(doc)
    inputs = set(doc.get("inputs") or {}) if isinstance(doc.get("inputs"), dict) else set()
    outputs: dict[str, set[str]] = {}
    for node in nodes:
        spec = specs.get(node.get("type"))  # type: ignore[arg-type]
        if isinstance(node.get("id"), str) and spec is not None:
            batched = node.get("batch") and not spec.aggregates_batch
            outputs[node["id"]] = set(BATCH_OUTPUTS) if batched else {o.name for o in spec.outputs}
    fixed: list[str] = []

    def rewriter(own_id: Any, own_alias: Any) -> Callable[[str], str]:
        def rewrite(text: str) -> str:
            try:
                refs = parse_template(text).refs
            except TemplateSyntaxError:
                return text
            for ref in refs:
                if ref.root in ids or ref.root in inputs or ref.root == own_alias or ref.first_field is None:
                    continue
                matches = [i for i in ids if i != own_id and (i.startswith(ref.root) or ref.root.startswith(i))]
                if len(matches) == 1 and ref.first_field in outputs.get(matches[0], set()):
                    new = "${" + matches[0] + ref.text[2 + len(ref.root) :]
                    text = text.replace(ref.text, new)
                    fixed.append(f"read {ref.text} as {new} in node {own_id}")
            return text

        return rewrite

    for node in nodes:
        batch = node.get("batch") if isinstance(node.get("batch"), dict) else None
        rewrite = rewriter(node.get("id"), batch.get("as", "item") if batch else None)
        if "params" in node:
            node["params"] = _rewrite_strings(node["params"], rewrite)
        if batch and "items" in batch:
            batch["items"] = _rewrite_strings(batch["items"], rewrite)
    if isinstance(doc.get("outputs"), dict):
        doc["outputs"] = _rewrite_strings(doc["outputs"], rewriter("outputs", None))
    return fixed


def _alias_rewriter(up_alias: str, own_alias: str, node_id: Any, fixed: list[str]) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        try:
            refs = parse_template(text).refs
        except TemplateSyntaxError:
            return text
        for ref in refs:
            if ref.root == up_alias:
                new = "${" + own_alias + ".item" + ref.text[2 + len(up_alias) :]
                text = text.replace(ref.text, new)
                fixed.append(f"read {ref.text} as {new} in node {node_id} (the item of its result)")
        return text

    return rewrite


def upstream_alias_to_item(doc: dict[str, Any], specs: Specs) -> list[str]:
    """A batch over ${up.results} that names `up`'s own alias means that result's item:
    ${page} -> ${r.item} and ${page.url} -> ${r.item.url}, where r is this node's alias (each
    result carries the input it came from under `item`)."""
    nodes = _nodes(doc)
    aliases = {n.get("id"): n["batch"].get("as", "item") for n in nodes if isinstance(n.get("batch"), dict)}
    fixed: list[str] = []
    for node in nodes:
        batch = node.get("batch")
        if not isinstance(batch, dict) or not isinstance(batch.get("items"), str):
            continue
        match = re.fullmatch(rf"\$\{{({IDENTIFIER})\.results\}}", batch["items"].strip())
        upstream = match.group(1) if match else None
        up_alias, own_alias = aliases.get(upstream), batch.get("as", "item")
        if up_alias is None or up_alias == own_alias or not isinstance(own_alias, str):
            continue

        rewrite = _alias_rewriter(up_alias, own_alias, node.get("id"), fixed)
        if "params" in node:
            node["params"] = _rewrite_strings(node["params"], rewrite)
    return fixed


FIXES: tuple[Fix, ...] = (
    fix_ir_version,
    nodes_from_mapping,  # before drop_nulls, which looks inside the node list
    drop_nulls,
    edge_keys,
    expand_shortened_references,  # before the edge fixes, which must see references as they will be
    upstream_alias_to_item,
    bare_batch_items,
    clamp_concurrency,
    dedupe_edges,
    implied_edges,
)


def apply_fixes(doc: Any, specs: Specs) -> tuple[Any, list[str]]:
    """A fixed copy of the document and what was changed; non-objects pass through."""
    if not isinstance(doc, dict):
        return doc, []
    fixed = copy.deepcopy(doc)
    applied: list[str] = []
    for fix in FIXES:
        applied += fix(fixed, specs)
    return fixed, applied
