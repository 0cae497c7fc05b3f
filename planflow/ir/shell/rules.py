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

from planflow.ir.shell.builtins import (
    DECLARATIONS,
    always_stdin,
    eval_,
    evaluates_all,
    mapfile,
    option_values_are_code,
    option_values_evaluate,
    printf,
    read,
    source,
    test,
    trap,
)
from planflow.ir.shell.interpreters import (
    AWKS,
    CODE_OPTIONS,
    JQS,
    SHELLS,
    awk,
    code_after_options,
    jq,
    perl,
    python,
    sed,
    shell,
    sqlite,
)
from planflow.ir.shell.roles import (
    DATA,
    RUNTIME_PROGRAM,
    CommandRoles,
    Handler,
    Role,
    Words,
    is_option,
    program_name,
    reads_descriptor,
    set_role,
)


def command_roles(
    words: Words,
    prefixes: list[str] | None = None,
    templated: list[bool] | None = None,
    splits: list[bool] | None = None,
) -> CommandRoles:
    """The role of each word of one simple command; words[0] is the command name.

    `prefixes` gives, for a word built at run time (None in `words`), its literal start, so
    `-e${x}` is known to be perl's code option and `-vx=${x}` awk's variable.
    """
    result = CommandRoles(
        [DATA] * len(words),
        prefixes=prefixes or [w or "" for w in words],
        templated=templated or [False] * len(words),
        splits=splits or [False] * len(words),
    )
    read_command(words, 0, len(words), result)
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


def read_command(words: Words, start: int, end: int, out: CommandRoles) -> None:
    if start >= end:
        return
    out.roles[start] = Role("command_name")
    name = words[start]
    if name is None:
        # `$tool ${f}`: the program is chosen at run time, and an empty `$tool` makes the next
        # word the program; nothing can be said of its words
        for i in range(start + 1, end):
            set_role(out, i, "program", RUNTIME_PROGRAM)
        return
    program = program_name(name)
    handler = _HANDLERS.get(program)
    if handler is not None:
        handler(words, start, end, out)
    elif program in CODE_OPTIONS:
        code_after_options(words, start, end, out, program)
    if program in _CODE_READERS or program in CODE_OPTIONS:
        _templated_options_are_code(words, start, end, out, program)
    if program not in _DATA_PROGRAMS and (handler is not None or program in CODE_OPTIONS):
        _words_may_shift(words, start, end, out, program)
    for i in range(start + 1, end):
        role = out.roles[i]
        if role.kind == "script" and reads_descriptor(words[i]):
            out.stdin_program = program
    if program not in _DATA_PROGRAMS:
        # `runuser -u x -- bash -c …`, `env -iu X bash -c …`: whatever a wrapper's options, a
        # later word naming an interpreter may start it; read its words by that one's rules too
        for i in range(start + 1, end):
            later = words[i]
            if later is not None and out.roles[i].kind == "data" and program_name(later) in _INTERPRETERS:
                read_command(words, i, end, out)
                break


def _words_may_shift(words: Words, start: int, end: int, out: CommandRoles, program: str) -> None:
    """`bash -c $x ${v}`, `perl -e {,} ${v}`: a word bash may drop or split moves the words after
    it, so any of them may land where the program takes its code."""
    splits = out.splits or []
    for i in range(start + 1, end):
        if i < len(splits) and splits[i]:
            for later in range(i + 1, end):
                set_role(out, later, "program", program)
            return


def _templated_options_are_code(words: Words, start: int, end: int, out: CommandRoles, program: str) -> None:
    """`-e${x}`, `--eval=${x}`, `-c${x}`: an option built from a value may carry code."""
    prefixes = out.prefixes or []
    for i in range(start + 1, end):
        if words[i] is None and i < len(prefixes) and prefixes[i].startswith("-"):
            if program in ("awk", "gawk", "mawk", "nawk") and prefixes[i].startswith(_AWK_DATA_OPTIONS):
                continue
            set_role(out, i, "program", program)


def _xargs_then_program(words: Words, start: int, end: int, out: CommandRoles) -> None:
    """`… | xargs sh -c …`: the words xargs reads become arguments, or the code, of the program it runs."""
    _xargs(words, start, end, out)
    for i in range(start + 1, end):
        word = words[i]
        if word is not None and out.roles[i].kind == "command_name" and program_name(word) in _INTERPRETERS:
            out.stdin_program = f"xargs {program_name(word)}"


