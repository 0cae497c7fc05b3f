"""Template values in shell commands travel as environment variables, never as command text.

`wc -w < ${file}` becomes `wc -w < "${PLANFLOW_V0}"` with PLANFLOW_V0 set to the file name, so
`a; touch PWNED` is one argument, not two commands. The reference is quoted to suit where the
template stands: bare text gets `"${V}"`, inside double quotes `${V}`, inside single quotes the
quote is closed around it (`'…'"${V}"'…'`), so each value arrives as exactly one word with its
exact bytes, whatever it contains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planflow.ir.templates import Ref, Template, to_text

VAR_PREFIX = "PLANFLOW_V"


@dataclass(frozen=True)
class ShellCommand:
    """A command line plus the environment variables that carry its template values."""

    text: str
    env: dict[str, str]


@dataclass(frozen=True)
class BoundCommand:
    """A command with its templates replaced by variable references, ready for many items."""

    text: str
    variables: tuple[tuple[str, Ref], ...]

    def resolve(self, lookup: Callable[[Ref], Any]) -> ShellCommand:
        return ShellCommand(self.text, {name: to_text(lookup(ref)) for name, ref in self.variables})


def bind(template: Template) -> BoundCommand:
    out: list[str] = []
    names: dict[str, str] = {}  # same template text -> same variable
    variables: list[tuple[str, Ref]] = []
    quote: str | None = None  # None, "'" or '"'
    for part in template.parts:
        if isinstance(part, Ref):
            name = names.get(part.text)
            if name is None:
                name = names[part.text] = f"{VAR_PREFIX}{len(variables)}"
                variables.append((name, part))
            if quote == '"':
                out.append("${" + name + "}")
            elif quote == "'":
                out.append("'\"${" + name + "}\"'")
            else:
                out.append('"${' + name + '}"')
            continue
        out.append(part)
        quote = _quote_state_after(part, quote)
    return BoundCommand("".join(out), tuple(variables))


def _quote_state_after(text: str, quote: str | None) -> str | None:
    """Track bash quoting through literal text: which quote, if any, is open at its end."""
    i = 0
    while i < len(text):
        char = text[i]
        if quote == "'":
            if char == "'":
                quote = None
        elif char == "\\":
            i += 1  # the next character is escaped, outside single quotes
        elif char == '"':
            quote = None if quote == '"' else '"'
        elif char == "'" and quote is None:
            quote = "'"
        i += 1
    return quote
