"""Placing one expansion: walk from it to the root, noting quoting, arithmetic, the command and
word it belongs to, and every way its value could reach code (pipes, heredocs, redirections)."""

from __future__ import annotations

from typing import Any

from planflow.ir.shell import hints
from planflow.ir.shell.interpreters import SHELLS
from planflow.ir.shell.roles import RUNTIME_PROGRAM, CommandRoles
from planflow.ir.shell.state import (
    ARITHMETIC_TEST_OPERATORS,
    DANGEROUS_PREFIXES,
    DANGEROUS_VARIABLES,
    FedScript,
    Placement,
    ShellProblem,
    State,
    roles_of,
)
from planflow.ir.shell.syntax import node_text, static_text, walk, words_and_prefixes


def place_template(start: int, end: int, var: str, state: State) -> Placement:
    node = state.root.descendant_for_byte_range(start, end)
    expansion = node
    while expansion is not None and not (
        expansion.type == "expansion" and expansion.end_byte == end and _starts_at(expansion, start, state.source)
    ):
        expansion = expansion.parent
    ref = "${" + var + "}"
    if expansion is None:
        return _literal_container(node, ref, state)
    return place(expansion, ref, state, var)


def _starts_at(expansion: Any, start: int, source: bytes) -> bool:
    """In `"$x ${v}"` tree-sitter-bash gives the blank before `${` to the expansion's first token;
    bash reads it as text of the string, so an expansion starting with blanks starts at `${`."""
    return expansion.start_byte == start or (
        expansion.start_byte < start and not source[expansion.start_byte : start].strip(b" \t")
    )


def _literal_container(node: Any, ref: str, state: State) -> Placement:
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


def place(expansion: Any, ref: str, state: State, template_var: str | None) -> Placement:
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
            if kind == "command_substitution" and prints_a_count(node, state.source):
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
        elif kind == "array" and node_text(child, source).startswith("["):
            arithmetic = True  # a=([${i}]=x): the index is arithmetic
        elif kind == "file_redirect" and child.type == "process_substitution":
            _check_redirect(node, child, ref, state)
            _check_input_from_substitution(node, ref, state)
        elif kind == "variable_assignment" and not crossed_substitution:
            _note_assignment(node, child, ref, state)
        elif kind == "for_statement" and not crossed_substitution:
            variable = node.child_by_field_name("variable")
            if variable is not None and any(v.id == child.id for v in node.children_by_field_name("value")):
                state.tainted.add(node_text(variable, source))
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


def _note_assignment(assignment: Any, child: Any, ref: str, state: State) -> None:
    name = assignment.child_by_field_name("name")
    if name is None or child is name:
        return
    if name.type == "variable_name":
        target = node_text(name, state.source)
        state.tainted.add(target)
        if target in DANGEROUS_VARIABLES or target.startswith(DANGEROUS_PREFIXES):
            message = f"{ref} is assigned to {target}, which bash or the programs it starts run as code"
            state.problems.append(ShellProblem(ref, message, hints.DANGEROUS_VARIABLE.format(name=target)))
    if state.attribute_declarations:
        state.problems.append(ShellProblem(ref, f"{ref} is assigned to a variable", hints.DECLARED_ATTRIBUTES))


def prints_a_count(substitution: Any, source: bytes) -> bool:
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
    _, words, _ = words_and_prefixes(last, source)
    return bool(words) and words[0] == "wc" and all(w is not None and w.startswith("-") for w in words[1:])


def _evaluating_test(test: Any, source: bytes) -> bool:
    opener = test.children[0].type if test.children else ""
    for node in walk(test):
        if node.type == "test_operator":
            op = node_text(node, source)
            if op == "-v" or (opener == "[[" and op in ARITHMETIC_TEST_OPERATORS):
                return True
    return False


def _plain_declared_value(declaration: Any, child: Any, expansion: Any, source: bytes) -> bool:
    """`export X=${v}`, `local x=${v}`: bash evaluates only the name, unless -i/-n/-a/-A."""
    if child.type != "variable_assignment" or declares_attributes(declaration, source):
        return False
    name = child.child_by_field_name("name")
    value = child.child_by_field_name("value")
    return (
        name is not None
        and name.type == "variable_name"
        and value is not None
        and expansion.start_byte >= value.start_byte
    )


def _check_command_word(command: Any, child: Any, ref: str, state: State, crossed: bool) -> None:
    nodes, words, roles = roles_of(command, state)
    index = next((i for i, n in enumerate(nodes) if n.id == child.id), None)
    if index is None:
        if child.type == "herestring_redirect":
            check_feeds_program(words, roles, ref, state, "a here-string")
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


def check_feeds_program(
    words: list[str | None], roles: CommandRoles, ref: str, state: State, how: str, param: str = "command"
) -> None:
    """A command receives the value on standard input: it must not read its code there. A shell
    running a literal script (`bash -c 'read x; eval "$x"'`) passes its standard input on to
    that script, which the analysis then reads as if the stdin param held the value."""
    if not words:
        return
    reader = RUNTIME_PROGRAM if words[0] is None else roles.stdin_program
    if reader is not None:
        message = f"{ref} reaches {reader} through {how}, and {reader} runs it as code"
        hint = hints.STDIN_PROGRAM.format(program=reader)
        state.problems.append(ShellProblem(ref, message, hint, param))
        return
    for word, role in zip(words, roles.roles, strict=True):
        if role.kind == "program" and role.program in SHELLS and word is not None:
            state.fed_scripts.append(FedScript(role.program, word, ref, how, param))
            break


