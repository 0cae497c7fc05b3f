"""Bash builtins and programs that evaluate a word (`let`, `read NAME`, `printf -v`, `[ -v ]`)
or run an option's value (`alias`, `compgen -W`, `git -c`, `tar -I`…)."""

from __future__ import annotations

from planflow.ir.shell.roles import CommandRoles, Handler, Words, is_option, program_name, set_role

DECLARATIONS = {"declare", "typeset", "local", "export", "readonly"}


def source(words: Words, start: int, end: int, out: CommandRoles) -> None:
    at = start + 2 if start + 1 < end and words[start + 1] == "--" else start + 1  # source -- FILE
    if at < end:
        set_role(out, at, "script", "source")


def option_values_are_code(options: frozenset[str], everything: bool = False) -> Handler:
    """Builtins and programs whose option values (or all words) are code: `alias`, `compgen -W`."""

    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        name = program_name(words[start] or "")
        prefixes = out.prefixes or [""] * end
        for i in range(start + 1, end):
            known = words[i]
            word = known if known is not None else prefixes[i]
            attached = any(word.startswith(o + "=") for o in options if o.startswith("--"))
            if everything or (words[i - 1] in options and i - 1 > start) or attached:
                set_role(out, i, "program", name)

    return handler


def option_values_evaluate(options: frozenset[str], positional: int | None = None) -> Handler:
    """Builtins whose option values (or n-th operand) name variables: `wait -p NAME`, `getopts s NAME`."""

    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        name = program_name(words[start] or "")
        operands = 0
        for i in range(start + 1, end):
            if words[i - 1] in options and i - 1 > start:
                set_role(out, i, "evaluates", name)
            elif not is_option(words[i]):
                if positional is not None and operands == positional:
                    set_role(out, i, "evaluates", name)
                operands += 1

    return handler


def eval_(words: Words, start: int, end: int, out: CommandRoles) -> None:
    for i in range(start + 1, end):
        set_role(out, i, "program", "eval")


def trap(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    while i < end and is_option(words[i]):
        i += 1
    if i < end and words[i] == "--":
        i += 1
    if i < end:
        set_role(out, i, "program", "trap")


def evaluates_all(name: str) -> Handler:
    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        for i in range(start + 1, end):
            set_role(out, i, "evaluates", name)

    return handler


def printf(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    if i + 1 < end and words[i] == "-v":
        set_role(out, i + 1, "evaluates", "printf -v")
        i += 2
    if i < end and words[i] == "--":
        i += 1
    if i < end:
        set_role(out, i, "format", "printf")


def read(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    while i < end:
        word = words[i]
        if word in ("-p", "-d", "-t", "-n", "-N", "-u", "-i"):
            i += 2
            continue
        if word == "-a" and i + 1 < end:
            set_role(out, i + 1, "evaluates", "read")
            i += 2
            continue
        if not is_option(word):
            set_role(out, i, "evaluates", "read")  # a variable name: bash evaluates its subscript
        i += 1


def mapfile(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    while i < end:
        word = words[i]
        if word in ("-d", "-n", "-O", "-s", "-u", "-c"):
            i += 2
            continue
        if word == "-C" and i + 1 < end:
            set_role(out, i + 1, "program", "mapfile")  # the callback is code
            out.stdin_program = "mapfile -C"  # evaluated with each line read: -C eval runs them
            i += 2
            continue
        if not is_option(word):
            set_role(out, i, "evaluates", "mapfile")
        i += 1


def always_stdin(words: Words, start: int, end: int, out: CommandRoles) -> None:
    out.stdin_program = program_name(words[start] or "ed")  # ed's commands (`!cmd` runs a shell)


def test(words: Words, start: int, end: int, out: CommandRoles) -> None:
    for i in range(start + 1, end - 1):
        if words[i] == "-v":
            set_role(out, i + 1, "evaluates", "test -v")
