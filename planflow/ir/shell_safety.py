"""Where each template stands in a bash command, decided on bash's own syntax tree.

Each `${…}` in a shell command is first written as a bash parameter expansion `${PLANFLOW_Vn}`,
then the command is parsed with tree-sitter-bash and every expansion is placed:

- **safe**: bash expands it as data (a word, part of a word, a redirection target, inside double
  quotes or an unquoted heredoc). The bound text references the variable quoted to fit: bare
  words get `"${V}"`, double-quoted text and heredoc bodies `${V}`, so the value arrives as one
  word with its exact bytes, never split, globbed or evaluated.
- **unsafe**: bash evaluates it (arithmetic, array subscripts, `[[ -gt ]]`, `let`, `declare`,
  `read` names, `printf -v`, `[ -v ]`), another program reads it as code (`bash -c`, `eval`,
  `awk '…'`, a `sed` script, `python3 -c`, `jq` filters, SQL, `ssh`…, see shell_rules), it sits
  in single quotes, backticks or a quoted heredoc, or the command does not parse. The analysis
  returns a problem with the safe form instead; the validator reports it and the runtime refuses
  to run it.

Shell variables that hold a value (`f=${file}`, `for f in ${files}`, the env param's names) are
followed one assignment at a time: used unquoted, in arithmetic or in another program's code,
they are refused the same way. An integer input may stand in arithmetic: the runtime checks at
run time that its value is an integer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from planflow.ir import shell_hints as hints
from planflow.ir.shell_rules import (
    RUNTIME_PROGRAM,
    SHELL_NAMES,
    STDIN_PATHS,
    CommandRoles,
    command_roles,
    program_name,
)
from planflow.ir.templates import Ref, Template

VAR_PREFIX = "PLANFLOW_V"
ARITHMETIC_TEST_OPERATORS = {"-eq", "-ne", "-lt", "-le", "-gt", "-ge"}
POSITIONAL = {*"0123456789", "@", "*"}
# Variables whose value bash, the dynamic loader or a program it starts runs as code, or that
# carry the integer attribute (assigning evaluates the value).
DANGEROUS_VARIABLES = {
    *("PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "BASH_ENV", "ENV", "PS0", "PS1", "PS2", "PS3", "PS4"),
    *("PROMPT_COMMAND", "SHELLOPTS", "BASHOPTS", "IFS", "CDPATH", "GLOBIGNORE", "BASH_XTRACEFD", "HISTFILE"),
    *("PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PERL5OPT", "PERL5LIB", "PERLLIB", "NODE_OPTIONS", "RUBYOPT"),
    *("RUBYLIB", "GIT_SSH_COMMAND", "GIT_SSH", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_EDITOR", "GIT_ASKPASS"),
    *("SSH_ASKPASS", "PAGER", "EDITOR", "VISUAL", "LESSOPEN", "LESSCLOSE", "MANPAGER", "BROWSER", "TERMINAL"),
    *("RANDOM", "OPTIND", "OPTERR", "SECONDS", "LINENO", "HISTCMD", "SRANDOM", "BASH_ARGV0", "COLUMNS"),
    *("LINES", "TMOUT", "HISTSIZE", "HISTFILESIZE", "FUNCNEST", "EPOCHSECONDS"),
}
DANGEROUS_PREFIXES = ("BASH_FUNC_", "GIT_CONFIG_", "LD_")
Placement = Literal["bare", "quoted", "arithmetic", "inert"]


@dataclass(frozen=True)
class ShellProblem:
    """A place where a value would not be data; `param` is the node param to report it on."""

    ref: str
    message: str
    hint: str
    param: str = "command"


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


@dataclass
class _State:
    source: bytes
    root: Any
    integer_vars: frozenset[str]
    problems: list[ShellProblem] = field(default_factory=list)
    tainted: set[str] = field(default_factory=set)
    integers: set[str] = field(default_factory=set)
    attribute_declarations: bool = False
    commands: dict[int, tuple[list[Any], list[str | None], CommandRoles]] = field(default_factory=dict)


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


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
    tree = _parser().parse(source)
    state = _State(source, tree.root_node, integer_vars, tainted=set(env_names))
    if tree.root_node.has_error:
        where = _first_error(tree.root_node, source)
        for var in dict.fromkeys(var for _, _, var in spans):
            label = "${" + var + "}"
            state.problems.append(
                ShellProblem(label, f"{label}: the command does not parse as bash ({where})", hints.UNPARSED)
            )
        return text, frozenset(), tuple(state.problems)
    if any(word in source for word in (b"declare", b"typeset", b"local", b"export", b"readonly")):
        state.attribute_declarations = any(_declares_attributes(n, source) for n in _walk(tree.root_node))
    divergence = _divergence(tree.root_node, source)
    if divergence is not None:
        for var in dict.fromkeys(var for _, _, var in spans):
            label = "${" + var + "}"
            state.problems.append(ShellProblem(label, f"{label}: {divergence}", hints.UNPARSED))
        return text, frozenset(), tuple(state.problems)
    for name in env_names:
        if name in DANGEROUS_VARIABLES or name.startswith(DANGEROUS_PREFIXES) or not name.isidentifier():
            message = f"env {name} holds a template value, and {name} decides what runs"
            state.problems.append(ShellProblem(name, message, hints.DANGEROUS_VARIABLE.format(name=name), "env"))
    _taint_readers(state)
    replacements: list[tuple[int, int, str]] = []
    for start, end, var in spans:
        placement = _place_template(start, end, var, state)
        if placement == "bare":
            replacements.append((start, end, '"${' + var + '}"'))
        elif placement == "arithmetic":
            state.integers.add(var)
    _check_tainted_variables(state, {var for _, _, var in spans})
    if stdin_templated:
        _check_stdin(state)
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


def _walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _divergence(root: Any, source: bytes) -> str | None:
    """Where tree-sitter-bash is known to read text differently from bash, say so: the command
    is then refused rather than placed on a tree bash does not share."""
    for node in _walk(root):
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
            delimiter = _text(start, source)
            if any(q in delimiter for q in "'\"\\") and any(c.type == "expansion" for c in _walk(node)):
                return "a heredoc with a quoted delimiter keeps its text literal"
            line_start = source.rfind(b"\n", 0, end.start_byte) + 1
            line_end = source.find(b"\n", end.end_byte)
            line = source[line_start : len(source) if line_end < 0 else line_end].decode("utf-8", "replace")
            dash = any(_text(c, source) == "<<-" for c in node.children)
            word = delimiter.strip("'\"").replace("\\", "")
            if (line.lstrip("\t") if dash else line) != word:
                return f"bash ends this heredoc only at a line that is exactly {word!r}"
    return None


def _first_error(root: Any, source: bytes) -> str:
    for node in _walk(root):
        if node.type == "ERROR" or node.is_missing:
            line, column = node.start_point
            near = source[node.start_byte : node.start_byte + 20].decode("utf-8", "replace")
            return f"line {line + 1}, column {column + 1}, near {near!r}"
    return "syntax error"


def _unique(problems: list[ShellProblem]) -> list[ShellProblem]:
    return list(dict.fromkeys(problems))


def _text(node: Any, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _place_template(start: int, end: int, var: str, state: _State) -> Placement:
    node = state.root.descendant_for_byte_range(start, end)
    expansion = node
    while expansion is not None and not (
        expansion.type == "expansion" and expansion.start_byte == start and expansion.end_byte == end
    ):
        expansion = expansion.parent
    ref = "${" + var + "}"
    if expansion is None:
        return _literal_container(node, ref, state)
    return _place(expansion, ref, state, var)


def _literal_container(node: Any, ref: str, state: _State) -> Placement:
    """The template is not an expansion to bash: it sits in quoted or ignored text."""
    while node is not None:
        kind = node.type
        if kind == "comment":
            return "inert"
        if kind == "raw_string":
            state.problems.append(
                ShellProblem(ref, f"{ref} is inside single quotes", hints.SINGLE_QUOTES.format(ref=ref))
            )
            return "inert"
        if kind == "ansi_c_string":
            state.problems.append(ShellProblem(ref, f"{ref} is inside $'…'", hints.ANSI_C.format(ref=ref)))
            return "inert"
        if kind == "heredoc_body":
            state.problems.append(ShellProblem(ref, f"{ref} is inside a quoted heredoc", hints.QUOTED_HEREDOC))
            return "inert"
        node = node.parent
    state.problems.append(ShellProblem(ref, f"{ref}: planflow cannot tell how bash reads it here", hints.UNPARSED))
    return "inert"


def _place(expansion: Any, ref: str, state: _State, template_var: str | None) -> Placement:
    """Walk from the expansion to the root, noting quoting, evaluation and the programs around it."""
    source = state.source
    scope: Placement | None = None
    arithmetic = False
    crossed_substitution = False
    problems = state.problems
    before = len(problems)
    child = expansion
    node = expansion.parent
    while node is not None:
        kind = node.type
        if kind in ("string", "translated_string", "heredoc_body"):
            scope = scope or "quoted"
        elif kind in ("command_substitution", "process_substitution"):
            if node.children and node.children[0].type == "`":
                problems.append(ShellProblem(ref, f"{ref} is inside backticks", hints.BACKTICKS.format(ref=ref)))
            scope = scope or "bare"
            crossed_substitution = True
            if kind == "command_substitution" and _prints_a_count(node, state.source):
                break  # `$(wc -l < ${f})` prints digits: the value goes no further
        elif (
            kind == "arithmetic_expansion"
            or kind == "c_style_for_statement"
            or (kind == "compound_statement" and node.children and node.children[0].type == "((")
            or kind == "subscript"
        ):
            arithmetic = True
            scope = scope or "arithmetic"
        elif kind == "expansion":
            problems.append(
                ShellProblem(ref, f"{ref} is inside another variable's expansion", hints.NESTED.format(ref=ref))
            )
        elif kind == "test_command":
            # conservative: one arithmetic operator (or -v) anywhere in [[ … ]] makes all of it arithmetic
            if _evaluating_test(node, source):
                arithmetic = True
        elif kind == "declaration_command":
            if not _plain_declared_value(node, child, expansion, source):
                keyword = node.children[0].type if node.children else "declare"
                message = f"{ref} is an argument of {keyword}, which evaluates array subscripts in it"
                problems.append(ShellProblem(ref, message, hints.EVALUATES.format(ref=ref)))
        elif kind == "unset_command":
            message = f"{ref} is an argument of unset, which evaluates array subscripts in it"
            problems.append(ShellProblem(ref, message, hints.EVALUATES.format(ref=ref)))
        elif kind == "array" and _text(child, source).startswith("["):
            arithmetic = True  # a=([${i}]=x): the index is arithmetic
        elif kind == "file_redirect" and child.type == "process_substitution":
            _check_redirect(node, child, ref, state)
            _check_input_from_substitution(node, ref, state)
        elif kind == "variable_assignment" and not crossed_substitution:
            _note_assignment(node, child, ref, state)
        elif kind == "for_statement" and not crossed_substitution:
            variable = node.child_by_field_name("variable")
            if variable is not None and any(v.id == child.id for v in node.children_by_field_name("value")):
                state.tainted.add(_text(variable, source))
        elif kind == "command":
            _check_command_word(node, child, ref, state, crossed_substitution)
        elif kind == "file_redirect":
            _check_redirect(node, child, ref, state)
        elif kind == "redirected_statement":
            _check_redirects_feed_program(node, child, ref, state)
        elif kind == "pipeline":
            _check_pipe_feeds_program(node, child, ref, state)
        child = node
        node = node.parent
    if arithmetic:
        if template_var is None or template_var not in state.integer_vars:
            problems.append(ShellProblem(ref, f"{ref} stands in bash arithmetic", hints.ARITHMETIC.format(ref=ref)))
        return "arithmetic" if len(problems) == before else "inert"
    return scope or "bare"


def _note_assignment(assignment: Any, child: Any, ref: str, state: _State) -> None:
    name = assignment.child_by_field_name("name")
    if name is None or child is name:
        return
    if name.type == "variable_name":
        target = _text(name, state.source)
        state.tainted.add(target)
        if target in DANGEROUS_VARIABLES or target.startswith(DANGEROUS_PREFIXES):
            message = f"{ref} is assigned to {target}, which bash or the programs it starts run as code"
            state.problems.append(ShellProblem(ref, message, hints.DANGEROUS_VARIABLE.format(name=target)))
    if state.attribute_declarations:
        state.problems.append(ShellProblem(ref, f"{ref} is assigned to a variable", hints.DECLARED_ATTRIBUTES))


def _prints_a_count(substitution: Any, source: bytes) -> bool:
    """`$(wc -l < f)`, `$(… | wc -w)`: wc reading standard input prints only a number."""
    stages = [c for c in substitution.named_children]
    if len(stages) != 1:
        return False
    last = stages[0]
    if last.type == "pipeline":
        last = last.named_children[-1] if last.named_children else last
    if last.type == "redirected_statement":
        redirects = last.children_by_field_name("redirect")
        if any(r.type != "file_redirect" or (r.children and r.children[0].type != "<") for r in redirects):
            return False
        last = last.child_by_field_name("body")
    if last is None or last.type != "command":
        return False
    _, words, _ = _words_and_prefixes(last, source)
    return bool(words) and words[0] == "wc" and all(w is not None and w.startswith("-") for w in words[1:])


def _evaluating_test(test: Any, source: bytes) -> bool:
    opener = test.children[0].type if test.children else ""
    for node in _walk(test):
        if node.type == "test_operator":
            op = _text(node, source)
            if op == "-v" or (opener == "[[" and op in ARITHMETIC_TEST_OPERATORS):
                return True
    return False


def _plain_declared_value(declaration: Any, child: Any, expansion: Any, source: bytes) -> bool:
    """`export X=${v}`, `local x=${v}`: bash evaluates only the name, unless -i/-n/-a/-A."""
    if child.type != "variable_assignment" or _declares_attributes(declaration, source):
        return False
    name = child.child_by_field_name("name")
    value = child.child_by_field_name("value")
    return (
        name is not None
        and name.type == "variable_name"
        and value is not None
        and expansion.start_byte >= value.start_byte
    )


def _command_words(command: Any, source: bytes) -> tuple[list[Any], list[str | None]]:
    nodes, words, _ = _words_and_prefixes(command, source)
    return nodes, words


def _words_and_prefixes(command: Any, source: bytes) -> tuple[list[Any], list[str | None], list[str]]:
    nodes = []
    name = command.child_by_field_name("name")
    if name is not None:
        nodes.append(name)
    redirect_starts = {r.start_byte for r in command.children_by_field_name("redirect")}
    for argument in command.children_by_field_name("argument"):
        if argument.end_byte in redirect_starts and _text(argument, source).isdigit():
            continue  # `bash 0<<<…`: bash reads the digits as the redirection's descriptor
        nodes.append(argument)
    return nodes, [_static_text(n, source) for n in nodes], [_prefix(n, source) for n in nodes]


def _prefix(node: Any, source: bytes) -> str:
    """A word's literal text before its first expansion: `-e` in `-e${x}`."""
    static = _static_text(node, source)
    if static is not None:
        return static
    if node.type == "concatenation" and node.children:
        head = _static_text(node.children[0], source)
        return head or ""
    return ""