def _wrapper(
    value_options: frozenset[str], positionals: int = 0, code_options: frozenset[str] = frozenset()
) -> Handler:
    """A program that runs the command in its remaining words (`timeout 5 CMD …`)."""

    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        name = program_name(words[start] or "")
        i = start + 1
        skipped = 0
        while i < end:
            word = words[i]
            if word in code_options:
                if i + 1 < end:
                    set_role(out, i + 1, "program", name)
                i += 2
                continue
            attached = _attached_code(word, code_options)
            if attached is not None:  # env -Sbash, env -iS bash, flock --command=bash
                if attached:
                    set_role(out, i, "program", name, attached)
                    i += 1
                elif i + 1 < end:
                    set_role(out, i + 1, "program", name)
                    i += 2
                continue
            if word in value_options:
                i += 2
                continue
            if word == "--":
                i += 1
                break
            if is_option(word):
                i += 1
                continue
            literal = word if word is not None else (out.prefixes or [""] * end)[i]
            if name in ("env", "sudo", "doas") and re.match(r"[A-Za-z_]\w*=", literal):
                i += 1  # NAME=value (env X=${v} node …): an environment variable for the command
                continue
            if skipped < positionals:
                skipped += 1
                i += 1
                continue
            break
        read_command(words, i, end, out)

    return handler


def _attached_code(word: str | None, code_options: frozenset[str]) -> int | None:
    """Where a code option's value starts in its own word (-Sbash: 2, --command=bash: 10), 0
    when it bundles with other flags and takes the next word (-iS), None when it is no code option."""
    if word is None or not word.startswith("-"):
        return None
    for option in code_options:
        if option.startswith("--"):
            if word.startswith(option + "="):
                return len(option) + 1
            continue
        flags = re.fullmatch(r"-([A-Za-z]*?)" + re.escape(option[1]) + r"(.*)", word, re.DOTALL)
        if flags is not None:
            return 0 if not flags.group(2) else len(flags.group(1)) + 2
    return None


def _joined_code(value_options: frozenset[str], positionals: int = 0) -> Handler:
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
            if is_option(word):
                i += 1
                continue
            if skipped < positionals:
                skipped += 1
                i += 1
                continue
            set_role(out, i, "program", name)
            i += 1

    return handler


def _ssh_options_too(value_options: frozenset[str], positionals: int = 0) -> Handler:
    """ssh's remote words are code, and so are -o ProxyCommand=… / LocalCommand=… values."""
    joined = _joined_code(value_options, positionals)

    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        joined(words, start, end, out)
        for i in range(start + 1, end):
            if words[i - 1] == "-o" or (words[i] is None and (out.prefixes or [""] * end)[i].startswith("-o")):
                set_role(out, i, "program", "ssh")

    return handler


def _find(words: Words, start: int, end: int, out: CommandRoles) -> None:
    i = start + 1
    while i < end:
        if words[i] in ("-exec", "-execdir", "-ok", "-okdir"):
            stop = i + 1
            while stop < end and words[stop] not in (";", "+"):
                stop += 1
            read_command(words, i + 1, stop, out)
            i = stop
        elif words[i] in ("-printf", "-fprintf"):
            target = i + 1 if words[i] == "-printf" else i + 2
            if target < end:
                set_role(out, target, "format", "find " + (words[i] or ""))
        i += 1


def _xargs(words: Words, start: int, end: int, out: CommandRoles) -> None:
    values = frozenset({"-I", "-i", "-n", "-P", "-d", "-L", "-l", "-s", "-E", "-e", "-a", "--arg-file", "--delimiter"})
    _wrapper(values)(words, start, end, out)


def _parallel(words: Words, start: int, end: int, out: CommandRoles) -> None:
    # GNU parallel composes each job's command line as text for a shell, from the arguments
    # after ::: or, without them, from the lines it reads on standard input.
    for i in range(start + 1, end):
        if words[i] in (":::", "::::", ":::+"):
            break
        if not is_option(words[i]):
            set_role(out, i, "program", "parallel")
    else:
        out.stdin_program = "parallel"


def _both(*handlers: Handler) -> Handler:
    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        for each in handlers:
            each(words, start, end, out)

    return handler


def _scripts(options: frozenset[str]) -> Handler:
    """Options whose value is a file of code the program runs (`make -f F`, `gdb -x F`)."""

    def handler(words: Words, start: int, end: int, out: CommandRoles) -> None:
        name = program_name(words[start] or "")
        for i in range(start + 1, end - 1):
            if words[i] in options:
                set_role(out, i + 1, "script", name)

    return handler


# git config keys whose value is only ever data; any other key may name a command to run
# (core.fsmonitor, core.pager, alias.*, filter.*.clean, credential.helper…).
_GIT_DATA_KEYS = {"user.name", "user.email", "init.defaultbranch", "commit.gpgsign", "pull.rebase", "push.default"}


