"""Limits on untrusted documents, and the pre-pass that enforces them before any other work.

A workflow comes from a model or a user, so it may be hostile: nested thousands of levels deep,
holding a 5,000-digit integer, NaN, a lone surrogate, or millions of nodes. Each of those once
made the validator raise, hang or crash its output. Everything here is checked in one iterative
walk, linear in the document's size, and a document that breaks a limit gets only these issues:
the later passes (pydantic, the semantic checks, the runtime) never see such data.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from typing import Any

from planflow.ir.issues import Issue
from planflow.ir.templates import PathPart, format_path

# The limits, in one place (docs/ir.md lists them). Each sits far above a real workflow: the
# benchmark's 20,000-node chain is 1.6 MB of text and nests 5 levels deep.
MAX_DOCUMENT_CHARS = 20_000_000
MAX_NODES = 50_000
MAX_EDGES = 200_000  # four per node at the node limit; ancestry's worst case grows with edges x nodes
MAX_DEPTH = 100  # levels of objects and arrays, the document itself being level 1
MAX_INT_DIGITS = 100
# A document given as data (not text) is held to the same size: in text every value but the
# first takes at least two characters (itself and a separator).
MAX_VALUES = MAX_DOCUMENT_CHARS // 2

_INT_LIMIT = 10**MAX_INT_DIGITS
_LARGE_HINT = "split the work into smaller workflows, or keep large data in a file a read_file node reads"


class HugeInt:
    """Stands in for a JSON integer too long to convert (Python refuses past 4,300 digits), so
    the walk can report where it is."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits


def parse_int(text: str) -> int | HugeInt:
    """`json.loads(..., parse_int=parse_int)`: integers past the limit are never converted."""
    digits = len(text) - text.startswith("-")
    return HugeInt(digits) if digits > MAX_INT_DIGITS else int(text)


def text_too_large(length: int) -> Issue:
    return Issue(
        "too_large",
        f"the workflow is {length:,} characters or more; the limit is {MAX_DOCUMENT_CHARS:,}",
        None,
        "",
        _LARGE_HINT,
    )


def too_deep(node: str | None = None, path: str = "") -> Issue:
    return Issue(
        "too_deep",
        f"JSON nested deeper than {MAX_DEPTH} levels",
        node,
        path,
        "flatten the data, or keep it in a file a read_file node reads",
    )


# A location is kept as a linked pair (parent, key) while walking, so descending costs O(1)
# whatever the depth; it becomes a tuple only when an issue is reported.
_Where = tuple[Any, PathPart] | None


def _unlink(where: _Where) -> tuple[PathPart, ...]:
    parts: list[PathPart] = []
    while where is not None:
        where, key = where
        parts.append(key)
    return tuple(reversed(parts))


def _locate(doc: Mapping[str, Any], where: _Where) -> tuple[str | None, str]:
    """Issues under nodes[i] name that node's id, with a path inside it."""
    loc = _unlink(where)
    nodes = doc.get("nodes")
    if len(loc) >= 2 and loc[0] == "nodes" and isinstance(nodes, list) and isinstance(loc[1], int):
        raw = nodes[loc[1]]
        node_id = raw.get("id") if isinstance(raw, Mapping) else None
        if isinstance(node_id, str) and node_id:
            return node_id, format_path(loc[2:])
    return None, format_path(loc)


def _lone_surrogate(text: str) -> str | None:
    if text.isascii():  # O(1) in CPython: nearly every string stops here
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return text[exc.start]
    return None


def _value_issue(value: Any) -> tuple[str, str, str] | None:
    """(code, message, hint) when a scalar is one no later pass should see."""
    if isinstance(value, str):
        char = _lone_surrogate(value)
        if char is not None:
            return (
                "bad_unicode",
                f"text holds a lone surrogate \\u{ord(char):04x}, which is not valid Unicode",
                "a \\ud800-\\udfff escape must pair with another into one character; remove it",
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            shown = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
            return (
                "not_finite",
                f"{shown} is not a finite number",
                "JSON has no NaN or Infinity (a number too large for a double reads as Infinity); "
                "write a finite number",
            )
    elif isinstance(value, HugeInt) or (isinstance(value, int) and not -_INT_LIMIT < value < _INT_LIMIT):
        return (
            "number_range",
            f"an integer with more than {MAX_INT_DIGITS} digits",
            "write it as a string if it is an identifier, or with an exponent (1e120) if it is a quantity",
        )
    return None


def document_issues(doc: Mapping[str, Any]) -> list[Issue]:
    """Every limit the document breaks; empty when the later passes may safely look at it."""
    for section, limit in (("nodes", MAX_NODES), ("edges", MAX_EDGES)):
        items = doc.get(section)
        if isinstance(items, list) and len(items) > limit:
            message = f"the workflow has {len(items):,} {section}; the limit is {limit:,}"
            return [Issue("too_large", message, None, section, _LARGE_HINT)]
    issues: list[Issue] = []
    seen = 0
    # Breadth first, so issues come in document order: nodes[0] before nodes[1].
    queue: deque[tuple[Any, int, _Where]] = deque([(doc, 1, None)])
    while queue:
        value, depth, where = queue.popleft()
        seen += len(value)
        if seen > MAX_VALUES:
            message = f"the workflow holds more than {MAX_VALUES:,} values"
            return [Issue("too_large", message, None, "", _LARGE_HINT)]
        if type(value) is dict or (type(value) is not list and isinstance(value, Mapping)):
            try:  # every key at C speed; a non-text key (a dict from Python) takes the slow way
                keys_plain = "".join(value).isascii()
            except TypeError:
                keys_plain = False
            children: Any = value.items()
        else:
            keys_plain = True  # list indexes
            children = enumerate(value)
        # The walk visits every value, so the common ones (ASCII text, small numbers, booleans,
        # null) are let through by the cheapest tests first; anything else gets a closer look.
        for key, child in children:
            kind = type(child)
            if kind is str:
                if keys_plain and child.isascii():  # O(1) in CPython
                    continue
            elif kind is int:
                if keys_plain and -_INT_LIMIT < child < _INT_LIMIT:
                    continue
            elif kind is bool or child is None:
                if keys_plain:
                    continue
            elif kind is dict or kind is list or (kind is not float and isinstance(child, (Mapping, tuple))):
                here = (where, key if isinstance(key, (str, int)) else str(key))
                if depth + 1 > MAX_DEPTH:
                    return [too_deep(*_locate(doc, here))]
                queue.append((child, depth + 1, here))
                if keys_plain:
                    continue
                child = None  # only its key is left to look at
            found = (_value_issue(key) if isinstance(key, str) else None) or _value_issue(child)
            if found is not None:
                here = (where, key if isinstance(key, (str, int)) else str(key))
                issues.append(Issue(found[0], found[1], *_locate(doc, here), found[2]))
    return issues
