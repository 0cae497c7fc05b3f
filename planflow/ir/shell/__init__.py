"""Where template values stand in a bash command, decided on bash's syntax tree.

`analyze_command` is the one entry point (see `analysis`); the validator reports its problems and
the runtime binds its text. The modules, each with one job:

- `syntax`: the tree-sitter-bash parse, a word's literal text, where the parser disagrees with bash
- `roles`, `rules`, `interpreters`, `builtins`: what each word of a command is to the program that
  receives it (data, code, a name bash evaluates)
- `placement`: one expansion's context, from the expansion up to the root
- `taint`: shell variables that hold a value, followed through assignments
- `hints`: the safe form to write instead
"""

from planflow.ir.shell.analysis import ShellAnalysis, analyze_command, clear_cache
from planflow.ir.shell.state import VAR_PREFIX, ShellProblem

__all__ = ["VAR_PREFIX", "ShellAnalysis", "ShellProblem", "analyze_command", "clear_cache"]