def _static_text(node: Any, source: bytes) -> str | None:
    """A word's text when it holds no expansion: what the program receives."""
    kind = node.type
    if kind == "command_name" and node.named_child_count == 1:
        return _static_text(node.named_children[0], source)
    if kind in ("word", "number"):
        text = _text(node, source)
        return None if "$" in text or "`" in text else text.replace("\\", "")
    if kind == "raw_string":
        return _text(node, source)[1:-1]
    if kind == "string":
        if all(c.type in ('"', "string_content") for c in node.children):
            return "".join(_text(c, source) for c in node.children if c.type == "string_content")
        return None
    if kind == "concatenation":
        parts = [_static_text(c, source) for c in node.children]
        return None if any(p is None for p in parts) else "".join(p for p in parts if p is not None)
    return None


def _roles_of(command: Any, state: _State) -> tuple[list[Any], list[str | None], CommandRoles]:
    cached = state.commands.get(command.id)
    if cached is None:
        nodes, words, prefixes = _words_and_prefixes(command, state.source)
        templated = [VAR_PREFIX.encode() in state.source[n.start_byte : n.end_byte] for n in nodes]
        cached = state.commands[command.id] = (nodes, words, command_roles(words, prefixes, templated))
        _check_inner_script(nodes, words, cached[2], state)
    return cached


