"""Deterministic fixes for common slips in a model's plan, applied before any repair call.

Each fix is safe (it cannot change what a correct plan means) and reports what it changed, so
the plan report counts them and the evals can tell which slips a model makes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from planflow.ir.models import IR_VERSION
from planflow.ir.templates import IDENTIFIER, TemplateSyntaxError, iter_strings, parse_template

Fix = Callable[[dict[str, Any]], list[str]]
_BARE_REFERENCE = re.compile(rf"^({IDENTIFIER})((?:\.{IDENTIFIER}|\[\d+\])+)$")


def _nodes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = doc.get("nodes")
    return [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []


def _node_ids(doc: dict[str, Any]) -> set[str]:
    return {n["id"] for n in _nodes(doc) if isinstance(n.get("id"), str)}


def fix_ir_version(doc: dict[str, Any]) -> list[str]:
    if doc.get("ir_version") != IR_VERSION:
        was = doc.get("ir_version")
        doc["ir_version"] = IR_VERSION
        return [f"set ir_version to {IR_VERSION}" + (f" (was {was!r})" if was is not None else "")]
    return []


def drop_nulls(doc: dict[str, Any]) -> list[str]:
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


def nodes_from_mapping(doc: dict[str, Any]) -> list[str]:
    """{"nodes": {"list": {...}}} -> [{"id": "list", ...}]."""
    nodes = doc.get("nodes")
    if isinstance(nodes, dict) and all(isinstance(v, dict) for v in nodes.values()):
        doc["nodes"] = [{"id": key, **value} for key, value in nodes.items()]
        return ["turned the nodes mapping into a list"]
    return []


def edge_keys(doc: dict[str, Any]) -> list[str]:
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


def bare_batch_items(doc: dict[str, Any]) -> list[str]:
    """ "items": "list.files" where `list` is a node -> "${list.files}"."""
    fixed = []
    ids = _node_ids(doc) | set(doc.get("inputs") or {})
    for node in _nodes(doc):
        batch = node.get("batch")
        items = batch.get("items") if isinstance(batch, dict) else None
        if isinstance(items, str) and "${" not in items:
            match = _BARE_REFERENCE.match(items.strip())
            if match and match.group(1) in ids:
                batch["items"] = "${" + items.strip() + "}"
                fixed.append(f"wrapped batch items of node {node.get('id')} as ${{{items.strip()}}}")
    return fixed


def clamp_concurrency(doc: dict[str, Any]) -> list[str]:
    fixed = []
    for node in _nodes(doc):
        batch = node.get("batch")
        value = batch.get("max_concurrent") if isinstance(batch, dict) else None
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


def implied_edges(doc: dict[str, Any]) -> list[str]:
    """A node that reads ${x.…} needs x to run first: add the edge when it is missing and
    adding it keeps the graph acyclic."""
    ids = _node_ids(doc)
    edges = doc.get("edges")
    if edges is None:
        edges = doc["edges"] = []
    if not isinstance(edges, list):
        return []
    children: dict[str, set[str]] = {i: set() for i in ids}
    for edge in edges:
        if isinstance(edge, dict) and edge.get("from") in ids and edge.get("to") in ids:
            children[edge["from"]].add(edge["to"])

    def reaches(start: str, goal: str) -> bool:
        stack, seen = [start], set()
        while stack:
            current = stack.pop()
            if current == goal:
                return True
            if current not in seen:
                seen.add(current)
                stack.extend(children[current])
        return False

    fixed = []
    for node in _nodes(doc):
        target = node.get("id")
        if target not in ids:
            continue
        for source in sorted(_referenced_nodes(node, ids)):
            if not reaches(source, target) and not reaches(target, source):
                edges.append({"from": source, "to": target})
                children[source].add(target)
                fixed.append(f"added edge {source} -> {target} ({target} uses ${{{source}.…}})")
    return fixed


def dedupe_edges(doc: dict[str, Any]) -> list[str]:
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


FIXES: tuple[Fix, ...] = (
    fix_ir_version,
    nodes_from_mapping,  # before drop_nulls, which looks inside the node list
    drop_nulls,
    edge_keys,
    bare_batch_items,
    clamp_concurrency,
    dedupe_edges,
    implied_edges,
)


def apply_fixes(doc: Any) -> tuple[Any, list[str]]:
    """A fixed copy of the document and what was changed; non-objects pass through."""
    if not isinstance(doc, dict):
        return doc, []
    fixed = copy.deepcopy(doc)
    applied: list[str] = []
    for fix in FIXES:
        applied += fix(fixed)
    return fixed, applied
