"""What a word of a command is to the program that receives it: data, a script path, a
format, a name bash evaluates, code, or the program itself."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

RoleKind = Literal["data", "script", "format", "evaluates", "program", "command_name"]

_RANK = {"data": 0, "script": 1, "format": 2, "evaluates": 3, "program": 4, "command_name": 5}

_DESCRIPTOR = re.compile(r"/dev/(stdin|fd/\d+)|/proc/[^/]+/fd/\d+")


def reads_descriptor(word: str | None) -> bool:
    """`-`, `/dev/stdin`, `/dev/fd/3`, `//dev/./stdin`, `/proc/thread-self/fd/0`: a path through
    which a program reads an open descriptor (standard input, or one a here-string fills) rather
    than a file of its own."""
    if word is None:
        return False
    if word == "-":
        return True
    path = posixpath.normpath(re.sub("/+", "/", word))
    return _DESCRIPTOR.fullmatch(path) is not None


@dataclass(frozen=True)
class Role:
    kind: RoleKind
    program: str = ""  # the program reading the word, for the message and the hint
    code_at: int = 0  # where the code starts in the word: 2 in env's -Sbash


DATA = Role("data")

RUNTIME_PROGRAM = "a program chosen at run time"


@dataclass
class CommandRoles:
    roles: list[Role]
    stdin_program: str | None = None  # the program that reads its code from standard input
    prefixes: list[str] | None = None  # each word's literal text before its first expansion
    templated: list[bool] | None = None  # which words hold a template value
    splits: list[bool] | None = None  # which words bash may drop or split (`$x`, `"$@"`, `{,}`)


Words = list[str | None]

Handler = Callable[[Words, int, int, CommandRoles], None]

_ALIASES = {"nodejs": "node", "luajit": "lua", "gsed": "sed", "perl5": "perl", "Rscript": "rscript", "R": "r"}


def program_name(word: str) -> str:
    """`/usr/bin/python3.11` -> `python`; the rules key on the program, not its path or version."""
    name = word.rsplit("/", 1)[-1]
    name = _ALIASES.get(name, name)
    for family in ("python", "pypy", "perl", "ruby", "lua", "php"):
        if name.startswith(family) and all(c.isdigit() or c == "." for c in name[len(family) :]):
            return "python" if family == "pypy" else family
    return name.lower() if name in ("Rscript", "R") else name


def set_role(out: CommandRoles, index: int, kind: RoleKind, program: str, code_at: int = 0) -> None:
    """Roles only escalate: a word one rule reads as code stays code whatever another says."""
    if _RANK[kind] > _RANK[out.roles[index].kind]:
        out.roles[index] = Role(kind, program, code_at)


def is_option(word: str | None) -> bool:
    return word is not None and word.startswith("-") and word not in ("-", "--")