def _check_inner_script(nodes: list[Any], words: list[str | None], roles: CommandRoles, state: _State) -> None:
    """`bash -c 'echo $(( $1 + 1 ))' _ ${v}`: the script is literal, but $1 holds the value."""
    if not words or words[0] is None or program_name(words[0]) not in SHELL_NAMES:
        return
    script_at = next((i for i, r in enumerate(roles.roles) if r.kind == "program" and words[i] is not None), None)
    if script_at is None:
        return
    args_hold_values = any(n.type != "word" or "$" in _text(n, state.source) for n in nodes[script_at + 1 :])
    if not (args_hold_values or state.tainted):
        return
    script = words[script_at] or ""
    inner_source = script.encode("utf-8", "surrogatepass")
    tree = _parser().parse(inner_source)
    inner = _State(inner_source, tree.root_node, frozenset(), tainted={*POSITIONAL, *state.tainted})
    _check_tainted_variables(inner, set())
    program = words[0]
    for problem in inner.problems:
        message = f"inside {program} -c's script, {problem.message}"
        state.problems.append(ShellProblem(problem.ref, message, problem.hint))


def _check_command_word(command: Any, child: Any, ref: str, state: _State, crossed: bool) -> None:
    nodes, words, roles = _roles_of(command, state)
    index = next((i for i, n in enumerate(nodes) if n.id == child.id), None)
    if index is None:
        if child.type == "herestring_redirect":
            _check_feeds_program(roles, ref, state, "a here-string")
            if words == ["exec"]:  # exec 0<<<${v}: every later command reads it
                _check_region_reads_code(state.root, ref, state, "exec's standard input")
            if not crossed and words and words[0] == "read":
                for i, role in enumerate(roles.roles):
                    if role.kind == "evaluates" and words[i] is not None:
                        state.tainted.add(words[i] or "")
        return
    role = roles.roles[index]
    if role.kind == "script" and (child.type == "process_substitution" or role.program == "source"):
        message = f"{ref} is in the script that {role.program} runs"
        state.problems.append(ShellProblem(ref, message, hints.program_hint(role.program, ref)))
    elif role.kind == "command_name":
        state.problems.append(
            ShellProblem(ref, f"{ref} is the name of the program to run", hints.COMMAND_NAME.format(ref=ref))
        )
    elif role.kind == "program" and role.program == RUNTIME_PROGRAM:
        message = f"{ref} goes to a program chosen at run time, so planflow cannot tell how it is read"
        state.problems.append(ShellProblem(ref, message, hints.RUNTIME_PROGRAM.format(ref=ref)))
    elif role.kind == "program":
        message = f"{ref} is inside code that {role.program} runs"
        state.problems.append(ShellProblem(ref, message, hints.program_hint(role.program, ref)))
    elif role.kind == "format":
        message = f"{ref} is in {role.program}'s format, where % and \\ are directives"
        state.problems.append(ShellProblem(ref, message, hints.program_hint("printf", ref)))
    elif role.kind == "evaluates":
        message = f"{ref} is a variable name for {role.program}, which bash evaluates"
        state.problems.append(ShellProblem(ref, message, hints.EVALUATES.format(ref=ref)))


