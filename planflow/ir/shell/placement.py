"""Placing one expansion: walk from it to the root, noting quoting, arithmetic, the command and
word it belongs to, and every way its value could reach code (pipes, heredocs, redirections)."""

from __future__ import annotations

import re
import shlex
from typing import Any

from planflow.ir.shell import hints
from planflow.ir.shell.interpreters import JQS, SHELLS, runs_code
from planflow.ir.shell.roles import RUNTIME_PROGRAM, CommandRoles, is_option, program_name
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
    if index is None and child.type == "variable_assignment":
        _check_code_runner(words, roles, ref, state, "in its environment")  # X=${v} awk '…ENVIRON…'
    if index is None:
        if child.type == "herestring_redirect":
            check_region_reads_code(command, ref, state, "a here-string")
            if words == ["exec"]:  # exec 0<<<${v}: every later command reads it
                check_region_reads_code(state.root, ref, state, "exec's standard input")
            if not crossed and words and words[0] == "read":
                for i, role in enumerate(roles.roles):
                    if role.kind == "evaluates" and words[i] is not None:
                        state.tainted.add(words[i] or "")
        return
    role = roles.roles[index]
    env_like = index and role.kind == "data" and words[0] in ("env", "sudo", "doas")
    assigned = re.match(r"([A-Za-z_]\w*)=", (roles.prefixes or [""] * len(words))[index]) if env_like else None
    if assigned is not None:
        state.tainted.add(assigned.group(1))  # env X=${v} bash -c 'eval "$X"': X holds the value
        _check_code_runner(words, roles, ref, state, "in its environment")
    elif role.kind == "data":
        _check_code_runner(words, roles, ref, state, "as an argument")
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


# Programs whose code words are shell text (the -c script, eval's words, env -S, flock -c…): a
# literal one is analysed as a command whose standard input holds the value.
SHELL_TEXT = frozenset({*SHELLS, "eval", "trap", "env", "flock", "su", "runuser", "script", "sg", "ssh", "watch"})


def shell_texts(words: list[str | None], roles: CommandRoles) -> dict[str, str | None]:
    """Each shell-text program of a command and its code: a shell's script, eval's words joined
    as eval joins them; None when a word of it is built at run time."""
    texts: dict[str, str | None] = {}
    for at, (word, role) in enumerate(zip(words, roles.roles, strict=True)):
        if role.kind != "program" or role.program not in SHELL_TEXT:
            continue
        word = word[role.code_at :] if word is not None else None
        if role.program == "env":  # env -S STRING ARGS… runs STRING's words, then ARGS
            if "env" not in texts:
                rest = " ".join(shlex.quote(w) if w is not None else "$_dynamic" for w in words[at + 1 :])
                texts["env"] = None if word is None else f"{word} {rest}".strip()
            continue
        if role.program in SHELLS and role.program in texts:
            if texts[role.program] is None or word is None:
                texts[role.program] = None  # `bash $opt …`: which word is the script is decided at run time
            continue
        if word is None:
            texts[role.program] = None
        elif role.program in texts:
            earlier = texts[role.program]
            texts[role.program] = None if earlier is None else f"{earlier} {word}"
        else:
            texts[role.program] = word
    return texts


def code_runner(words: list[str | None], roles: CommandRoles, environment: bool = False) -> str | None:
    """The interpreter whose literal code in this command starts commands or evaluates text
    (`python3 -c 'exec(input())'`, `awk '{ system($0) }'`, `sed e`), if any; with `environment`,
    also make, which pastes environment variables into its recipes' shell commands."""
    if environment and any(r.kind == "command_name" and w == "make" for w, r in zip(words, roles.roles, strict=True)):
        return "make"
    for word, role in zip(words, roles.roles, strict=True):
        if role.kind != "program" or word is None:
            continue
        code = word
        if role.program == "sed" and word.startswith("-"):
            if not word.startswith("--expression=") or "--sandbox" in words:
                continue
            code = word.split("=", 1)[1]
        elif role.program == "sed" and "--sandbox" in words:
            continue  # GNU sed refuses e, r and w in a sandbox
        elif role.program == "perl" and word.startswith("-"):
            flags = re.match(r"-[^eE]*[eE]", word)
            code = word[flags.end() :] if flags else ""
        if runs_code(program_name(role.program), code):
            return role.program
    return None


def _check_code_runner(words: list[str | None], roles: CommandRoles, ref: str, state: State, how: str) -> None:
    runner = code_runner(words, roles, environment=how == "in its environment")
    if runner is not None:
        message = f"{ref} reaches {runner} {how}, whose code starts commands or evaluates text it is given"
        state.problems.append(ShellProblem(ref, message, hints.CODE_RUNNER.format(program=runner, ref=ref)))


