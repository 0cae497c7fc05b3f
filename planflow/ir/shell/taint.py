"""Shell variables that hold a value (`f=${file}`, `for f in ${files}`, `read x`, the env
param's names, a function's `$1`): followed through assignments, then placed like templates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from planflow.ir.shell import hints
from planflow.ir.shell.interpreters import SHELL_NAMES
from planflow.ir.shell.placement import place, prints_a_count, shell_texts
from planflow.ir.shell.roles import CommandRoles
from planflow.ir.shell.state import ARITHMETIC_TEST_OPERATORS, POSITIONAL, VAR_PREFIX, ShellProblem, State, roles_of
from planflow.ir.shell.syntax import node_text, parser, walk


def taint_readers(state: State) -> None:
    """Variables filled from input the command reads (read, mapfile, printf -v) may hold a value:
    a here-string, a pipe or the stdin param can carry one into them, so they are followed too."""
    for node in state.nodes:
        if node.type != "command":
            continue
        _, words, roles = roles_of(node, state)
        if words and words[0] in ("read", "mapfile", "readarray", "printf", "getopts", "wait"):
            state.tainted.update(w for w, r in zip(words, roles.roles, strict=True) if r.kind == "evaluates" and w)
        if (node.parent is not None and node.parent.type == "function_definition") or words[:1] == ["set"]:
            state.tainted.update(POSITIONAL)
    if any(n.type == "function_definition" for n in state.nodes):
        state.tainted.update(POSITIONAL)  # f() { echo $(( $1 + 1 )); }; f ${v}


def taint_captured_output(state: State) -> None:
    """With the value on standard input, what a command prints may be the value: `x=$(cat)`
    holds it (a count such as `$(wc -l)` does not)."""
    source = state.source
    for target, value in _assignments(state):
        if any(n.type == "command_substitution" and not prints_a_count(n, source) for n in walk(value)):
            state.tainted.add(target)


def _assignments(state: State) -> Iterator[tuple[str, Any]]:
    """(name, value node) of each `name=value` in the command."""
    for node in state.nodes:
        if node.type != "variable_assignment":
            continue
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is not None and value is not None and name.type == "variable_name":
            yield node_text(name, state.source), value


def check_inner_scripts(state: State) -> None:
    """`bash -c 'echo $(( $1 + 1 ))' _ ${v}`, `x=${v}; eval 'eval "$x"'`, `trap 'eval "$x"' EXIT`:
    the code is literal, but a variable it expands ($1, x) holds the value."""
    if not any(name in state.source for name in _SHELL_TEXT_HINTS):
        return  # no shell, eval, trap, env, flock, su… can hold literal code here
    for command in state.nodes_of(("command",)):
        nodes, words, roles = roles_of(command, state)
        _check_inner_script(nodes, words, roles, state)


_SHELL_TEXT_HINTS = (b"sh", b"eval", b"trap", b"env", b"flock", b"su", b"runuser", b"script", b"sg", b"watch")


def _check_inner_script(nodes: list[Any], words: list[str | None], roles: CommandRoles, state: State) -> None:
    texts = shell_texts(words, roles)
    for program, script in texts.items():
        if script is None:
            continue
        tainted = set(state.tainted)
        if program in SHELL_NAMES:
            script_at = next(i for i, r in enumerate(roles.roles) if r.kind == "program" and r.program == program)
            args = nodes[script_at + 1 :]
            if tainted or any(n.type != "word" or "$" in node_text(n, state.source) for n in args):
                tainted |= POSITIONAL  # its $0, $1… are the words after the script
        if not tainted:
            continue
        inner_source = script.encode("utf-8", "surrogatepass")
        tree = parser().parse(inner_source)
        inner = State(inner_source, tree.root_node, frozenset(), tainted=tainted)
        check_tainted_variables(inner, set())
        check_inner_scripts(inner)  # bash -c 'bash -c "eval \"\$1\"" _ "$1"' _ ${v}
        for problem in inner.problems:
            message = f"inside {program}'s code, {problem.message}"
            state.problems.append(ShellProblem(problem.ref, message, problem.hint))


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


def check_tainted_variables(state: State, spans: set[int]) -> None:
    """Shell variables holding a value: followed through assignments, then placed like templates."""
    if not state.tainted and not spans:
        return
    source = state.source
    nodes = state.nodes
    changed = True
    while changed:  # x=${v}; y=$x; z=$(echo "$y"): y and z hold the value too
        changed = False
        for target, value in _assignments(state):
            if target not in state.tainted and _uses_tainted(value, state, source):
                state.tainted.add(target)
                changed = True
    name: str | None
    for node in nodes:
        evaluated = _evaluating_expansion_of(node, state)
        if evaluated is not None:
            ref = f"${evaluated}"
            message = f"{ref} holds a template value and bash evaluates it inside ${{…}}"
            state.problems.append(ShellProblem(ref, message, hints.EVALUATES.format(ref=ref)))
            continue
        if node.type == "expansion" and _indirect(node, source):  # ${!n}, ${!#}: a variable named at run time
            name = node_text(node, source)[2:-1]
        else:
            name = _expanded_name(node, source)
            if name is None:
                continue
            if node.start_byte in spans or (name not in state.tainted and not name.startswith(VAR_PREFIX)):
                continue  # a template is placed where it stands; `$PLANFLOW_V0` written out is the value too
        ref = f"${name}"
        placement = place(node, ref, state, None)
        if placement == "bare" and not _is_assignment_value(node) and not _unsplit_place(node):
            message = f"{ref} holds a template value and is used unquoted"
            state.problems.append(ShellProblem(ref, message, hints.UNQUOTED_VARIABLE.format(name=name)))
    for node in nodes:  # bare names in arithmetic: (( n > 3 )), a[n]: bash evaluates n's value
        if node.type in ("variable_name", "word") and node_text(node, source) in state.tainted:
            parent = node.parent
            if parent is None or parent.type not in _ARITHMETIC_PARENTS:
                continue
            if parent.type == "subscript" and parent.child_by_field_name("name") == node:
                continue
            if _inside_test(parent) and not _arithmetic_test(parent, source):
                continue
            ref = node_text(node, source)
            message = f"{ref} holds a template value and stands in bash arithmetic"
            state.problems.append(ShellProblem(ref, message, hints.ARITHMETIC.format(ref="$" + ref)))


def _evaluating_expansion_of(node: Any, state: State) -> str | None:
    """`${!x}`, `${x@P}`, `${s:0:x}`, `${a[x]}` with a tainted x: bash evaluates x's value."""
    if node.type != "expansion":
        return None
    source = state.source
    operators = [node_text(c, source) for c in node.children_by_field_name("operator")]
    names = [
        c
        for c in walk(node)
        if c.type in ("variable_name", "word")
        and (node_text(c, source) in state.tainted or node_text(c, source).startswith(VAR_PREFIX))
    ]
    if not names:
        return None
    evaluating = (
        "!" in operators[:1]
        or "P" in operators
        or ":" in operators
        or any(c.type == "subscript" for c in node.named_children)
    )
    first = node_text(names[0], source)
    # `${f%.txt}`, `${x:-default}`, `${#x}` only cut or pick text; anything else may evaluate
    plain_ops = {"%", "%%", "#", "##", "/", "//", ":-", "-", ":+", "+", "^", "^^", ",", ",,", ":=", "="}
    if evaluating or any(op not in plain_ops for op in operators):
        return first
    return None