def _check_feeds_program(roles: CommandRoles, ref: str, state: _State, how: str, param: str = "command") -> None:
    if roles.stdin_program is not None:
        message = f"{ref} reaches {roles.stdin_program} through {how}, and {roles.stdin_program} runs it as code"
        hint = hints.STDIN_PROGRAM.format(program=roles.stdin_program)
        state.problems.append(ShellProblem(ref, message, hint, param))


def _check_region_reads_code(region: Any, ref: str, state: _State, how: str) -> None:
    """Every command in what receives the value on standard input (a body, a pipe's later
    stages, `>(…)`), however nested: none may read its code from there."""
    for node in _walk(region):
        if node.type == "command":
            _, words, roles = _roles_of(node, state)
            if words and words[0] is not None:
                _check_feeds_program(roles, ref, state, how)


def _check_redirects_feed_program(statement: Any, child: Any, ref: str, state: _State) -> None:
    body = statement.child_by_field_name("body")
    if child.type in ("heredoc_redirect", "herestring_redirect") and body is not None:
        receiver = body
        if body.type == "command" and _roles_of(body, state)[1] == ["exec"]:
            receiver = state.root  # exec <<EOF: every later command reads it
        _check_region_reads_code(receiver, ref, state, "a heredoc or here-string")
    if body is not None and child.id == body.id:
        _check_written_file_runs(statement, ref, state)
    if child.type == "heredoc_redirect":
        # `cat <<EOF | python3`: tree-sitter hangs the rest of the pipeline under the heredoc
        for pipeline in (c for c in child.named_children if c.type == "pipeline"):
            _check_region_reads_code(pipeline, ref, state, "a heredoc and a pipe")
    for redirect in statement.children_by_field_name("redirect"):
        for target in redirect.children_by_field_name("destination"):
            if target.type == "process_substitution":  # echo ${v} > >(bash)
                _check_region_reads_code(target, ref, state, "a process substitution")


