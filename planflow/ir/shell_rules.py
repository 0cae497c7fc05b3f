"""Which words of a command another program reads as code, or bash evaluates.

A value that arrives as one exact word is data to bash, but the program receiving it decides
what the word means: the script after `bash -c`, awk's program, a `sed` script (whose `e`
command runs a shell), `python3 -c`, a jq filter, SQL for `sqlite3`. Wrappers (`env`, `timeout`,
`xargs`, `find -exec`, `sudo`…) start another command whose words are read by the same rules.

`command_roles` takes a command's words (their literal text, or None where the word is built at
run time) and returns a role for each. Unknown programs get "data" for every argument: the list
below names the interpreters a generated command is likely to use, and a program missing from
it is a gap to fill here, not a reason to guess elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

RoleKind = Literal["data", "program", "evaluates", "format", "command_name"]


@dataclass(frozen=True)
class Role:
    kind: RoleKind
    program: str = ""  # the program reading the word, for the message and the hint


DATA = Role("data")
RUNTIME_PROGRAM = "a program chosen at run time"


@dataclass
class CommandRoles:
    roles: list[Role]
    stdin_program: str | None = None  # the program that reads its code from standard input


Words = list[str | None]
_Handler = Callable[[Words, int, int, CommandRoles], None]

# Interpreters whose code comes from a word after an option (`python3 -c CODE`).
_CODE_OPTIONS: dict[str, tuple[str, ...]] = {
    "ruby": ("-e",),
    "node": ("-e", "--eval", "-p", "--print"),
    "bun": ("-e", "--eval", "-p", "--print"),
    "php": ("-r", "-B", "-R", "-E"),
    "lua": ("-e",),
    "rscript": ("-e",),
    "r": ("-e",),
    "osascript": ("-e",),
    "mysql": ("-e", "--execute"),
    "mariadb": ("-e", "--execute"),
    "psql": ("-c", "--command"),
    "su": ("-c", "--command"),
    "script": ("-c", "--command"),
    "tclsh": (),
    "pwsh": ("-c", "-command", "-Command"),
}
_CODE_FROM_STDIN = {"ruby", "node", "php", "lua", "tclsh", "pwsh", "mysql", "mariadb", "psql"}
_SHELLS = {"bash", "sh", "dash", "zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "rbash", "yash"}
_AWKS = {"awk", "gawk", "mawk", "nawk"}
_JQS = {"jq", "gojq", "jaq", "yq"}
_DECLARATIONS = {"declare", "typeset", "local", "export", "readonly"}
_ALIASES = {"nodejs": "node", "luajit": "lua", "gsed": "sed", "perl5": "perl", "Rscript": "rscript", "R": "r"}


def program_name(word: str) -> str:
    """`/usr/bin/python3.11` -> `python`; the rules key on the program, not its path or version."""
    name = word.rsplit("/", 1)[-1]
    name = _ALIASES.get(name, name)
    for family in ("python", "pypy", "perl", "ruby", "lua", "php"):
        if name.startswith(family) and all(c.isdigit() or c == "." for c in name[len(family) :]):
            return "python" if family == "pypy" else family
    return name.lower() if name in ("Rscript", "R") else name


def command_roles(words: Words) -> CommandRoles:
    """The role of each word of one simple command; words[0] is the command name."""
    result = CommandRoles([DATA] * len(words))
    _command(words, 0, len(words), result)
    return result


def _command(words: Words, start: int, end: int, out: CommandRoles) -> None:
    if start >= end:
        return
    out.roles[start] = Role("command_name")
    name = words[start]
    if name is None:
        # `$tool ${f}`: the program is chosen at run time, and an empty `$tool` makes the next
        # word the program; nothing can be said of its words
        for i in range(start + 1, end):
            _set(out, i, "program", RUNTIME_PROGRAM)
        return
    program = program_name(name)
    handler = _HANDLERS.get(program)
    if handler is not None:
        handler(words, start, end, out)
    elif program in _CODE_OPTIONS:
        _code_after_options(words, start, end, out, program)


def _set(out: CommandRoles, index: int, kind: RoleKind, program: str) -> None:
    out.roles[index] = Role(kind, program)


def _is_option(word: str | None) -> bool:
    return word is not None and word.startswith("-") and word not in ("-", "--")


def _code_after_options(words: Words, start: int, end: int, out: CommandRoles, program: str) -> None:
    options = _CODE_OPTIONS[program]
    i = start + 1
    saw_code = False
    positional = False
    while i < end:
        word = words[i]
        if word is None or not word.startswith("-"):
            positional = True
        for option in options:
            if word == option and i + 1 < end:
                _set(out, i + 1, "program", program)
                saw_code = True
                i += 1
            elif word is not None and word.startswith(option + "=") and option.startswith("--"):
                _set(out, i, "program", program)
                saw_code = True
        i += 1
    if program in _CODE_FROM_STDIN and not saw_code and not positional:
        out.stdin_program = program


def _shell(words: Words, start: int, end: int, out: CommandRoles) -> None:
    program = words[start] or "sh"
    program = program.rsplit("/", 1)[-1]
    i = start + 1
    string_mode = from_stdin = False
    while i < end and (_is_option(words[i]) or (words[i] or "").startswith("+")):
        word = words[i] or ""
        if word in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
            i += 2
            continue
        if not word.startswith("--"):
            string_mode = string_mode or "c" in word[1:]
            from_stdin = from_stdin or "s" in word[1:]
        i += 1
    if i < end and words[i] in ("--", "-"):  # bash takes a lone "-" as the end of options too
        i += 1
    if string_mode:
        if i < end:
            _set(out, i, "program", program)  # the words after it are $0, $1…: data
    elif from_stdin or i >= end:
        out.stdin_program = program


def _eval(words: Words, start: int, end: int, out: CommandRoles) -> None:
    for i in range(start + 1, end):
        _set(out, i, "program", "eval")


def _trap(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    while i < end and _is_option(words[i]):
        i += 1
    if i < end and words[i] == "--":
        i += 1
    if i < end:
        _set(out, i, "program", "trap")


def _evaluates_all(name: str) -> _Handler:
    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        for i in range(start + 1, end):
            _set(out, i, "evaluates", name)

    return handler


def _awk(words: Words, start: int, end: int, out: CommandRoles) -> None:
    program = words[start] or "awk"
    program = program.rsplit("/", 1)[-1]
    i = start + 1
    has_file = False
    while i < end and _is_option(words[i]):
        word = words[i] or ""
        if word in ("-e", "--source"):
            if i + 1 < end:
                _set(out, i + 1, "program", program)
            has_file = True
            i += 2
            continue
        if word in ("-f", "--file", "-i", "--include", "-l", "--load"):
            has_file = has_file or word in ("-f", "--file")
            i += 2
            continue
        if word in ("-F", "-v", "--assign", "--field-separator"):
            i += 2  # -v name=value: the value is data (the safe form)
            continue
        has_file = has_file or word.startswith("-f")
        i += 1
    if i < end and words[i] == "--":
        i += 1
    if not has_file and i < end:
        _set(out, i, "program", program)


def _sed(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    has_script = False
    first_operand: int | None = None
    while i < end:
        word = words[i]
        if word in ("-e", "--expression"):
            if i + 1 < end:
                _set(out, i + 1, "program", "sed")
            has_script = True
            i += 2
            continue
        if word is not None and (word.startswith("--expression=") or (word.startswith("-e") and len(word) > 2)):
            _set(out, i, "program", "sed")
            has_script = True
        elif word in ("-f", "--file", "-l", "--line-length"):
            has_script = has_script or word in ("-f", "--file")
            i += 2
            continue
        elif word is not None and word.startswith("-f") and len(word) > 2:
            has_script = True
        elif not _is_option(word) and first_operand is None:
            first_operand = i
        i += 1
    if not has_script and first_operand is not None:
        _set(out, first_operand, "program", "sed")


def _python(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    while i < end:
        word = words[i]
        if word is None or not word.startswith("-") or word == "--":
            return  # a script path; its arguments are data
        if word == "-":
            out.stdin_program = "python3"
            return
        if word in ("-W", "-X", "--check-hash-based-pycs"):
            i += 2
            continue
        flags = word[1:]
        for at, flag in enumerate(flags):
            if flag in "cm":
                kind: RoleKind = "program"
                if at + 1 < len(flags):
                    _set(out, i, kind, "python3")  # -c'code' attached
                elif i + 1 < end:
                    _set(out, i + 1, kind, "python3")
                return
        i += 1
    out.stdin_program = "python3"


def _perl(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    saw_code = False
    while i < end:
        word = words[i]
        if word is None or not word.startswith("-") or word == "--":
            break
        flags = word[1:]
        consumed = False
        for at, flag in enumerate(flags):
            if flag in "eE":
                saw_code = True
                if at + 1 < len(flags):
                    _set(out, i, "program", "perl")
                elif i + 1 < end:
                    _set(out, i + 1, "program", "perl")
                    consumed = True
                break
            if flag in "MmIxiF0l":  # the rest of the word is this option's value
                if flag in "Mm":
                    _set(out, i, "program", "perl")  # -MFoo=… builds a `use` statement
                break
        i += 2 if consumed else 1
    if not saw_code and (i >= end or (words[i] == "--" and i + 1 >= end)):
        out.stdin_program = "perl"


def _jq(words: Words, start: int, end: int, out: CommandRoles) -> None:
    program = words[start] or "jq"
    i = start + 1
    from_file = False
    filter_at: int | None = None
    while i < end:
        word = words[i]
        if word in ("--arg", "--argjson", "--slurpfile", "--rawfile"):
            i += 3  # --arg name value: the value is data (the safe form)
            continue
        if word in ("--indent", "-L", "--library-path"):
            i += 2
            continue
        if word in ("-f", "--from-file"):
            from_file = True
            i += 2
            continue
        if word in ("--args", "--jsonargs"):
            break
        if not _is_option(word) and word != "--" and filter_at is None:
            filter_at = i
            if not from_file:
                break
        i += 1
    if filter_at is not None and not from_file:
        _set(out, filter_at, "program", program.rsplit("/", 1)[-1])


def _sqlite(words: Words, start: int, end: int, out: CommandRoles) -> None:
    program = (words[start] or "sqlite3").rsplit("/", 1)[-1]
    i = start + 1
    database_seen = False
    while i < end:
        word = words[i]
        if word in ("-cmd", "-c"):
            if i + 1 < end:
                _set(out, i + 1, "program", program)
            i += 2
            continue
        if word in ("-separator", "-newline", "-nullvalue", "-init", "-escape", "-maxsize", "-lookaside"):
            i += 2
            continue
        if not _is_option(word):
            if database_seen:
                _set(out, i, "program", program)
            database_seen = True
        i += 1
    if all(r.kind == "data" for r in out.roles[start + 1 : end]):
        out.stdin_program = program  # no SQL among the words: it is read from standard input


def _printf(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    if i + 1 < end and words[i] == "-v":
        _set(out, i + 1, "evaluates", "printf -v")
        i += 2
    if i < end and words[i] == "--":
        i += 1
    if i < end:
        _set(out, i, "format", "printf")


def _read(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    while i < end:
        word = words[i]
        if word in ("-p", "-d", "-t", "-n", "-N", "-u", "-i"):
            i += 2
            continue
        if word == "-a" and i + 1 < end:
            _set(out, i + 1, "evaluates", "read")
            i += 2
            continue
        if not _is_option(word):
            _set(out, i, "evaluates", "read")  # a variable name: bash evaluates its subscript
        i += 1


def _test(words: Words, start: int, end: int, out: CommandRoles) -> None:
    for i in range(start + 1, end - 1):
        if words[i] == "-v":
            _set(out, i + 1, "evaluates", "test -v")


def _wrapper(
    value_options: frozenset[str], positionals: int = 0, code_options: frozenset[str] = frozenset()
) -> _Handler:
    """A program that runs the command in its remaining words (`timeout 5 CMD …`)."""

    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        name = program_name(words[start] or "")
        i = start + 1
        skipped = 0
        while i < end:
            word = words[i]
            if word in code_options:
                if i + 1 < end:
                    _set(out, i + 1, "program", name)
                i += 2
                continue
            if word in value_options:
                i += 2
                continue
            if word == "--":
                i += 1
                break
            if _is_option(word):
                i += 1
                continue
            if name in ("env", "sudo", "doas") and word is not None and "=" in word:
                i += 1  # NAME=value: an environment variable for the command
                continue
            if skipped < positionals:
                skipped += 1
                i += 1
                continue
            break
        _command(words, i, end, out)

    return handler


def _joined_code(value_options: frozenset[str], positionals: int = 0) -> _Handler:
    """A program that joins its remaining words into one shell command (`watch`, `ssh host …`)."""

    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        name = program_name(words[start] or "")
        i = start + 1
        skipped = 0
        while i < end:
            word = words[i]
            if word in value_options:
                i += 2
                continue
            if _is_option(word):
                i += 1
                continue
            if skipped < positionals:
                skipped += 1
                i += 1
                continue
            _set(out, i, "program", name)
            i += 1

    return handler


def _find(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    while i < end:
        if words[i] in ("-exec", "-execdir", "-ok", "-okdir"):
            stop = i + 1
            while stop < end and words[stop] not in (";", "+"):
                stop += 1
            _command(words, i + 1, stop, out)
            i = stop
        elif words[i] in ("-printf", "-fprintf"):
            target = i + 1 if words[i] == "-printf" else i + 2
            if target < end:
                _set(out, target, "format", "find " + (words[i] or ""))
        i += 1


def _xargs(words: Words, start: int, end: int, out: CommandRoles) -> None:
    values = frozenset({"-I", "-i", "-n", "-P", "-d", "-L", "-l", "-s", "-E", "-e", "-a", "--arg-file", "--delimiter"})
    _wrapper(values)(words, start, end, out)


def _parallel(words: Words, start: int, end: int, out: CommandRoles) -> None:
    # GNU parallel composes each job's command line as text for a shell.
    for i in range(start + 1, end):
        if words[i] in (":::", "::::", ":::+"):
            break
        if not _is_option(words[i]):
            _set(out, i, "program", "parallel")


_HANDLERS: dict[str, _Handler] = {
    **dict.fromkeys(_SHELLS, _shell),
    **dict.fromkeys(_AWKS, _awk),
    **dict.fromkeys(_JQS, _jq),
    **{name: _evaluates_all(name) for name in _DECLARATIONS},
    "eval": _eval,
    "trap": _trap,
    "let": _evaluates_all("let"),
    "sed": _sed,
    "python": _python,
    "perl": _perl,
    "sqlite3": _sqlite,
    "duckdb": _sqlite,
    "printf": _printf,
    "read": _read,
    "mapfile": _read,
    "readarray": _read,
    "test": _test,
    "[": _test,
    "find": _find,
    "xargs": _xargs,
    "parallel": _parallel,
    "env": _wrapper(frozenset({"-u", "--unset", "-C", "--chdir"}), code_options=frozenset({"-S", "--split-string"})),
    "exec": _wrapper(frozenset({"-a"})),
    "coproc": _wrapper(frozenset()),
    "command": _wrapper(frozenset()),
    "builtin": _wrapper(frozenset()),
    "nohup": _wrapper(frozenset()),
    "setsid": _wrapper(frozenset()),
    "time": _wrapper(frozenset({"-f", "-o", "--format", "--output"})),
    "nice": _wrapper(frozenset({"-n", "--adjustment"})),
    "ionice": _wrapper(frozenset({"-c", "-n", "--class", "--classdata"})),
    "stdbuf": _wrapper(frozenset({"-i", "-o", "-e"})),
    "unbuffer": _wrapper(frozenset()),
    "timeout": _wrapper(frozenset({"-s", "--signal", "-k", "--kill-after"}), positionals=1),
    "taskset": _wrapper(frozenset(), positionals=1),
    "chroot": _wrapper(frozenset({"--userspec", "--groups"}), positionals=1),
    "flock": _wrapper(frozenset({"-w", "--timeout", "-E"}), positionals=1, code_options=frozenset({"-c", "--command"})),
    "sudo": _wrapper(frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"})),
    "doas": _wrapper(frozenset({"-u", "-C"})),
    "strace": _wrapper(frozenset({"-o", "-e", "-p", "-s", "-u", "-a", "-E", "-P", "-I", "-b", "-X"})),
    "ltrace": _wrapper(frozenset({"-o", "-e", "-p", "-s", "-u", "-a", "-n"})),
    "watch": _joined_code(frozenset({"-n", "--interval", "-d", "-q", "--equexit"})),
    "ssh": _joined_code(
        frozenset(
            {"-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-m", "-O", "-Q", "-S"}
        )
        | frozenset({"-W", "-w", "-B"}),
        positionals=1,
    ),
    "deno": lambda w, s, e, o: _set(o, s + 2, "program", "deno") if s + 2 < e and w[s + 1] == "eval" else None,
}


def declares_attributes(words: Words) -> bool:
    """`declare -i n` / `local -n ref`: plain assignments to such names evaluate their value."""
    if not words or words[0] not in _DECLARATIONS:
        return False
    return any(w is not None and w.startswith(("-", "+")) and set(w[1:]) & set("inaA") for w in words[1:])
