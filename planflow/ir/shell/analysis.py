"""Where each template stands in a bash command, decided on bash's own syntax tree.

Each `${…}` in a shell command is first written as a bash parameter expansion `${PLANFLOW_Vn}`,
then the command is parsed with tree-sitter-bash and every expansion is placed:

- **safe**: bash expands it as data (a word, part of a word, a redirection target, inside double
  quotes or an unquoted heredoc). The bound text references the variable quoted to fit: bare
  words get `"${V}"`, double-quoted text and heredoc bodies `${V}`, so the value arrives as one
  word with its exact bytes, never split, globbed or evaluated.
- **unsafe**: bash evaluates it (arithmetic, array subscripts, `[[ -gt ]]`, `let`, `declare`,
  `read` names, `printf -v`, `[ -v ]`), another program reads it as code (`bash -c`, `eval`,
  `awk '…'`, a `sed` script, `python3 -c`, `jq` filters, SQL, `ssh`…, see rules), it sits
  in single quotes, backticks or a quoted heredoc, or the command does not parse. The analysis
  returns a problem with the safe form instead; the validator reports it and the runtime refuses
  to run it.

A value that reaches a command's standard input (a here-string, a pipe, a heredoc, the stdin
param, `exec < …`, a file it was written to) is followed into what reads it: a program reading its
code there, a `$(…)` or `<(…)` inside, a function it calls, a literal shell script (`bash -c '…'`,
eval's words, `env -S`), which is analysed again as if the stdin param held the value, and
interpreters whose literal code starts commands (`os.system`, awk's `system()`, `sed e`).

Shell variables that hold a value (`f=${file}`, `for f in ${files}`, the env param's names, `$_`,
`$@`, `${!n}`) are followed one assignment at a time: used unquoted, in arithmetic or in another program's code,
they are refused the same way. An integer input may stand in arithmetic: the runtime checks at
run time that its value is an integer.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from planflow.ir.shell import hints
from planflow.ir.shell.interpreters import SHELLS
from planflow.ir.shell.placement import (
    check_feeds_program,
    check_receiver,
    check_region_reads_code,
    check_written_file_runs,
    code_runner,
    declares_attributes,
    place,
    place_template,
)
from planflow.ir.shell.roles import reads_descriptor
from planflow.ir.shell.state import (
    DANGEROUS_PREFIXES,
    DANGEROUS_VARIABLES,
    VAR_PREFIX,
    ShellProblem,
    State,
    roles_of,
)
from planflow.ir.shell.syntax import divergence, first_error, node_text, parser, static_text
from planflow.ir.shell.taint import (
    check_inner_scripts,
    check_tainted_variables,
    taint_captured_output,
    taint_readers,
)
from planflow.ir.templates import Ref, Template


@dataclass(frozen=True)
class ShellAnalysis:
    text: str  # the command with each template replaced by a reference to its variable
    variables: tuple[tuple[str, Ref], ...]
    integers: frozenset[str] = frozenset()  # variables standing in arithmetic: integers only
    problems: tuple[ShellProblem, ...] = ()


@dataclass
class _Span:
    start: int
    end: int
    var: str
    ref: Ref


def analyze_command(
    template: Template,
    integer_ok: Callable[[Ref], bool] = lambda ref: False,
    env_names: Iterable[str] = (),
    stdin_templated: bool = False,
) -> ShellAnalysis:
    """Place every template of a shell command; see the module docstring."""
    text, spans, variables = _placeholder_text(template)
    env = tuple(sorted(env_names))
    if not spans and not env and not stdin_templated:
        return ShellAnalysis(text, ())
    integer_vars = frozenset(name for name, ref in variables if integer_ok(ref))
    span_key = tuple((s.start, s.end, s.var) for s in spans)
    bound, integers, problems = _analyze(text, span_key, integer_vars, env, stdin_templated)
    labels = {"${" + name + "}": ref.text for name, ref in variables}
    return ShellAnalysis(bound, tuple(variables), integers, tuple(_relabel(p, labels) for p in problems))


def clear_cache() -> None:
    """Forget the analyses kept for equal commands (benchmarks measure the work itself)."""
    _analyze.cache_clear()


_LABEL = re.compile(r"\$\{" + VAR_PREFIX + r"\d+\}")


def _relabel(problem: ShellProblem, labels: dict[str, str]) -> ShellProblem:
    """Problems are found on the placeholder text (so equal commands share one analysis); name
    each value by its template again."""

    def swap(text: str) -> str:
        return _LABEL.sub(lambda m: labels.get(m.group(0), m.group(0)), text)

    return ShellProblem(swap(problem.ref), swap(problem.message), swap(problem.hint), problem.param)


@functools.lru_cache(maxsize=4096)
def _analyze(
    text: str,
    spans: tuple[tuple[int, int, str], ...],
    integer_vars: frozenset[str],
    env_names: tuple[str, ...],
    stdin_templated: bool,
) -> tuple[str, frozenset[str], tuple[ShellProblem, ...]]:
    source = text.encode("utf-8", "surrogatepass")
    tree = parser().parse(source)
    state = State(source, tree.root_node, integer_vars, tainted=set(env_names))
    if tree.root_node.has_error:
        where = first_error(tree.root_node, source)
        for label, param in _value_labels(spans, stdin_templated):
            message = f"{label}: the command does not parse as bash ({where})"
            state.problems.append(ShellProblem(label, message, hints.UNPARSED, param))
        return text, frozenset(), tuple(state.problems)
    if any(word in source for word in (b"declare", b"typeset", b"local", b"export", b"readonly")):
        state.attribute_declarations = any(declares_attributes(n, source) for n in state.nodes)
    disagreement = divergence(tree.root_node, source, state.nodes)
    if disagreement is not None:
        for label, param in _value_labels(spans, stdin_templated):
            state.problems.append(ShellProblem(label, f"{label}: {disagreement}", hints.UNPARSED, param))
        return text, frozenset(), tuple(state.problems)
    for name in env_names:
        if name in DANGEROUS_VARIABLES or name.startswith(DANGEROUS_PREFIXES) or not name.isidentifier():
            message = f"env {name} holds a template value, and {name} decides what runs"
            state.problems.append(ShellProblem(name, message, hints.DANGEROUS_VARIABLE.format(name=name), "env"))
    labels = _value_labels(spans, stdin_templated) + [("$" + name, "env") for name in env_names]
    if _expands_aliases(state):
        for label, param in labels:
            message = f"{label}: this command expands aliases, which rewrite its words after planflow reads them"
            state.problems.append(ShellProblem(label, message, hints.UNPARSED, param))
    taint_readers(state)
    if spans or env_names:
        state.tainted.add("_")  # echo ${v}; eval "$_": the last argument of the command before
    if stdin_templated:
        taint_captured_output(state)
    replacements: list[tuple[int, int, str]] = []
    for start, end, var in spans:
        placement = place_template(start, end, var, state)
        if placement == "bare":
            replacements.append((start, end, '"${' + var + '}"'))
        elif placement == "arithmetic":
            state.integers.add(var)
    if stdin_templated:
        check_stdin(state)
    if b"exec" in source or b"coproc" in source:
        check_output_sinks(state, labels)
    if b"env" in source or b"set" in source:
        check_environment_printers(state, [(label, param) for label, param in labels if param != "stdin"])
    if env_names or _exports(state):
        check_environment_readers(state, [(label, param) for label, param in labels if param != "stdin"])
    seen = -1
    while len(state.tainted) != seen:  # a check may find more variables holding the value
        seen = len(state.tainted)
        check_tainted_variables(state, {start for start, _, _ in spans})
        check_inner_scripts(state)
    for name in sorted(state.tainted - set(env_names)):  # read PS4, for PS4 in…, printf -v PS4…
        if name in DANGEROUS_VARIABLES or name.startswith(DANGEROUS_PREFIXES):
            message = f"{name} may be filled with a template value, and {name} decides what runs"
            param = "stdin" if stdin_templated and not spans else "command"
            state.problems.append(ShellProblem(name, message, hints.DANGEROUS_VARIABLE.format(name=name), param))
    check_scripts_named_in_code(state, labels)
    check_fed_scripts(state)
    bound = _apply(source, replacements)
    return bound, frozenset(state.integers), tuple(_unique(state.problems))


def _placeholder_text(template: Template) -> tuple[str, list[_Span], list[tuple[str, Ref]]]:
    out: list[str] = []
    offset = 0
    names: dict[str, str] = {}
    variables: list[tuple[str, Ref]] = []
    spans: list[_Span] = []
    for part in template.parts:
        if isinstance(part, Ref):
            name = names.get(part.text)
            if name is None:
                name = names[part.text] = f"{VAR_PREFIX}{len(variables)}"
                variables.append((name, part))
            piece = "${" + name + "}"
            spans.append(_Span(offset, offset + len(piece), name, part))
        else:
            piece = part
        out.append(piece)
        offset += len(piece.encode("utf-8", "surrogatepass"))
    return "".join(out), spans, variables


def _apply(source: bytes, replacements: list[tuple[int, int, str]]) -> str:
    pieces: list[bytes] = []
    last = 0
    for start, end, text in sorted(replacements):
        pieces += [source[last:start], text.encode()]
        last = end
    pieces.append(source[last:])
    return b"".join(pieces).decode("utf-8", "surrogatepass")


def _unique(problems: list[ShellProblem]) -> list[ShellProblem]:
    return list(dict.fromkeys(problems))


def check_stdin(state: State) -> None:
    """A templated stdin param must not be the program a command reads from standard input, nor
    reach code through `$(cat)` or `<(cat)`, nor be copied to a file that runs."""
    label = "params.stdin"
    start = len(state.problems)
    for node in state.nodes:
        if node.type in ("command_substitution", "process_substitution"):
            before = len(state.problems)
            place(node, label, state, None)
            state.problems[before:] = [
                replace(p, message=f"standard input may reach code: {p.message}") for p in state.problems[before:]
            ]
        if node.type == "redirected_statement" and _reads_our_stdin(node.child_by_field_name("body"), state.source):
            check_written_file_runs(node, label, state)  # cat > s.sh; bash s.sh
        if node.type != "command" or _has_own_stdin(node, state.source):
            continue
        check_receiver(node, label, state, "standard input", param="stdin")
    state.problems[start:] = [replace(p, param="stdin") for p in state.problems[start:]]


def check_output_sinks(state: State, labels: list[tuple[str, str]]) -> None:
    """`exec > >(bash)`, `coproc bash`: a program that reads what later commands print (or send
    to its descriptor) must not run it, since any of them may print a value."""
    for node in state.nodes:
        if node.type == "redirected_statement":
            body = node.child_by_field_name("body")
            if body is None or body.type != "command" or roles_of(body, state)[1] != ["exec"]:
                continue
            for redirect in node.children_by_field_name("redirect"):
                for target in redirect.children_by_field_name("destination"):
                    if target.type == "process_substitution":
                        for label, param in labels:
                            before = len(state.problems)
                            check_region_reads_code(target, label, state, "exec's output")
                            state.problems[before:] = [replace(p, param=param) for p in state.problems[before:]]
        elif node.type == "command":
            _, words, roles = roles_of(node, state)
            if words[:1] == ["coproc"]:
                for label, param in labels:
                    check_feeds_program(words, roles, label, state, "the coprocess's input", param)


def check_environment_readers(state: State, labels: list[tuple[str, str]]) -> None:
    """With a value in the environment (the env param, `export X=${v}`), no interpreter's code
    may start commands or evaluate text: it can read the value there (ENVIRON, os.environ)."""
    for _, words, roles in list(state.commands.values()):  # every command, read by taint_readers
        runner = code_runner(words, roles, environment=True)
        if runner is None:
            continue
        for label, param in labels:
            message = f"{label} is in the environment of {runner}, whose code starts commands or evaluates text"
            state.problems.append(ShellProblem(label, message, hints.CODE_RUNNER.format(program=runner), param))


_ENVIRON_FILE = re.compile(r"/proc/[^/\s]+/environ")


def check_environment_printers(state: State, labels: list[tuple[str, str]]) -> None:
    """`env | bash`, `printenv | sh`: every value is in the environment (the runtime binds each
    template as a variable), so what prints the environment prints the values: placed like them."""
    for node in state.nodes:
        if node.type != "command":
            continue
        _, words, roles = roles_of(node, state)
        name = words[0] if words else None
        prints = (
            name == "printenv"
            or (name == "env" and not any(r.kind == "command_name" for r in roles.roles[1:]))
            or (name == "set" and len(words) == 1)
            or _ENVIRON_FILE.search(node_text(node, state.source)) is not None
        )
        if prints:
            for label, param in labels:
                before = len(state.problems)
                place(node, label, state, None)
                state.problems[before:] = [
                    replace(p, message=f"{node_text(node, state.source)} prints {label}: {p.message}", param=param)
                    for p in state.problems[before:]
                ]


def check_scripts_named_in_code(state: State, labels: list[tuple[str, str]]) -> None:
    """`python3 -c '…open("s.sh", "w").write(…)' ${v}; bash s.sh`, `awk '{print > "s.sh"}'`,
    `sed 'w s.sh'`: a file another program's code names may hold a value it wrote; none may be run."""
    commands = list(state.commands.values())  # every command, read by taint_readers
    codes = [
        w for _, words, roles in commands for w, r in zip(words, roles.roles, strict=True) if r.kind == "program" and w
    ]
    if not codes:
        return
    for _, words, roles in commands:
        for word, role in zip(words, roles.roles, strict=True):
            if (
                word is None
                or role.kind not in ("script", "command_name")
                or (role.kind == "command_name" and "/" not in word)
            ):
                continue
            name = word.rstrip("/").rsplit("/", 1)[-1]
            if name and any(name in code for code in codes):
                for label, param in labels:
                    message = f"{word} is run, and another program's code names it: it may have written {label} there"
                    state.problems.append(ShellProblem(label, message, hints.STDIN_PROGRAM.format(program=word), param))


