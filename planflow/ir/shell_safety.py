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
from planflow.ir.shell_rules import RUNTIME_PROGRAM, CommandRoles, command_roles, program_name
from planflow.ir.templates import Ref, Template

VAR_PREFIX = "PLANFLOW_V"
ARITHMETIC_TEST_OPERATORS = {"-eq", "-ne", "-lt", "-le", "-gt", "-ge"}
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
    operator: str | None = None
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
        elif kind in ("binary_expression", "unary_expression") and operator is None:
            op = node.child_by_field_name("operator")
            operator = _text(op, source) if op is not None else None
        elif kind == "test_command":
            opener = node.children[0].type if node.children else ""
            if operator == "-v" or (opener == "[[" and operator in ARITHMETIC_TEST_OPERATORS):
                arithmetic = True
            operator = None
        elif kind == "declaration_command":
            keyword = node.children[0].type if node.children else "declare"
            message = f"{ref} is an argument of {keyword}, which evaluates array subscripts in it"
            problems.append(ShellProblem(ref, message, hints.EVALUATES.format(ref=ref)))
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
            _check_heredoc_feeds_program(node, child, ref, state)
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
        state.tainted.add(_text(name, state.source))
    if state.attribute_declarations:
        state.problems.append(ShellProblem(ref, f"{ref} is assigned to a variable", hints.DECLARED_ATTRIBUTES))


def _command_words(command: Any, source: bytes) -> tuple[list[Any], list[str | None]]:
    nodes = []
    name = command.child_by_field_name("name")
    if name is not None:
        nodes.append(name)
    nodes += command.children_by_field_name("argument")
    return nodes, [_static_text(n, source) for n in nodes]


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
        nodes, words = _command_words(command, state.source)
        cached = state.commands[command.id] = (nodes, words, command_roles(words))
    return cached


def _check_command_word(command: Any, child: Any, ref: str, state: _State, crossed: bool) -> None:
    nodes, words, roles = _roles_of(command, state)
    index = next((i for i, n in enumerate(nodes) if n.id == child.id), None)
    if index is None:
        if child.type == "herestring_redirect":
            _check_feeds_program(roles, ref, state, "a here-string")
            if not crossed and words and words[0] == "read":
                for i, role in enumerate(roles.roles):
                    if role.kind == "evaluates" and words[i] is not None:
                        state.tainted.add(words[i] or "")
        return
    role = roles.roles[index]
    if role.kind == "command_name":
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


def _check_heredoc_feeds_program(statement: Any, child: Any, ref: str, state: _State) -> None:
    if child.type != "heredoc_redirect" and child.type != "herestring_redirect":
        return
    body = statement.child_by_field_name("body")
    if body is not None and body.type == "command":
        _, words = _command_words(body, state.source)
        _check_feeds_program(command_roles(words), ref, state, "a heredoc")
    # `cat <<EOF | python3`: tree-sitter hangs the rest of the pipeline under the heredoc
    for pipeline in (c for c in child.named_children if c.type == "pipeline"):
        for stage in _walk(pipeline):
            if stage.type == "command":
                _, words = _command_words(stage, state.source)
                _check_feeds_program(command_roles(words), ref, state, "a heredoc and a pipe")


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
            body = stage.child_by_field_name("body") if stage.type == "redirected_statement" else stage
            if body is not None and body.type == "command":
                _, words = _command_words(body, state.source)
                _check_feeds_program(command_roles(words), ref, state, "a pipe")


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


def _check_tainted_variables(state: _State, placeholders: set[str]) -> None:
    """Shell variables holding a value: followed through assignments, then placed like templates."""
    if not state.tainted:
        return
    source = state.source
    nodes = list(_walk(state.root))
    changed = True
    while changed:  # x=${v}; y=$x: y holds the value too
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
        name = _expanded_name(node, source)
        if name is None or name in placeholders or name not in state.tainted:
            continue
        ref = f"${name}"
        placement = _place(node, ref, state, None)
        if placement == "bare" and not _is_assignment_value(node) and not _inside_double_bracket(node):
            message = f"{ref} holds a template value and is used unquoted"
            state.problems.append(ShellProblem(ref, message, hints.UNQUOTED_VARIABLE.format(name=name)))
    for node in nodes:  # bare names in arithmetic: (( n > 3 )) evaluates n's value
        if node.type in ("variable_name", "word") and _text(node, source) in state.tainted:
            parent = node.parent
            if parent is not None and parent.type in (
                "binary_expression",
                "unary_expression",
                "postfix_expression",
                "parenthesized_expression",
                "arithmetic_expansion",
                "compound_statement",
                "c_style_for_statement",
            ):
                if _inside_test(parent) and not _arithmetic_test(parent, source):
                    continue
                ref = _text(node, source)
                state.problems.append(
                    ShellProblem(
                        ref,
                        f"{ref} holds a template value and stands in bash arithmetic",
                        hints.ARITHMETIC.format(ref="$" + ref),
                    )
                )


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
    """Inside [[ ]] bash neither splits nor globs an expansion."""
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
    for node in _walk(value):
        if node.type in ("command_substitution", "process_substitution"):
            continue
        name = _expanded_name(node, source)
        if name is not None and (name in state.tainted or name.startswith(VAR_PREFIX)):
            return True
    return False


def _check_stdin(state: _State) -> None:
    """A templated stdin param must not be the program a command reads from standard input."""
    for node in _walk(state.root):
        if node.type != "command" or _has_own_stdin(node):
            continue
        _, words = _command_words(node, state.source)
        if words and words[0] is not None:
            roles = command_roles(words)
            _check_feeds_program(roles, "params.stdin", state, "standard input", param="stdin")


def _has_own_stdin(command: Any) -> bool:
    parent = command.parent
    redirects = list(command.children_by_field_name("redirect"))
    if parent is not None and parent.type == "redirected_statement":
        redirects += parent.children_by_field_name("redirect")
    return any(
        r.type in ("heredoc_redirect", "herestring_redirect")
        or (r.type == "file_redirect" and r.children and r.children[0].type == "<")
        for r in redirects
    )


__all__ = ["ShellAnalysis", "ShellProblem", "analyze_command", "program_name"]