def check_feeds_program(
    words: list[str | None], roles: CommandRoles, ref: str, state: State, how: str, param: str = "command"
) -> None:
    """A command receives the value on standard input: it must not read its code there, nor run
    code it cannot show (a script built at run time, `exec(input())`). A literal shell script
    (`bash -c 'read x; eval "$x"'`, `eval 'cat | sh'`) passes its standard input on: the
    analysis reads it as if the stdin param held the value."""
    if not words:
        return
    runtime = False
    dynamic = None
    has_code = False
    for w, r in zip(words, roles.roles, strict=True):
        if r.kind == "command_name" and w is None:
            runtime = True
        elif r.kind == "program":
            has_code = True
            if w is None and dynamic is None and program_name(r.program) not in JQS:
                dynamic = r.program
    reader = RUNTIME_PROGRAM if runtime else roles.stdin_program
    if reader is not None:
        message = f"{ref} reaches {reader} through {how}, and {reader} runs it as code"
        hint = hints.STDIN_PROGRAM.format(program=reader)
        state.problems.append(ShellProblem(ref, message, hint, param))
        return
    if not has_code:
        return
    if dynamic is not None:
        message = f"{ref} reaches {dynamic} through {how}, and {dynamic}'s code is built at run time"
        state.problems.append(ShellProblem(ref, message, hints.STDIN_PROGRAM.format(program=dynamic), param))
        return
    runner = code_runner(words, roles)
    if runner is not None:
        message = f"{ref} reaches {runner} through {how}, whose code starts commands or evaluates what it reads"
        state.problems.append(ShellProblem(ref, message, hints.CODE_RUNNER.format(program=runner, ref=ref), param))
        return
    for program, script in shell_texts(words, roles).items():
        if script is not None:
            state.fed_scripts.append(FedScript(program, script, ref, how, param))


def check_region_reads_code(region: Any, ref: str, state: State, how: str) -> None:
    """Everything that receives the value on standard input (a command and its `>(…)`, a body,
    a pipe's later stages, a function it calls), however nested: no command may read its code
    from there, and what a `$(…)` inside prints may be the value (`eval "$(cat)"`)."""
    key = (region.id, ref)
    if key in state.regions:
        return
    state.regions.add(key)
    for node in walk(region):
        if node.type == "command":
            words = check_receiver(node, ref, state, how)
            # a function it calls, or bash's handler for a command it does not find, runs there
            for name in (words[0] if words else None, "command_not_found_handle"):
                body = state.functions.get(name or "")
                if body is not None:
                    check_region_reads_code(body, ref, state, f"{how} and a call of {name}")
        elif node.type in ("command_substitution", "process_substitution") and node.id != region.id:
            place(node, ref, state, None)


def check_receiver(command: Any, ref: str, state: State, how: str, param: str = "command") -> list[str | None]:
    """One command receives the value on standard input: it must not run it, nor copy it to a
    file that is then run (`tee s.sh`). Returns the command's words."""
    nodes, words, roles = roles_of(command, state)
    check_feeds_program(words, roles, ref, state, how, param)
    written = _files_written_by(nodes, words, state)
    if written:
        _check_file_runs(written, command, ref, state)
    return words


_WRITERS = {"tee", "sponge", "cp", "install", "mv", "dd"}


def _files_written_by(nodes: list[Any], words: list[str | None], state: State) -> set[str]:
    """Files a command copies its standard input to: `tee f`, `cp /dev/stdin f`, `dd of=f`."""
    if not words or words[0] is None or words[0].rsplit("/", 1)[-1] not in _WRITERS:
        return set()
    name = program_name(words[0])
    operands = [n for n, w in zip(nodes[1:], words[1:], strict=True) if not is_option(w)]
    if name in ("tee", "sponge"):
        return {_path_key(n, state.source) for n in operands}
    if name in ("cp", "install", "mv") and operands:
        return {_path_key(operands[-1], state.source)}
    if name == "dd":
        return {w[3:] for w in words[1:] if w is not None and w.startswith("of=")}
    return set()


def _check_redirects_feed_program(statement: Any, child: Any, ref: str, state: State) -> None:
    body = statement.child_by_field_name("body")
    if child.type in ("heredoc_redirect", "herestring_redirect") and body is not None:
        receiver = body
        if body.type == "command" and roles_of(body, state)[1] == ["exec"]:
            receiver = state.root  # exec <<EOF: every later command reads it
        check_region_reads_code(receiver, ref, state, "a heredoc or here-string")
    if body is not None and child.id == body.id:
        check_written_file_runs(statement, ref, state)
    if child.type == "heredoc_redirect":
        # `cat <<EOF | python3`: tree-sitter hangs the rest of the pipeline under the heredoc
        for pipeline in (c for c in child.named_children if c.type == "pipeline"):
            check_region_reads_code(pipeline, ref, state, "a heredoc and a pipe")
    for redirect in statement.children_by_field_name("redirect"):
        for target in redirect.children_by_field_name("destination"):
            if target.type == "process_substitution":  # echo ${v} > >(bash)
                check_region_reads_code(target, ref, state, "a process substitution")