def _exports(state: State) -> bool:
    if not any(word in state.source for word in (b"export", b"declare", b"typeset")):
        return False
    return any(
        n.type == "declaration_command" and n.children and n.children[0].type in ("export", "declare", "typeset")
        for n in state.nodes
    )


def _expands_aliases(state: State) -> bool:
    """`shopt -s expand_aliases`, `set -o posix`: bash then rewrites command words by aliases
    the analysis does not follow."""
    if b"expand_aliases" not in state.source and b"posix" not in state.source:
        return False
    for node in state.nodes:
        if node.type == "command":
            words = roles_of(node, state)[1]
            if words[:1] in (["shopt"], ["set"]) and ("expand_aliases" in words or "posix" in words):
                return True
    return False


def _reads_our_stdin(body: Any, source: bytes) -> bool:
    return body is not None and body.type == "command" and not _has_own_stdin(body, source)


def _value_labels(spans: tuple[tuple[int, int, str], ...], stdin_templated: bool) -> list[tuple[str, str]]:
    """Each value the command holds, as (label, param): its templates, and the stdin param."""
    labels = [("${" + var + "}", "command") for var in dict.fromkeys(var for _, _, var in spans)]
    return [*labels, ("params.stdin", "stdin")] if stdin_templated else labels


def check_fed_scripts(state: State) -> None:
    """`bash -c 'read x; eval "$x"' <<< ${v}`: the shell's literal script reads the value on its
    standard input, so it is analysed as a command whose stdin param holds the value."""
    if not state.fed_scripts:
        return
    functions = "".join(node_text(n, state.source) + "\n" for n in state.nodes_of(("function_definition",)))
    feeding = _FEEDING.__dict__.setdefault("scripts", set())
    for fed in dict.fromkeys(state.fed_scripts):
        # the functions the command defines may be called there (eval f, export -f f; bash -c f)
        script = functions + fed.script
        if script in feeding:
            continue  # a function feeding the script it is part of: that analysis is under way
        feeding.add(script)
        try:
            _, _, inner = _analyze(script, (), frozenset(), (), True)
        finally:
            feeding.discard(script)
        for problem in inner:
            detail = problem.message.replace("params.stdin reaches", "it reaches").replace("params.stdin", "it")
            code = f"the script of {fed.shell} -c" if fed.shell in SHELLS else f"the code {fed.shell} runs"
            message = f"{fed.ref} reaches {code} through {fed.how}, where {detail}"
            state.problems.append(ShellProblem(fed.ref, message, problem.hint, fed.param))


_FEEDING = threading.local()  # the fed scripts being analysed, per thread


def _has_own_stdin(command: Any, source: bytes) -> bool:
    parent = command.parent
    redirects = list(command.children_by_field_name("redirect"))
    if parent is not None and parent.type == "redirected_statement":
        redirects += parent.children_by_field_name("redirect")
    return any(r.type in ("heredoc_redirect", "herestring_redirect") or _reads_other_file(r, source) for r in redirects)


def _reads_other_file(redirect: Any, source: bytes) -> bool:
    """`< file` gives a command its own standard input; `< /dev/stdin` passes ours on."""
    if redirect.type != "file_redirect" or not redirect.children or redirect.children[0].type != "<":
        return False
    target = redirect.child_by_field_name("destination")
    if target is None:
        return True
    path = static_text(target, source)
    return path is not None and not reads_descriptor(path)
