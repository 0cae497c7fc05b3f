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

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

RoleKind = Literal["data", "script", "format", "evaluates", "program", "command_name"]
_RANK = {"data": 0, "script": 1, "format": 2, "evaluates": 3, "program": 4, "command_name": 5}
# Paths through which a program reads its code from standard input.
STDIN_PATHS = {"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"}


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
    prefixes: list[str] | None = None  # each word's literal text before its first expansion
    templated: list[bool] | None = None  # which words hold a template value


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
SHELL_NAMES = _SHELLS = {"bash", "sh", "dash", "zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "rbash", "yash"}
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


def command_roles(words: Words, prefixes: list[str] | None = None, templated: list[bool] | None = None) -> CommandRoles:
    """The role of each word of one simple command; words[0] is the command name.

    `prefixes` gives, for a word built at run time (None in `words`), its literal start, so
    `-e${x}` is known to be perl's code option and `-vx=${x}` awk's variable.
    """
    result = CommandRoles(
        [DATA] * len(words), prefixes=prefixes or [w or "" for w in words], templated=templated or [False] * len(words)
    )
    _command(words, 0, len(words), result)
    return result


# Programs that only ever treat their arguments as data: no need to look inside their words
# for a program they might start.
_DATA_PROGRAMS = {
    "echo",
    "cat",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "ls",
    "wc",
    "sort",
    "uniq",
    "head",
    "tail",
    "cut",
    "tr",
    "mkdir",
    "rm",
    "rmdir",
    "cp",
    "mv",
    "touch",
    "ln",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "stat",
    "file",
    "du",
    "df",
    "date",
    "diff",
    "cmp",
    "tee",
    "comm",
    "paste",
    "join",
    "nl",
    "fold",
    "fmt",
    "column",
    "seq",
    "sleep",
    "true",
    "false",
    ":",
    "printf",
    "test",
    "[",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "base64",
    "gzip",
    "gunzip",
    "zcat",
    "iconv",
    "rev",
    "expand",
    "unexpand",
    "split",
    "csplit",
    "shuf",
    "tac",
    "od",
    "xxd",
    "hexdump",
    "strings",
    "curl",
    "wget",
    "pwd",
    "cd",
    "chmod",
    "chown",
    "mktemp",
    "expr",
}
_INTERPRETERS = {
    *("bash", "sh", "dash", "zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "rbash", "yash", "busybox"),
    *("awk", "gawk", "mawk", "nawk", "jq", "gojq", "jaq", "yq", "python", "perl", "ruby", "node", "bun", "deno"),
    *("php", "lua", "rscript", "r", "osascript", "sed", "sqlite3", "duckdb", "mysql", "mariadb", "psql", "pwsh"),
    *("tclsh", "eval", "trap", "source", ".", "ed", "ex", "vim", "vi", "nvim", "gdb", "make", "git", "tar"),
    *("ssh", "rsync", "xargs", "find", "parallel", "watch", "alias", "hash", "enable", "bind", "compgen"),
    *("complete", "su", "script", "env", "sudo", "doas", "timeout", "nice", "nohup", "setsid", "exec", "command"),
    *("builtin", "coproc", "time", "stdbuf", "ionice", "taskset", "chroot", "flock", "strace", "ltrace"),
    *("runuser", "setpriv", "unshare", "prlimit", "sg", "npx", "nsenter", "systemd-run", "firejail", "bwrap"),
    *("chrt", "numactl", "cgexec", "unbuffer", "let", "declare", "typeset", "local", "export", "readonly"),
    *("read", "mapfile", "readarray", "unset", "wait", "getopts", "printf"),
}
# Programs whose options can hold code: an option word built from a value is refused.
_CODE_READERS = {
    *("bash", "sh", "dash", "zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "rbash", "yash", "awk", "gawk"),
    *("mawk", "nawk", "jq", "gojq", "jaq", "yq", "python", "perl", "ruby", "node", "bun", "deno", "php", "lua"),
    *("rscript", "r", "osascript", "sed", "sqlite3", "duckdb", "mysql", "mariadb", "psql", "pwsh", "tclsh"),
}
_AWK_DATA_OPTIONS = ("-v", "-F", "--assign", "--field-separator")


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
    if program in _CODE_READERS or program in _CODE_OPTIONS:
        _templated_options_are_code(words, start, end, out, program)
    for i in range(start + 1, end):
        role = out.roles[i]
        if role.kind == "script" and words[i] in STDIN_PATHS:
            out.stdin_program = program
    if program not in _DATA_PROGRAMS:
        # `runuser -u x -- bash -c …`, `env -iu X bash -c …`: whatever a wrapper's options, a
        # later word naming an interpreter may start it; read its words by that one's rules too
        for i in range(start + 1, end):
            later = words[i]
            if later is not None and out.roles[i].kind == "data" and program_name(later) in _INTERPRETERS:
                _command(words, i, end, out)
                break


def _templated_options_are_code(words: Words, start: int, end: int, out: CommandRoles, program: str) -> None:
    """`-e${x}`, `--eval=${x}`, `-c${x}`: an option built from a value may carry code."""
    prefixes = out.prefixes or []
    for i in range(start + 1, end):
        if words[i] is None and i < len(prefixes) and prefixes[i].startswith("-"):
            if program in ("awk", "gawk", "mawk", "nawk") and prefixes[i].startswith(_AWK_DATA_OPTIONS):
                continue
            _set(out, i, "program", program)


def _set(out: CommandRoles, index: int, kind: RoleKind, program: str) -> None:
    """Roles only escalate: a word one rule reads as code stays code whatever another says."""
    if _RANK[kind] > _RANK[out.roles[index].kind]:
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
        if program in ("node", "bun") and word is not None and re.fullmatch(r"-[a-z]*[ep]", word) and i + 1 < end:
            _set(out, i + 1, "program", program)  # -pe bundles print and eval
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
    program = (words[start] or "sh").rsplit("/", 1)[-1]
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
    templated = out.templated or [False] * end
    if string_mode:
        if i < end:
            _set(out, i, "program", program)  # the words after it are $0, $1…: data
    elif from_stdin or i >= end:
        out.stdin_program = program
    elif words[i] is None and not templated[i]:
        for later in range(i, end):  # `bash $opt …`: $opt may be -c, making the next word code
            _set(out, later, "program", program)
    else:
        _set(out, i, "script", program)


def _source(words: Words, start: int, end: int, out: CommandRoles) -> None:
    if start + 1 < end:
        _set(out, start + 1, "script", "source")


def _xargs_then_program(words: Words, start: int, end: int, out: CommandRoles) -> None:
    """`… | xargs sh -c …`: the words xargs reads become arguments, or the code, of the program it runs."""
    _xargs(words, start, end, out)
    for i in range(start + 1, end):
        word = words[i]
        if word is not None and out.roles[i].kind == "command_name" and program_name(word) in _INTERPRETERS:
            out.stdin_program = f"xargs {program_name(word)}"


def _option_values_are_code(options: frozenset[str], everything: bool = False) -> _Handler:
    """Builtins and programs whose option values (or all words) are code: `alias`, `compgen -W`."""

    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        name = program_name(words[start] or "")
        prefixes = out.prefixes or [""] * end
        for i in range(start + 1, end):
            known = words[i]
            word = known if known is not None else prefixes[i]
            attached = any(word.startswith(o + "=") for o in options if o.startswith("--"))
            if everything or (words[i - 1] in options and i - 1 > start) or attached:
                _set(out, i, "program", name)

    return handler


def _option_values_evaluate(options: frozenset[str], positional: int | None = None) -> _Handler:
    """Builtins whose option values (or n-th operand) name variables: `wait -p NAME`, `getopts s NAME`."""

    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        name = program_name(words[start] or "")
        operands = 0
        for i in range(start + 1, end):
            if words[i - 1] in options and i - 1 > start:
                _set(out, i, "evaluates", name)
            elif not _is_option(words[i]):
                if positional is not None and operands == positional:
                    _set(out, i, "evaluates", name)
                operands += 1

    return handler


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
            if word in ("-f", "--file") and i + 1 < end and words[i + 1] in STDIN_PATHS:
                out.stdin_program = program
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
    options_done = False
    while i < end:
        word = words[i]
        if not options_done and word == "--":
            options_done = True
        elif not options_done and word in ("-e", "--expression"):
            if i + 1 < end:
                _set(out, i + 1, "program", "sed")
            has_script = True
            i += 1
        elif (
            not options_done
            and word is not None
            and (
                word.startswith("--expression=") or (word.startswith("-") and not word.startswith("--") and "e" in word)
            )
        ):
            _set(out, i, "program", "sed")  # -ne 's/…/' style bundles end in e: the next word is code
            if word.endswith("e") and not word.startswith("--") and i + 1 < end:
                _set(out, i + 1, "program", "sed")
                i += 1
            has_script = True
        elif not options_done and word in ("-f", "--file", "-l", "--line-length"):
            has_script = has_script or word in ("-f", "--file")
            if word in ("-f", "--file") and i + 1 < end and words[i + 1] in STDIN_PATHS:
                out.stdin_program = "sed"
            i += 1
        elif not options_done and word is not None and word.startswith("-f") and len(word) > 2:
            has_script = True
        elif (options_done or not _is_option(word)) and first_operand is None:
            first_operand = i
        i += 1
    if not has_script and first_operand is not None:
        _set(out, first_operand, "program", "sed")


def _python(words: Words, start: int, end: int, out: CommandRoles) -> None:
    """python3 [-flags] (-c CODE | -m MODULE | SCRIPT | -) [args…]; -W and -X take a value."""
    i = start + 1
    while i < end:
        word = words[i]
        if word is None or not word.startswith("-") or word in ("-", "--"):
            if word == "--":
                i += 1
            if i < end:
                _set(out, i, "script", "python3")  # its arguments are data (sys.argv)
            else:
                out.stdin_program = "python3"
            return
        flags = word[1:] if not word.startswith("--") else ""
        for at, flag in enumerate(flags):
            if flag in "cm":
                target = i if at + 1 < len(flags) else i + 1  # -c'code' attached, or the next word
                if target < end:
                    _set(out, target, "program", "python3")
                return
            if flag in "WX":
                if at + 1 == len(flags):
                    i += 1  # the value is the next word
                break
        i += 1
    out.stdin_program = "python3"


def _perl(words: Words, start: int, end: int, out: CommandRoles) -> None:
    """perl [-flags] [-e CODE]… [SCRIPT] [args…]; flags bundle (`-lne`), some take the word's rest."""
    i = start + 1
    saw_code = False
    while i < end:
        word = words[i]
        if word is None or not word.startswith("-") or word == "-":
            break
        if word == "--":
            i += 1
            break
        flags = word[1:]
        next_is_code = False
        for at, flag in enumerate(flags):
            rest = flags[at + 1 :]
            if flag.isdigit():
                continue  # the number after -l or -0
            if flag in "eE":
                saw_code = True
                if rest:
                    _set(out, i, "program", "perl")
                else:
                    next_is_code = True
                break
            if flag in "Mm":
                _set(out, i, "program", "perl")  # -MFoo=… builds a `use` statement
                break
            if flag in "l0CD":
                continue  # an optional number follows; digits are skipped as flags below
            if flag in "IxiFd":
                break  # the rest of the word is this flag's value
        if next_is_code and i + 1 < end:
            _set(out, i + 1, "program", "perl")
            i += 1
        i += 1
    if not saw_code:
        if i < end:
            _set(out, i, "script", "perl")
        else:
            out.stdin_program = "perl"


def _jq(words: Words, start: int, end: int, out: CommandRoles) -> None:
    """jq [options] FILTER [files… | --args…]: the first operand is the filter unless -f gives it."""
    program = (words[start] or "jq").rsplit("/", 1)[-1]
    i = start + 1
    from_file = False
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
        if word == "--" or not _is_option(word):
            if word == "--":
                i += 1
            if not from_file and i < end:
                _set(out, i, "program", program)
            return
        i += 1


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


def _mapfile(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    while i < end:
        word = words[i]
        if word in ("-d", "-n", "-O", "-s", "-u", "-c"):
            i += 2
            continue
        if word == "-C" and i + 1 < end:
            _set(out, i + 1, "program", "mapfile")  # the callback is code
            i += 2
            continue
        if not _is_option(word):
            _set(out, i, "evaluates", "mapfile")
        i += 1


def _always_stdin(words: Words, start: int, end: int, out: CommandRoles) -> None:
    out.stdin_program = program_name(words[start] or "ed")  # ed's commands (`!cmd` runs a shell)


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


def _ssh_options_too(value_options: frozenset[str], positionals: int = 0) -> _Handler:
    """ssh's remote words are code, and so are -o ProxyCommand=… / LocalCommand=… values."""
    joined = _joined_code(value_options, positionals)

    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        joined(words, start, end, out)
        for i in range(start + 1, end):
            if words[i - 1] == "-o" or (words[i] is None and (out.prefixes or [""] * end)[i].startswith("-o")):
                _set(out, i, "program", "ssh")

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
    "mapfile": _mapfile,
    "readarray": _mapfile,
    "ed": _always_stdin,
    "ex": _always_stdin,
    "test": _test,
    "[": _test,
    "find": _find,
    "xargs": _xargs_then_program,
    "source": _source,
    ".": _source,
    "unset": _evaluates_all("unset"),
    "wait": _option_values_evaluate(frozenset({"-p"})),
    "getopts": _option_values_evaluate(frozenset(), positional=1),
    "alias": _option_values_are_code(frozenset(), everything=True),
    "enable": _option_values_are_code(frozenset(), everything=True),
    "bind": _option_values_are_code(frozenset(), everything=True),
    "hash": _option_values_are_code(frozenset({"-p"})),
    "compgen": _option_values_are_code(frozenset({"-W", "-C", "-F", "-X"})),
    "complete": _option_values_are_code(frozenset({"-W", "-C", "-F", "-X"})),
    "git": _option_values_are_code(frozenset({"-c", "--config-env", "--exec-path"})),
    "tar": _option_values_are_code(
        frozenset({"-I", "--use-compress-program", "--to-command", "--checkpoint-action", "--info-script", "-F"})
    ),
    "make": _option_values_are_code(frozenset({"--eval", "-E"})),
    "gdb": _option_values_are_code(frozenset({"-ex", "-eval-command", "--eval-command", "-x", "-iex"})),
    "vim": _option_values_are_code(frozenset({"-c", "--cmd", "-S"})),
    "vi": _option_values_are_code(frozenset({"-c", "--cmd", "-S"})),
    "nvim": _option_values_are_code(frozenset({"-c", "--cmd", "-S"})),
    "rsync": _option_values_are_code(frozenset({"-e", "--rsh", "--rsync-path"})),
    "runuser": _wrapper(
        frozenset({"-u", "-g", "-G", "--user", "--group"}), code_options=frozenset({"-c", "--command"})
    ),
    "setpriv": _wrapper(frozenset({"--reuid", "--regid", "--groups", "--inh-caps", "--bounding-set"})),
    "unshare": _wrapper(frozenset()),
    "nsenter": _wrapper(frozenset({"-t", "--target"})),
    "prlimit": _wrapper(frozenset({"-p", "--pid"})),
    "npx": _wrapper(frozenset({"-p", "--package"})),
    "sg": _joined_code(frozenset(), positionals=1),
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
    "ssh": _ssh_options_too(
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