def _check_written_file_runs(statement: Any, ref: str, state: _State) -> None:
    """`echo ${v} > s.sh; bash s.sh`: a file the value is written to must not be run."""
    written = set()
    for redirect in statement.children_by_field_name("redirect"):
        operator = next((c for c in redirect.children if not c.is_named), None)
        target = redirect.child_by_field_name("destination")
        if operator is None or target is None or _text(operator, state.source) not in (">", ">>", ">|", "&>", "&>>"):
            continue
        path = _static_text(target, state.source)
        if path is not None:
            written |= {path, path.removeprefix("./"), "./" + path.removeprefix("./")}
    if not written:
        return
    for node in _walk(state.root):
        if node.type != "command":
            continue
        _, words, roles = _roles_of(node, state)
        for word, role in zip(words, roles.roles, strict=True):
            if word in written and role.kind in ("script", "command_name", "program"):
                message = f"{ref} is written to {word}, which the command then runs"
                state.problems.append(ShellProblem(ref, message, hints.STDIN_PROGRAM.format(program=word)))


def _check_input_from_substitution(redirect: Any, ref: str, state: _State) -> None:
    """`bash < <(echo ${v})`: what the substitution prints is the command's standard input."""
    operator = next((c for c in redirect.children if not c.is_named), None)
    if operator is None or _text(operator, state.source) != "<":
        return
    owner = redirect.parent
    if owner is not None and owner.type == "redirected_statement":
        owner = owner.child_by_field_name("body")
    if owner is not None:
        _check_region_reads_code(owner, ref, state, "an input redirection")