def _git_config(words: Words, start: int, end: int, out: CommandRoles) -> None:
    """`git config KEY VALUE`: the value is code unless the key is known to hold data."""
    at = next((i for i in range(start + 1, end) if words[i] == "config"), None)
    if at is None:
        return
    operands = [i for i in range(at + 1, end) if not is_option(words[i])]
    if len(operands) >= 2 and (words[operands[0]] or "").lower() not in _GIT_DATA_KEYS:
        for i in operands[1:]:
            set_role(out, i, "program", "git")


def _make_variables(words: Words, start: int, end: int, out: CommandRoles) -> None:
    """`make V=${v}`: make pastes a variable's value into the shell commands of its recipes."""
    prefixes = out.prefixes or [w or "" for w in words]
    for i in range(start + 1, end):
        if "=" in prefixes[i] and not prefixes[i].startswith("-"):
            set_role(out, i, "program", "make")


def _socat(words: Words, start: int, end: int, out: CommandRoles) -> None:
    """socat's EXEC:/SYSTEM: addresses are commands, connected to the other address (`-` is stdin)."""
    prefixes = out.prefixes or [w or "" for w in words]
    for i in range(start + 1, end):
        if prefixes[i].upper().startswith(("EXEC:", "SYSTEM:")) or words[i] is None:
            set_role(out, i, "program", "socat")
            out.stdin_program = "socat"


def _vim(words: Words, start: int, end: int, out: CommandRoles) -> None:
    """vim runs -c/--cmd/-S values, and reads keystrokes (`:!cmd`) or, with -e/-es, Ex commands
    from a standard input that is not a terminal."""
    option_values_are_code(frozenset({"-c", "--cmd", "-S"}))(words, start, end, out)
    always_stdin(words, start, end, out)


_HANDLERS: dict[str, Handler] = {
    **dict.fromkeys(SHELLS, shell),
    **dict.fromkeys(AWKS, awk),
    **dict.fromkeys(JQS, jq),
    **{name: evaluates_all(name) for name in DECLARATIONS},
    "eval": eval_,
    "trap": trap,
    "let": evaluates_all("let"),
    "sed": sed,
    "python": python,
    "perl": perl,
    "sqlite3": sqlite,
    "duckdb": sqlite,
    "printf": printf,
    "read": read,
    "mapfile": mapfile,
    "readarray": mapfile,
    "ed": always_stdin,
    "ex": always_stdin,
    "test": test,
    "[": test,
    "find": _find,
    "xargs": _xargs_then_program,
    "source": source,
    ".": source,
    "unset": evaluates_all("unset"),
    "wait": option_values_evaluate(frozenset({"-p"})),
    "getopts": option_values_evaluate(frozenset(), positional=1),
    "alias": option_values_are_code(frozenset(), everything=True),
    "enable": option_values_are_code(frozenset(), everything=True),
    "bind": option_values_are_code(frozenset(), everything=True),
    "hash": option_values_are_code(frozenset({"-p"})),
    "compgen": option_values_are_code(frozenset({"-W", "-C", "-F", "-X"})),
    "complete": option_values_are_code(frozenset({"-W", "-C", "-F", "-X"})),
    "git": _both(option_values_are_code(frozenset({"-c", "--config-env", "--exec-path"})), _git_config),
    "tar": option_values_are_code(
        frozenset({"-I", "--use-compress-program", "--to-command", "--checkpoint-action", "--info-script", "-F"})
    ),
    "make": _both(
        option_values_are_code(frozenset({"--eval", "-E"})),
        _scripts(frozenset({"-f", "--file", "--makefile"})),
        _make_variables,
    ),
    "cmake": _scripts(frozenset({"-P", "-C"})),
    "gdb": _both(
        option_values_are_code(frozenset({"-ex", "-eval-command", "--eval-command", "-iex"})),
        _scripts(frozenset({"-x", "--command", "-ix", "--init-command"})),
        always_stdin,  # gdb reads commands from a standard input that is not a terminal
    ),
    "zip": option_values_are_code(frozenset({"-TT", "--unzip-command"})),
    "socat": _socat,
    **dict.fromkeys(("vim", "vi", "nvim", "view", "vimdiff"), _vim),
    "rsync": option_values_are_code(frozenset({"-e", "--rsh", "--rsync-path"})),
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
    "deno": lambda w, s, e, o: set_role(o, s + 2, "program", "deno") if s + 2 < e and w[s + 1] == "eval" else None,
}
