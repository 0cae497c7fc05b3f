"""Interpreters: where each one takes its code (`bash -c`, awk's program, `sed` scripts,
`python3 -c`, perl's bundled `-lne`, jq filters, SQL), and when it reads code from standard input."""

from __future__ import annotations

import re

from planflow.ir.shell.roles import CommandRoles, Words, is_option, set_role

# Interpreters whose code comes from a word after an option (`python3 -c CODE`).
CODE_OPTIONS: dict[str, tuple[str, ...]] = {
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

_SCRIPT_OPERAND = {"ruby", "node", "bun", "php", "lua", "tclsh", "rscript", "r", "osascript", "pwsh"}

_CODE_FROM_STDIN = {"ruby", "node", "php", "lua", "tclsh", "pwsh", "mysql", "mariadb", "psql"}

SHELL_NAMES = SHELLS = {"bash", "sh", "dash", "zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "rbash", "yash"}

AWKS = {"awk", "gawk", "mawk", "nawk"}

JQS = {"jq", "gojq", "jaq", "yq"}


def code_after_options(words: Words, start: int, end: int, out: CommandRoles, program: str) -> None:
    options = CODE_OPTIONS[program]
    i = start + 1
    saw_code = False
    positional = False
    while i < end:
        word = words[i]
        if word is None or not word.startswith("-"):
            positional = True
        if program in ("node", "bun") and word is not None and re.fullmatch(r"-[a-z]*[ep]", word) and i + 1 < end:
            set_role(out, i + 1, "program", program)  # -pe bundles print and eval
        for option in options:
            bundled = len(option) == 2 and word is not None and re.fullmatch(r"-[A-Za-z]+" + option[1], word)
            if (word == option or bundled) and i + 1 < end:  # -e CODE, or bundled: ruby -ne, script -qc
                set_role(out, i + 1, "program", program)
                saw_code = True
                i += 1
            elif word is not None and word.startswith(option + "=") and option.startswith("--"):
                set_role(out, i, "program", program)
                saw_code = True
        i += 1
    if program in _CODE_FROM_STDIN and not saw_code and not positional:
        out.stdin_program = program
    if not saw_code and program in _SCRIPT_OPERAND:  # node s.js, tclsh s.tcl: the first operand is the code
        first = next((j for j in range(start + 1, end) if not (words[j] or "").startswith("-")), None)
        if first is not None:
            set_role(out, first, "script", program)


def shell(words: Words, start: int, end: int, out: CommandRoles) -> None:
    program = (words[start] or "sh").rsplit("/", 1)[-1]
    i = start + 1
    string_mode = from_stdin = False
    while i < end and (is_option(words[i]) or (words[i] or "").startswith("+")):
        word = words[i] or ""
        if word in ("--rcfile", "--init-file"):
            if i + 1 < end:
                set_role(out, i + 1, "script", program)  # an interactive shell runs it first
            i += 2
            continue
        if word in ("-o", "+o", "-O", "+O"):
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
            set_role(out, i, "program", program)  # the words after it are $0, $1…: data
    elif from_stdin or i >= end:
        out.stdin_program = program
    elif words[i] is None and not templated[i]:
        for later in range(i, end):  # `bash $opt …`: $opt may be -c, making the next word code
            set_role(out, later, "program", program)
    else:
        set_role(out, i, "script", program)


def awk(words: Words, start: int, end: int, out: CommandRoles) -> None:
    program = words[start] or "awk"
    program = program.rsplit("/", 1)[-1]
    i = start + 1
    has_file = False
    while i < end and is_option(words[i]):
        word = words[i] or ""
        if word in ("-e", "--source"):
            if i + 1 < end:
                set_role(out, i + 1, "program", program)
            has_file = True
            i += 2
            continue
        if word in ("-f", "--file", "-i", "--include", "-l", "--load"):
            has_file = has_file or word in ("-f", "--file")
            if word in ("-f", "--file", "-i", "--include") and i + 1 < end:
                set_role(out, i + 1, "script", program)  # its code: stdin when a descriptor
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
        set_role(out, i, "program", program)


def sed(words: Words, start: int, end: int, out: CommandRoles) -> None:
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
                set_role(out, i + 1, "program", "sed")
            has_script = True
            i += 1
        elif (
            not options_done
            and word is not None
            and (
                word.startswith("--expression=") or (word.startswith("-") and not word.startswith("--") and "e" in word)
            )
        ):
            set_role(out, i, "program", "sed")  # -ne 's/…/' style bundles end in e: the next word is code
            if word.endswith("e") and not word.startswith("--") and i + 1 < end:
                set_role(out, i + 1, "program", "sed")
                i += 1
            has_script = True
        elif not options_done and (word in ("-f", "--file", "-l", "--line-length") or _bundles_f(word)):
            has_script = has_script or word not in ("-l", "--line-length")
            if word not in ("-l", "--line-length") and i + 1 < end:
                set_role(out, i + 1, "script", "sed")  # -f FILE, or bundled: -nf /dev/stdin
            i += 1
        elif not options_done and word is not None and word.startswith("-f") and len(word) > 2:
            has_script = True
        elif (options_done or not is_option(word)) and first_operand is None:
            first_operand = i
        i += 1
    if not has_script and first_operand is not None:
        set_role(out, first_operand, "program", "sed")


# Modules that run the code they are given as arguments or read on standard input.
_CODE_MODULES = {"code", "pdb", "timeit", "cProfile", "profile", "trace", "asyncio", "runpy", "idlelib", "doctest"}
_CODE_MODULES |= {"IPython", "ipython", "bpython", "ptpython", "pickle", "pickletools"}


def _bundles_f(word: str | None) -> bool:
    return word is not None and re.fullmatch(r"-[A-Za-z]+f", word) is not None


def python(words: Words, start: int, end: int, out: CommandRoles) -> None:
    """python3 [-flags] (-c CODE | -m MODULE | SCRIPT | -) [args…]; -W and -X take a value."""
    i = start + 1
    while i < end:
        word = words[i]
        if word is None or not word.startswith("-") or word in ("-", "--"):
            if word == "--":
                i += 1
            if i < end:
                set_role(out, i, "script", "python3")  # its arguments are data (sys.argv)
            else:
                out.stdin_program = "python3"
            return
        flags = word[1:] if not word.startswith("--") else ""
        for at, flag in enumerate(flags):
            if flag in "cm":
                target = i if at + 1 < len(flags) else i + 1  # -c'code' attached, or the next word
                if target < end:
                    set_role(out, target, "program", "python3")
                    module = words[target] if target > i else flags[at + 1 :]
                    if flag == "m" and module in _CODE_MODULES:  # python3 -m timeit CODE, -m code < CODE
                        for later in range(target + 1, end):
                            set_role(out, later, "program", "python3")
                        out.stdin_program = f"python3 -m {module}"
                return
            if flag in "WX":
                if at + 1 == len(flags):
                    i += 1  # the value is the next word
                break
        i += 1
    out.stdin_program = "python3"


def perl(words: Words, start: int, end: int, out: CommandRoles) -> None:
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
                    set_role(out, i, "program", "perl")
                else:
                    next_is_code = True
                break
            if flag in "Mm":
                set_role(out, i, "program", "perl")  # -MFoo=… builds a `use` statement
                break
            if flag in "l0CD":
                continue  # an optional number follows; digits are skipped as flags below
            if flag in "IxiFd":
                break  # the rest of the word is this flag's value
        if next_is_code and i + 1 < end:
            set_role(out, i + 1, "program", "perl")
            i += 1
        i += 1
    if not saw_code:
        if i < end:
            set_role(out, i, "script", "perl")
        else:
            out.stdin_program = "perl"


def jq(words: Words, start: int, end: int, out: CommandRoles) -> None:
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
        if word == "--" or not is_option(word):
            if word == "--":
                i += 1
            if not from_file and i < end:
                set_role(out, i, "program", program)
            return
        i += 1


def sqlite(words: Words, start: int, end: int, out: CommandRoles) -> None:
    program = (words[start] or "sqlite3").rsplit("/", 1)[-1]
    i = start + 1
    database_seen = False
    while i < end:
        word = words[i]
        if word in ("-cmd", "-c"):
            if i + 1 < end:
                set_role(out, i + 1, "program", program)
            i += 2
            continue
        if word == "-init":
            if i + 1 < end:
                set_role(out, i + 1, "script", program)
            i += 2
            continue
        if word in ("-separator", "-newline", "-nullvalue", "-escape", "-maxsize", "-lookaside"):
            i += 2
            continue
        if not is_option(word):
            if database_seen:
                set_role(out, i, "program", program)
            database_seen = True
        i += 1
    if all(r.kind == "data" for r in out.roles[start + 1 : end]):
        out.stdin_program = program  # no SQL among the words: it is read from standard input


# Literal code that starts commands or evaluates text it builds at run time: given a value (on
# standard input, as an argument, in the environment) it may run the value. A scan of the words
# a plausible one-liner uses, not a parse of the language.
_RUNS_CODE = {
    "python": re.compile(
        r"\b(exec|eval|compile|execfile|__import__|import_module|importlib|system|popen|spawn\w*|exec[lv]\w*"
        r"|subprocess|pty|runpy|pickle|marshal|interact|InteractiveConsole|InteractiveInterpreter|startfile)\b"
    ),
    "perl": re.compile(
        r"\b(system|exec|eval|qx|open|do|require|readpipe|fork)\b|`"
        r"|(?<![\w$@%])s\s*([^\w\s{(<\[])(?:\\.|(?!\2).)*\2(?:\\.|(?!\2).)*\2[a-z]*e"
        r"|(?<![\w$@%])s\s*[{(<\[].*?[})>\]]\s*[{(<\[].*?[})>\]][a-z]*e"
    ),
    "ruby": re.compile(
        r"\b(system|exec|eval|\w+_eval|spawn|popen\w*|Open3|open|send|public_send|load|fork|syscall)\b"
        r"|`|%x|\brequire\w*\s*\(?\s*[^'\"\s(]"
    ),
    "node": re.compile(
        r"\b(child_process|eval|Function|vm|binding|dlopen|Deno|Bun)\b|\$`|\b(require|import)\s*\(\s*[^'\"\s]"
    ),
    "php": re.compile(
        r"\b(system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|eval|assert|include\w*|require\w*"
        r"|create_function|call_user_func\w*|preg_replace|mail)\b|`"
    ),
    "lua": re.compile(r"\b(execute|popen|load\w*|dofile|require)\b"),
    "rscript": re.compile(r"\b(system\w*|shell\w*|eval|parse|source|pipe)\b"),
    # sqlite3's dot-commands run a shell or read more SQL; load_extension loads code
    "sqlite3": re.compile(r"\.(read|shell|system|import|output|once|load|open|excel)\b|load_extension|\bedit\s*\("),
    "duckdb": re.compile(r"\.(read|shell|system|import|output|once|load|open)\b|\b(load|install)\b", re.I),
}
_AWK_TEXT = re.compile(r'"(?:\\.|[^"\\])*"|/(?:\\.|[^/\\\n])+/')
_SED_S = re.compile(r"s(.)(?:\\.|(?!\1).)*\1(?:\\.|(?!\1).)*\1([a-zA-Z0-9]*)")
_SED_E = re.compile(r"(^|[;\n{}!]|[0-9$/]\s*)\s*e(\s|;|$)")


def runs_code(program: str, code: str) -> bool:
    """Does an interpreter's literal code start commands or evaluate text (python's exec and
    os.system, awk's system() and `print | "sh"`, sed's e)? Then a value it reads may run."""
    family = {"python3": "python", "bun": "node", "deno": "node", "r": "rscript"}.get(program, program)
    if family in AWKS:
        bare = _AWK_TEXT.sub(" ", code)  # strings and regular expressions: `/a|b/` pipes nothing
        return re.search(r"\bsystem\b", bare) is not None or re.search(r"(?<!\|)\|(?!\|)", bare) is not None
    if family == "sed":
        if any("e" in flags for _, flags in _SED_S.findall(code)):
            return True
        return _SED_E.search(_SED_S.sub(" ", code)) is not None
    pattern = _RUNS_CODE.get(family)
    return pattern is not None and pattern.search(code) is not None