def _check_redirect(redirect: Any, child: Any, ref: str, state: _State) -> None:
    operator = next((c for c in redirect.children if not c.is_named), None)
    op = _text(operator, state.source) if operator is not None else ""
    if op in (">&", "<&"):
        # bash re-expands the word after `>&` when it is not a number: a second expansion runs $( )
        message = f"{ref} is the target of {op}, which bash expands twice"
        state.problems.append(ShellProblem(ref, message, hints.DUPLICATING_REDIRECT.format(ref=ref)))
    destinations = redirect.children_by_field_name("destination")
    if len(destinations) > 1 and destinations[0].id != child.id:
        # `cmd > out ${x}`: bash gives ${x} to cmd as an argument, tree-sitter to the redirection
        message = f"{ref} follows a redirection's target"
        state.problems.append(ShellProblem(ref, message, hints.AFTER_REDIRECT.format(ref=ref)))


def _check_pipe_feeds_program(pipeline: Any, child: Any, ref: str, state: _State) -> None:
    """`echo ${x} | bash`: what an earlier stage prints, a later one may run."""
    later = False
    for stage in pipeline.named_children:
        if stage.id == child.id:
            later = True
            continue
        if later:
            _check_region_reads_code(stage, ref, state, "a pipe")


def _declares_attributes(node: Any, source: bytes) -> bool:
    """`declare -i n`, `local -n ref`: assigning to such names evaluates the value."""
    if node.type != "declaration_command":
        return False
    for child in node.children:
        if child.type == "word":
            word = _text(child, source)
            if word.startswith(("-", "+")) and set(word[1:]) & set("inaA"):
                return True
    return False


