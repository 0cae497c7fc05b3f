"""Template values in shell commands travel as variables, never as command text.

`wc -w < ${file}` runs as `wc -w < "${PLANFLOW_V0}"` with PLANFLOW_V0 set to the file name, so
`a; touch PWNED` is one argument, not two commands. Where each template may stand, and how its
reference is quoted, is decided on bash's syntax tree (planflow.ir.shell); a command with
a template in an unsafe place is refused before anything runs.

A value too big for the environment (Linux caps one variable at 128 KiB, all of them at about
2 MiB) reaches bash through a private file instead: a short prelude reads it into the same
variable, unexported, so the command sees the same one word with the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from planflow.ir.shell import VAR_PREFIX, ShellAnalysis, analyze_command
from planflow.ir.templates import Ref, Template, to_text
from planflow.runtime.errors import TemplateFailure

__all__ = ["VAR_PREFIX", "BoundCommand", "ShellCommand", "UnsafeCommand", "bind"]

# Values above this travel by file; below it the environment is faster and simpler.
ENV_VALUE_LIMIT = 64 * 1024
ENV_TOTAL_LIMIT = 512 * 1024


class UnsafeCommand(ValueError):
    """A command places a template where bash or another program would run it as code."""

    def __init__(self, analysis: ShellAnalysis) -> None:
        self.problems = analysis.problems
        super().__init__("; ".join(f"{p.message} (hint: {p.hint})" for p in analysis.problems))


@dataclass(frozen=True)
class ShellCommand:
    """A command line, the environment variables carrying its values, and values sent by file."""

    text: str
    env: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)  # variable -> value, read by the prelude

    @property
    def script(self) -> str:
        """The text bash runs: for each value sent by file (its path in NAME_FILE), a prelude
        that reads it whole (trailing newlines too) into NAME, then the command."""
        if not self.files:
            return self.text
        prelude = "".join(
            f'{{ IFS= read -r -d "" {name} || :; }} < "${{{name}_FILE}}"; unset {name}_FILE\n' for name in self.files
        )
        return prelude + self.text


@dataclass(frozen=True)
class BoundCommand:
    """A command with its templates replaced by variable references, ready for many items."""

    text: str
    variables: tuple[tuple[str, Ref], ...]
    integers: frozenset[str] = frozenset()

    def resolve(self, lookup: Callable[[Ref], Any]) -> ShellCommand:
        env: dict[str, str] = {}
        for name, ref in self.variables:
            value = lookup(ref)
            if name in self.integers and (not isinstance(value, int) or isinstance(value, bool)):
                raise TemplateFailure(
                    f"{ref.text} stands in bash arithmetic, so it must be an integer; got {to_text(value)[:80]!r}"
                )
            env[name] = to_text(value)
        if "\0" in "".join(env.values()):
            raise TemplateFailure("a value holds a NUL character, which no shell variable can carry")
        files: dict[str, str] = {}
        sizes = {
            name: len(value.encode("utf-8", "surrogateescape")) for name, value in env.items()
        }  # the kernel counts bytes
        total = sum(sizes.values())
        for name in sorted(env, key=lambda n: -sizes[n]):
            if sizes[name] > ENV_VALUE_LIMIT or total > ENV_TOTAL_LIMIT:
                total -= sizes[name]
                files[name] = env.pop(name)
        return ShellCommand(self.text, env, files)


def bind(
    template: Template,
    integer_ok: Callable[[Ref], bool] = lambda ref: False,
    env_names: Iterable[str] = (),
    stdin_templated: bool = False,
) -> BoundCommand:
    """Bind a command's templates, or raise UnsafeCommand naming each unsafe place."""
    return bind_analysis(analyze_command(template, integer_ok, env_names, stdin_templated))


def bind_analysis(analysis: ShellAnalysis) -> BoundCommand:
    if analysis.problems:
        raise UnsafeCommand(analysis)
    return BoundCommand(analysis.text, analysis.variables, analysis.integers)