def _check_region_reads_code(region: Any, ref: str, state: State, how: str) -> None:
    """Every command in what receives the value on standard input (a body, a pipe's later
    stages, `>(…)`), however nested: none may read its code from there."""
    for node in walk(region):
        if node.type == "command":
            _, words, roles = roles_of(node, state)
            check_feeds_program(words, roles, ref, state, how)


def _check_redirects_feed_program(statement: Any, child: Any, ref: str, state: State) -> None:
    body = statement.child_by_field_name("body")
    if child.type in ("heredoc_redirect", "herestring_redirect") and body is not None:
        receiver = body
        if body.type == "command" and roles_of(body, state)[1] == ["exec"]:
            receiver = state.root  # exec <<EOF: every later command reads it
        _check_region_reads_code(receiver, ref, state, "a heredoc or here-string")
    if body is not None and child.id == body.id:
        check_written_file_runs(statement, ref, state)
    if child.type == "heredoc_redirect":
        # `cat <<EOF | python3`: tree-sitter hangs the rest of the pipeline under the heredoc
        for pipeline in (c for c in child.named_children if c.type == "pipeline"):
            _check_region_reads_code(pipeline, ref, state, "a heredoc and a pipe")
    for redirect in statement.children_by_field_name("redirect"):
        for target in redirect.children_by_field_name("destination"):
            if target.type == "process_substitution":  # echo ${v} > >(bash)
                _check_region_reads_code(target, ref, state, "a process substitution")


def check_written_file_runs(statement: Any, ref: str, state: State) -> None:
    """`echo ${v} > s.sh; bash s.sh`: a file the value is written to must not be run."""
    written = set()
    for redirect in statement.children_by_field_name("redirect"):
        operator = next((c for c in redirect.children if not c.is_named), None)
        target = redirect.child_by_field_name("destination")
        if (
            operator is None
            or target is None
            or node_text(operator, state.source) not in (">", ">>", ">|", "&>", "&>>")
        ):
            continue
        path = static_text(target, state.source)
        if path is not None:
            written |= {path, path.removeprefix("./"), "./" + path.removeprefix("./")}
    if not written:
        return
    for node in state.nodes:
        if node.type != "command":
            continue
        _, words, roles = roles_of(node, state)
        for word, role in zip(words, roles.roles, strict=True):
            if word in written and role.kind in ("script", "command_name", "program"):
                message = f"{ref} is written to {word}, which the command then runs"
                state.problems.append(ShellProblem(ref, message, hints.STDIN_PROGRAM.format(program=word)))


def _check_input_from_substitution(redirect: Any, ref: str, state: State) -> None:
    """`bash < <(echo ${v})`: what the substitution prints is the command's standard input."""
    operator = next((c for c in redirect.children if not c.is_named), None)
    if operator is None or node_text(operator, state.source) != "<":
        return
    owner = redirect.parent
    if owner is not None and owner.type == "redirected_statement":
        owner = owner.child_by_field_name("body")
    if owner is not None:
        _check_region_reads_code(owner, ref, state, "an input redirection")


def _check_redirect(redirect: Any, child: Any, ref: str, state: State) -> None:
    operator = next((c for c in redirect.children if not c.is_named), None)
    op = node_text(operator, state.source) if operator is not None else ""
    if op in (">&", "<&"):
        # bash re-expands the word after `>&` when it is not a number: a second expansion runs $( )
        message = f"{ref} is the target of {op}, which bash expands twice"
        state.problems.append(ShellProblem(ref, message, hints.DUPLICATING_REDIRECT.format(ref=ref)))
    destinations = redirect.children_by_field_name("destination")
    if len(destinations) > 1 and destinations[0].id != child.id:
        # `cmd > out ${x}`: bash gives ${x} to cmd as an argument, tree-sitter to the redirection
        message = f"{ref} follows a redirection's target"
        state.problems.append(ShellProblem(ref, message, hints.AFTER_REDIRECT.format(ref=ref)))


def _check_pipe_feeds_program(pipeline: Any, child: Any, ref: str, state: State) -> None:
    """`echo ${x} | bash`: what an earlier stage prints, a later one may run."""
    later = False
    for stage in pipeline.named_children:
        if stage.id == child.id:
            later = True
            continue
        if later:
            _check_region_reads_code(stage, ref, state, "a pipe")


def declares_attributes(node: Any, source: bytes) -> bool:
    """`declare -i n`, `local -n ref`: assigning to such names evaluates the value."""
    if node.type != "declaration_command":
        return False
    for child in node.children:
        if child.type == "word":
            word = node_text(child, source)
            if word.startswith(("-", "+")) and set(word[1:]) & set("inaA"):
                return True
    return False