def _taint_readers(state: _State) -> None:
    """Variables filled from input the command reads (read, mapfile, printf -v) may hold a value:
    a here-string, a pipe or the stdin param can carry one into them, so they are followed too."""
    for node in _walk(state.root):
        if node.type != "command":
            continue
        _, words, roles = _roles_of(node, state)
        if words and words[0] in ("read", "mapfile", "readarray", "printf", "getopts", "wait"):
            state.tainted.update(w for w, r in zip(words, roles.roles, strict=True) if r.kind == "evaluates" and w)
        if (node.parent is not None and node.parent.type == "function_definition") or words[:1] == ["set"]:
            state.tainted.update(POSITIONAL)
    if any(n.type == "function_definition" for n in _walk(state.root)):
        state.tainted.update(POSITIONAL)  # f() { echo $(( $1 + 1 )); }; f ${v}


_ARITHMETIC_PARENTS = {
    "binary_expression",
    "unary_expression",
    "postfix_expression",
    "parenthesized_expression",
    "arithmetic_expansion",
    "compound_statement",
    "c_style_for_statement",
    "subscript",
}


def _check_tainted_variables(state: _State, placeholders: set[str]) -> None:
    """Shell variables holding a value: followed through assignments, then placed like templates."""
    if not state.tainted and not placeholders:
        return
    source = state.source
    nodes = list(_walk(state.root))
    changed = True
    while changed:  # x=${v}; y=$x; z=$(echo "$y"): y and z hold the value too
        changed = False
        for node in nodes:
            if node.type != "variable_assignment":
                continue
            name = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            if name is None or value is None or name.type != "variable_name":
                continue
            target = _text(name, source)
            if target not in state.tainted and _uses_tainted(value, state, source):
                state.tainted.add(target)
                changed = True
    for node in nodes:
        evaluated = _evaluating_expansion_of(node, state)
        if evaluated is not None:
            ref = f"${evaluated}"
            message = f"{ref} holds a template value and bash evaluates it inside ${{…}}"
            state.problems.append(ShellProblem(ref, message, hints.EVALUATES.format(ref=ref)))
            continue
        name = _expanded_name(node, source)
        if name is None:
            continue
        if name in placeholders or name not in state.tainted:
            continue
        ref = f"${name}"
        placement = _place(node, ref, state, None)
        if placement == "bare" and not _is_assignment_value(node) and not _unsplit_place(node):
            message = f"{ref} holds a template value and is used unquoted"
            state.problems.append(ShellProblem(ref, message, hints.UNQUOTED_VARIABLE.format(name=name)))
    for node in nodes:  # bare names in arithmetic: (( n > 3 )), a[n]: bash evaluates n's value
        if node.type in ("variable_name", "word") and _text(node, source) in state.tainted:
            parent = node.parent
            if parent is None or parent.type not in _ARITHMETIC_PARENTS:
                continue
            if parent.type == "subscript" and parent.child_by_field_name("name") == node:
                continue
            if _inside_test(parent) and not _arithmetic_test(parent, source):
                continue
            ref = _text(node, source)
            message = f"{ref} holds a template value and stands in bash arithmetic"
            state.problems.append(ShellProblem(ref, message, hints.ARITHMETIC.format(ref="$" + ref)))


def _evaluating_expansion_of(node: Any, state: _State) -> str | None:
    """`${!x}`, `${x@P}`, `${s:0:x}`, `${a[x]}` with a tainted x: bash evaluates x's value."""
    if node.type != "expansion":
        return None
    source = state.source
    operators = [_text(c, source) for c in node.children_by_field_name("operator")]
    names = [
        c
        for c in _walk(node)
        if c.type in ("variable_name", "word")
        and (_text(c, source) in state.tainted or _text(c, source).startswith(VAR_PREFIX))
    ]
    if not names:
        return None
    evaluating = (
        "!" in operators[:1]
        or "P" in operators
        or ":" in operators
        or any(c.type == "subscript" for c in node.named_children)
    )
    first = _text(names[0], source)
    # `${f%.txt}`, `${x:-default}`, `${#x}` only cut or pick text; anything else may evaluate
    plain_ops = {"%", "%%", "#", "##", "/", "//", ":-", "-", ":+", "+", "^", "^^", ",", ",,", ":=", "="}
    if evaluating or any(op not in plain_ops for op in operators):
        return first
    return None


