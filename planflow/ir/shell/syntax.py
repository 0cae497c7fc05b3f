"""bash's syntax tree from tree-sitter-bash, and what planflow reads off it: a word's literal
text, a command's words, and where the parser is known to disagree with bash."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any


@functools.lru_cache(maxsize=1)
def parser() -> Any:
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


def walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def node_text(node: Any, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def static_text(node: Any, source: bytes) -> str | None:
    """A word's text when it holds no expansion: what the program receives."""
    kind = node.type
    if kind == "command_name" and node.named_child_count == 1:
        return static_text(node.named_children[0], source)
    if kind in ("word", "number"):
        text = node_text(node, source)
        if "$" in text or "`" in text:
            return None
        return _UNQUOTED_ESCAPE.sub(_unescape, text) if "\\" in text else text
    if kind == "raw_string":
        return node_text(node, source)[1:-1]
    if kind == "string":
        if all(c.type in ('"', "string_content") for c in node.children):
            text = "".join(node_text(c, source) for c in node.children if c.type == "string_content")
            return _QUOTED_ESCAPE.sub(_unescape, text) if "\\" in text else text  # "PS4=\$x" is PS4=$x
        return None
    if kind == "concatenation":
        if _braces(node, source):
            return None  # `{,}` is no word at all to bash, `a{b,c}` two
        parts = [static_text(c, source) for c in node.children]
        return None if any(p is None for p in parts) else "".join(p for p in parts if p is not None)
    return None


_DESCRIPTOR_WORD = re.compile(r"\d+|\{[A-Za-z_]\w*\}")
_BRACE = re.compile(r"\{[^{}]*(,|\.\.)[^{}]*\}")


def _braces(node: Any, source: bytes) -> bool:
    """Does bash brace-expand this word (its unquoted text holds `{…,…}` or `{1..3}`)?"""
    text = "".join(node_text(c, source) if c.type == "word" else "_" for c in node.children)
    return _BRACE.search(text) is not None


def may_split(node: Any, source: bytes) -> bool:
    """Can bash make this word vanish or become several (`$x` unquoted, `"$@"`, `{,}`)? Then
    the words after it may land anywhere, the code position included."""
    kind = node.type
    if kind in ("simple_expansion", "expansion", "command_substitution", "arithmetic_expansion", "brace_expression"):
        return True
    if kind == "string":
        text = node_text(node, source)
        return "$@" in text or "[@]" in text or "${!" in text
    if kind == "concatenation":
        return _braces(node, source) or any(may_split(c, source) for c in node.children)
    return False


# A backslash escapes any character outside quotes, and only $ ` " \ and a newline inside double
# quotes; an escaped newline joins the lines.
_UNQUOTED_ESCAPE = re.compile(r"\\(.)?", re.DOTALL)
_QUOTED_ESCAPE = re.compile(r"\\([$`\"\\\n])")


def _unescape(match: re.Match[str]) -> str:
    char = match.group(1)
    return "" if char is None or char == "\n" else char


def word_prefix(node: Any, source: bytes) -> str:
    """A word's literal text before its first expansion: `-e` in `-e${x}`."""
    static = static_text(node, source)
    if static is not None:
        return static
    if node.type == "concatenation" and node.children:
        head = static_text(node.children[0], source)
        return head or ""
    return ""


def words_and_prefixes(command: Any, source: bytes) -> tuple[list[Any], list[str | None], list[str]]:
    nodes = []
    name = command.child_by_field_name("name")
    if name is not None:
        nodes.append(name)
    redirect_starts: set[int] | None = None
    for argument in command.children_by_field_name("argument"):
        if argument.type in ("number", "concatenation") and _DESCRIPTOR_WORD.fullmatch(node_text(argument, source)):
            if redirect_starts is None:
                redirects = list(command.children_by_field_name("redirect"))
                if command.parent is not None and command.parent.type == "redirected_statement":
                    redirects += command.parent.children_by_field_name("redirect")
                redirect_starts = {r.start_byte for r in redirects}
            if argument.end_byte in redirect_starts:
                continue  # `bash 0<<<…`, `exec {fd}> …`: bash reads the word as the redirection's descriptor
        nodes.append(argument)
    return nodes, [static_text(n, source) for n in nodes], [word_prefix(n, source) for n in nodes]


def divergence(root: Any, source: bytes, nodes: list[Any] | None = None) -> str | None:
    """Where tree-sitter-bash is known to read text differently from bash, say so: the command
    is then refused rather than placed on a tree bash does not share."""
    for node in nodes if nodes is not None else walk(root):
        if node.type == "comment":
            at = node.start_byte
            before = source[:at]
            if before and before[-1:] not in b" \t\n;&|()":
                return "a '#' inside a word starts no comment in bash, but does in planflow's parser"
            run = len(before) - len(before.rstrip(b"\\")) if before[-1:] == b"\\" else 0
            stripped = before[:-1]
            escapes = len(stripped) - len(stripped.rstrip(b"\\"))
            if before[-1:] in b" \t\n" and (escapes % 2 == 1 or run):
                return "an escaped blank before '#' joins it to the word in bash"
        elif node.type == "heredoc_redirect":
            start = next((c for c in node.children if c.type == "heredoc_start"), None)
            end = next((c for c in node.children if c.type == "heredoc_end"), None)
            if start is None or end is None:
                continue
            delimiter = node_text(start, source)
            if any(q in delimiter for q in "'\"\\") and any(c.type == "expansion" for c in walk(node)):
                return "a heredoc with a quoted delimiter keeps its text literal"
            line_start = source.rfind(b"\n", 0, end.start_byte) + 1
            line_end = source.find(b"\n", end.end_byte)
            line = source[line_start : len(source) if line_end < 0 else line_end].decode("utf-8", "replace")
            dash = any(node_text(c, source) == "<<-" for c in node.children)
            word = delimiter.strip("'\"").replace("\\", "")
            if (line.lstrip("\t") if dash else line) != word:
                return f"bash ends this heredoc only at a line that is exactly {word!r}"
    return None


def first_error(root: Any, source: bytes) -> str:
    for node in walk(root):
        if node.type == "ERROR" or node.is_missing:
            line, column = node.start_point
            near = source[node.start_byte : node.start_byte + 20].decode("utf-8", "replace")
            return f"line {line + 1}, column {column + 1}, near {near!r}"
    return "syntax error"
