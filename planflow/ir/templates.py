"""The `${…}` template language: one parser and one resolver, shared by validator and runtime.

Forms: `${name}`, `${name.field}`, `${name.list[0].field}`; `$${` is a literal `${`.
A string that is exactly one template keeps the referenced value's type; inside longer text,
strings are inserted as they are and any other value as JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_-]*"
_IDENTIFIER_RE = re.compile(IDENTIFIER)
_SEGMENT_RE = re.compile(rf"\.({IDENTIFIER})|\[(\d+)\]")

PathPart = str | int


class TemplateSyntaxError(ValueError):
    """A string holds a `${` that does not open a well-formed template."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


class UnresolvedReference(LookupError):
    """A template names something that is not there at run time."""

    def __init__(self, ref: Ref, reason: str) -> None:
        super().__init__(f"cannot resolve {ref.text}: {reason}")
        self.ref = ref
        self.reason = reason


@dataclass(frozen=True)
class Ref:
    """One `${root.path…}` reference."""

    root: str
    path: tuple[PathPart, ...]
    text: str

    @property
    def first_field(self) -> str | None:
        """The field read from the root (`files` in `${list.files[0]}`), if it is a name."""
        if self.path and isinstance(self.path[0], str):
            return self.path[0]
        return None


@dataclass(frozen=True)
class Template:
    """A parsed string: literal text and references, in order."""

    parts: tuple[str | Ref, ...]

    @cached_property  # read per check and per run; the dataclass is frozen, so it cannot go stale
    def refs(self) -> tuple[Ref, ...]:
        return tuple(p for p in self.parts if isinstance(p, Ref))

    @property
    def is_single_ref(self) -> bool:
        """True when the whole string is one template, so its value keeps its type."""
        return len(self.parts) == 1 and isinstance(self.parts[0], Ref)


def parse_ref(inner: str, text: str | None = None, position: int = 0) -> Ref:
    """Parse the inside of `${…}` (`name.list[0].field`)."""
    text = text if text is not None else "${" + inner + "}"
    head = _IDENTIFIER_RE.match(inner)
    if not head:
        raise TemplateSyntaxError(f"template {text} must start with a name (letters, digits, '_' or '-')", position)
    path: list[PathPart] = []
    pos = head.end()
    while pos < len(inner):
        seg = _SEGMENT_RE.match(inner, pos)
        if not seg:
            raise TemplateSyntaxError(
                f"template {text} is malformed at {inner[pos:]!r}: use .field or [index] after the name",
                position,
            )
        path.append(seg.group(1) if seg.group(1) is not None else int(seg.group(2)))
        pos = seg.end()
    return Ref(root=head.group(0), path=tuple(path), text=text)


def parse_template(source: str) -> Template:
    """Split a string into literal text and references; raise on a malformed `${`."""
    if "$" not in source:  # most strings: no template, no escape
        return Template((source,) if source else ())
    parts: list[str | Ref] = []
    literal: list[str] = []
    i = 0
    # Jump from one '$' to the next (str.find runs in C): a character-by-character loop in
    # Python made long texts slow to validate.
    while (dollar := source.find("$", i)) >= 0:
        if source.startswith("$${", dollar):
            literal += [source[i:dollar], "${"]
            i = dollar + 3
        elif source.startswith("${", dollar):
            end = source.find("}", dollar + 2)
            if end < 0:
                raise TemplateSyntaxError(
                    f"unterminated template starting at {source[dollar : dollar + 20]!r}: add a closing '}}'",
                    dollar,
                )
            ref = parse_ref(source[dollar + 2 : end], source[dollar : end + 1], dollar)
            text = "".join(literal) + source[i:dollar]
            if text:
                parts.append(text)
            literal = []
            parts.append(ref)
            i = end + 1
        else:
            literal.append(source[i : dollar + 1])
            i = dollar + 1
    text = "".join(literal) + source[i:]
    if text:
        parts.append(text)
    return Template(tuple(parts))


def iter_strings(value: Any, path: tuple[PathPart, ...] = ()) -> Iterator[tuple[tuple[PathPart, ...], str]]:
    """Every string inside nested dicts and lists, with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from iter_strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_strings(item, (*path, index))


def format_path(path: tuple[PathPart, ...]) -> str:
    """`("params", "env", "A")` -> `params.env.A`; `("nodes", 2)` -> `nodes[2]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def to_text(value: Any) -> str:
    """How a value reads inside longer text: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def follow_path(value: Any, ref: Ref) -> Any:
    """Walk `ref.path` into `value`; raise UnresolvedReference naming the step that fails."""
    walked = ref.root
    for part in ref.path:
        if isinstance(part, int):
            if not isinstance(value, list):
                raise UnresolvedReference(ref, f"{walked} is {type_name(value)}, not a list")
            if part >= len(value):
                raise UnresolvedReference(ref, f"{walked} has {len(value)} items, no [{part}]")
            value = value[part]
            walked += f"[{part}]"
        else:
            if not isinstance(value, Mapping):
                raise UnresolvedReference(ref, f"{walked} is {type_name(value)}, it has no field '{part}'")
            if part not in value:
                known = ", ".join(sorted(map(str, value))) or "none"
                raise UnresolvedReference(ref, f"{walked} has no field '{part}' (fields: {known})")
            value = value[part]
            walked += f".{part}"
    return value


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def render(template: Template, lookup: Callable[[Ref], Any]) -> Any:
    """Resolve a parsed template; a single reference keeps its type, text concatenates."""
    if template.is_single_ref:
        return lookup(template.parts[0])  # type: ignore[arg-type]
    return "".join(p if isinstance(p, str) else to_text(lookup(p)) for p in template.parts)


def context_lookup(context: Mapping[str, Any]) -> Callable[[Ref], Any]:
    """A lookup over a name -> value mapping (inputs, node outputs, batch aliases)."""

    def lookup(ref: Ref) -> Any:
        if ref.root not in context:
            raise UnresolvedReference(ref, f"nothing is named '{ref.root}'")
        return follow_path(context[ref.root], ref)

    return lookup


Resolver = Callable[[Callable[[Ref], Any]], Any]


def compile_value(value: Any) -> Resolver:
    """Parse every template in a value once; the result resolves it against any lookup.

    The runtime compiles a node's params once and resolves them per item, so a batch of many
    items pays for parsing once.
    """
    if isinstance(value, str):
        if "${" not in value:
            return lambda lookup: value
        template = parse_template(value)
        if len(template.parts) == 1 and isinstance(template.parts[0], str):
            literal = template.parts[0]  # only escapes: "$${x}" -> "${x}"
            return lambda lookup: literal
        return lambda lookup: render(template, lookup)
    if isinstance(value, Mapping):
        compiled = {k: compile_value(v) for k, v in value.items()}
        return lambda lookup: {k: c(lookup) for k, c in compiled.items()}
    if isinstance(value, list):
        items = [compile_value(v) for v in value]
        return lambda lookup: [c(lookup) for c in items]
    return lambda lookup: value


def resolve_value(value: Any, lookup: Callable[[Ref], Any]) -> Any:
    """Resolve every template inside nested dicts, lists and strings."""
    return compile_value(value)(lookup)