def _indirect(node: Any, source: bytes) -> bool:
    """`${!n}`, `${!a[0]}`, `${!#}` expand the variable a value names; `${!pre*}` and `${!a[@]}`
    list names and keys."""
    children = node.children
    if node.type != "expansion" or len(children) < 4 or children[1].type != "!":
        return False
    if children[3].type in ("*", "@"):
        return False
    target = children[2]
    return not (target.type == "subscript" and node_text(target, source).endswith(("[@]", "[*]")))


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
    return op is not None and opener == "[[" and node_text(op, source) in ARITHMETIC_TEST_OPERATORS


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
    names = [c for c in node.named_children if c.type in ("variable_name", "special_variable_name")]  # $x, $@, $_
    if len(names) != 1:
        return None
    return node_text(names[0], source)


def _uses_tainted(value: Any, state: State, source: bytes) -> bool:
    """Does a value hold a tainted variable, also through `$(…)` (`$(echo "$x" | tr -d ' ')`),
    except a count (`$(wc -l < "$f")` prints digits)?"""
    stack = [value]
    while stack:
        node = stack.pop()
        if node.type == "command_substitution" and prints_a_count(node, source):
            continue
        name = _expanded_name(node, source)
        if name is not None and (name in state.tainted or name.startswith(VAR_PREFIX)):
            return True
        stack.extend(node.children)
    return False
