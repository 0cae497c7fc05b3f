"""What one analysis shares: the source, the tree, the problems found, the variables that
hold values, and each command's word roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from planflow.ir.shell.roles import CommandRoles
from planflow.ir.shell.rules import command_roles
from planflow.ir.shell.syntax import may_split, walk, words_and_prefixes

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
class FedScript:
    """A shell's literal script whose standard input may carry a value (`bash -c 'cat' <<< ${v}`)."""

    shell: str
    script: str
    ref: str
    how: str
    param: str


@dataclass
class State:
    source: bytes
    root: Any
    integer_vars: frozenset[str]
    problems: list[ShellProblem] = field(default_factory=list)
    tainted: set[str] = field(default_factory=set)
    integers: set[str] = field(default_factory=set)
    attribute_declarations: bool = False
    commands: dict[int, tuple[list[Any], list[str | None], CommandRoles]] = field(default_factory=dict)
    fed_scripts: list[FedScript] = field(default_factory=list)
    regions: set[tuple[int, str]] = field(default_factory=set)  # (node, value) pairs checked as stdin
    _nodes: list[Any] | None = None
    _functions: dict[str, Any] | None = None
    _plain: str | None = None
    _by_type: dict[tuple[str, ...], list[Any]] = field(default_factory=dict)

    @property
    def nodes(self) -> list[Any]:
        """Every node of the tree in walk order, listed once: many checks scan the whole command."""
        if self._nodes is None:
            self._nodes = list(walk(self.root))
        return self._nodes

    @property
    def plain_text(self) -> str:
        """The command without quotes and backslashes: any spelling of a word holds its text."""
        if self._plain is None:
            self._plain = self.source.decode("utf-8", "replace").translate({34: None, 39: None, 92: None})
        return self._plain

    def nodes_of(self, types: tuple[str, ...]) -> list[Any]:
        """The nodes of these types, in walk order (listed once per set of types)."""
        found = self._by_type.get(types)
        if found is None:
            found = self._by_type[types] = [n for n in self.nodes if n.type in types]
        return found

    @property
    def functions(self) -> dict[str, Any]:
        """The body of each function the command defines, by name: a call runs it."""
        if self._functions is None:
            self._functions = {}
            if b"(" not in self.source and b"function" not in self.source:
                return self._functions  # `f() {…}` and `function f {…}`: none here
            for node in self.nodes:
                name = node.child_by_field_name("name") if node.type == "function_definition" else None
                body = node.child_by_field_name("body") if name is not None else None
                if name is not None and body is not None:
                    self._functions[self.source[name.start_byte : name.end_byte].decode("utf-8", "replace")] = body
        return self._functions


def roles_of(command: Any, state: State) -> tuple[list[Any], list[str | None], CommandRoles]:
    cached = state.commands.get(command.id)
    if cached is None:
        nodes, words, prefixes = words_and_prefixes(command, state.source)
        templated = [VAR_PREFIX.encode() in state.source[n.start_byte : n.end_byte] for n in nodes]
        source = state.source
        splits = [not t and w is None and may_split(n, source) for n, w, t in zip(nodes, words, templated, strict=True)]
        cached = state.commands[command.id] = (nodes, words, command_roles(words, prefixes, templated, splits))
    return cached