def check_written_file_runs(statement: Any, ref: str, state: State) -> None:
    """`echo ${v} > s.sh; bash s.sh`: a file the value is written to must not be run, nor read
    into code (`bash < f`, `cat f | sh`, `eval "$(<f)"`)."""
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
        written.add(_path_key(target, state.source))
    if written:
        _check_file_runs(written, statement, ref, state)


def _path_key(node: Any, source: bytes) -> str:
    """A file as written, to find it again however it is named: `s.sh`, `./s.sh` and
    `"$PWD/s.sh"` share the name s.sh (a `cd` between makes any directory the same), `"$f"` and
    `${f}` the name $f."""
    path = static_text(node, source)
    if path is None:
        path = re.sub(r"\$\{(\w+)\}", r"$\1", node_text(node, source).replace('"', ""))
    return _file_name(path)


def _file_name(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1] or path


# Files a program runs without being told: make's makefile, cmake's lists.
_IMPLICIT_SCRIPTS = {"make": {"Makefile", "makefile", "GNUmakefile"}, "cmake": {"CMakeLists.txt"}}

_COPIERS = {"cp", "mv", "install", "ln", "rsync"}


def _check_file_runs(written: set[str], writer: Any, ref: str, state: State) -> None:
    """The value is in each file of `written`: no command may run one, and what reads one
    carries the value on (placed like the value itself)."""
    key = (writer.id, ref + "\0file")
    if key in state.regions:
        return
    state.regions.add(key)
    source = state.source
    plain = state.plain_text
    if not any(name.startswith("$") or plain.count(name) > 1 for name in written) and b"make" not in source:
        return  # no other word can name the file: however spelled, its quote-free text holds the name
    for node in state.nodes_of(("command", "file_redirect")):
        if node.type == "command":
            nodes, words, roles = roles_of(node, state)
            implicit = _IMPLICIT_SCRIPTS.get(program_name(words[0] or "")) if words else None
            if implicit is not None and implicit & written:  # echo ${v} > Makefile; make
                message = f"{ref} is written to {sorted(implicit & written)[0]}, which {words[0]} then runs"
                state.problems.append(ShellProblem(ref, message, hints.STDIN_PROGRAM.format(program=words[0])))
            for word_node, word, role in zip(nodes, words, roles.roles, strict=True):
                if (_file_name(word) if word is not None else _path_key(word_node, source)) not in written:
                    continue
                if role.kind in ("script", "command_name", "program"):
                    message = f"{ref} is written to {word or node_text(word_node, source)}, which the command then runs"
                    state.problems.append(ShellProblem(ref, message, hints.STDIN_PROGRAM.format(program=word)))
                elif program_name(words[0] or "") in _COPIERS and word_node.id != nodes[-1].id:
                    _check_file_runs({_path_key(nodes[-1], source)}, node, ref, state)  # cp f s.sh; bash s.sh
                elif word_node.start_byte >= writer.end_byte or word_node.end_byte <= writer.start_byte:
                    place(word_node, ref, state, None)  # cat f | bash, eval "$(cat f)"
        elif node.type == "file_redirect" and not (writer.start_byte <= node.start_byte < writer.end_byte):
            operator = next((c for c in node.children if not c.is_named), None)
            target = node.child_by_field_name("destination")
            if operator is None or target is None or node_text(operator, source) not in ("<", "<>"):
                continue
            if _path_key(target, source) not in written:
                continue
            owner = _input_owner(node, state)
            if owner is not None and owner.type != "command_substitution":
                check_region_reads_code(owner, ref, state, f"the file {_path_key(target, source)}")
            place(target, ref, state, None)  # x=$(<f)


def _input_owner(redirect: Any, state: State) -> Any:
    """What an input redirection feeds: its command, or with `exec < …` every later command."""
    owner = redirect.parent
    if owner is not None and owner.type == "redirected_statement":
        owner = owner.child_by_field_name("body")
    if owner is not None and owner.type == "command" and roles_of(owner, state)[1] == ["exec"]:
        return state.root
    return owner


def _check_input_from_substitution(redirect: Any, ref: str, state: State) -> None:
    """`bash < <(echo ${v})`: what the substitution prints is the command's standard input."""
    operator = next((c for c in redirect.children if not c.is_named), None)
    if operator is None or node_text(operator, state.source) != "<":
        return
    owner = _input_owner(redirect, state)
    if owner is not None:
        check_region_reads_code(owner, ref, state, "an input redirection")


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
            check_region_reads_code(stage, ref, state, "a pipe")


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