def _unsplit_place(node: Any) -> bool:
    """Inside [[ ]] or as a case subject bash neither splits nor globs an expansion."""
    parent = node.parent
    if parent is not None and parent.type == "case_statement" and parent.child_by_field_name("value") == node:
        return True
    return _inside_double_bracket(node)


def _inside_test(node: Any) -> bool:
    while node is not None and node.type in ("binary_expression", "unary_expression", "parenthesized_expression"):
        node = node.parent
    return node is not None and node.type == "test_command"


def _arithmetic_test(expression: Any, source: bytes) -> bool:
    """`[[ n -gt 3 ]]` evaluates n's value; `[ n -gt 3 ]` and `[[ n == x ]]` do not."""
    op = expression.child_by_field_name("operator")
    node = expression
    while node is not None and node.type != "test_command":
        node = node.parent
    opener = node.children[0].type if node is not None and node.children else ""
    return op is not None and opener == "[[" and _text(op, source) in ARITHMETIC_TEST_OPERATORS


def _inside_double_bracket(node: Any) -> bool:
    while node is not None and node.type not in ("test_command", "command", "command_substitution"):
        node = node.parent
    return node is not None and node.type == "test_command" and node.children[0].type == "[["


def _is_assignment_value(node: Any) -> bool:
    parent = node.parent
    return parent is not None and parent.type == "variable_assignment"


def _expanded_name(node: Any, source: bytes) -> str | None:
    if node.type not in ("simple_expansion", "expansion"):
        return None
    names = [c for c in node.named_children if c.type == "variable_name"]
    if len(names) != 1:
        return None
    return _text(names[0], source)


def _uses_tainted(value: Any, state: _State, source: bytes) -> bool:
    """Does a value hold a tainted variable, also through `$(…)` (`$(echo "$x" | tr -d ' ')`),
    except a count (`$(wc -l < "$f")` prints digits)?"""
    stack = [value]
    while stack:
        node = stack.pop()
        if node.type == "command_substitution" and _prints_a_count(node, source):
            continue
        name = _expanded_name(node, source)
        if name is not None and (name in state.tainted or name.startswith(VAR_PREFIX)):
            return True
        stack.extend(node.children)
    return False


def _check_stdin(state: _State) -> None:
    """A templated stdin param must not be the program a command reads from standard input, nor
    reach code through `$(cat)`."""
    label = "params.stdin"
    for node in _walk(state.root):
        if node.type == "command_substitution":
            before = len(state.problems)
            _place(node, label, state, None)
            state.problems[before:] = [
                ShellProblem(label, f"standard input may reach code: {p.message}", p.hint, "stdin")
                for p in state.problems[before:]
            ]
        if node.type != "command" or _has_own_stdin(node):
            continue
        _, words, roles = _roles_of(node, state)
        if words and words[0] is not None:
            _check_feeds_program(roles, label, state, "standard input", param="stdin")


def _has_own_stdin(command: Any) -> bool:
    parent = command.parent
    redirects = list(command.children_by_field_name("redirect"))
    if parent is not None and parent.type == "redirected_statement":
        redirects += parent.children_by_field_name("redirect")
    return any(r.type in ("heredoc_redirect", "herestring_redirect") or _reads_other_file(r) for r in redirects)


def _reads_other_file(redirect: Any) -> bool:
    """`< file` gives a command its own standard input; `< /dev/stdin` passes ours on."""
    if redirect.type != "file_redirect" or not redirect.children or redirect.children[0].type != "<":
        return False
    target = redirect.child_by_field_name("destination")
    return target is None or target.text.decode("utf-8", "replace") not in STDIN_PATHS


__all__ = ["ShellAnalysis", "ShellProblem", "analyze_command", "program_name"]
