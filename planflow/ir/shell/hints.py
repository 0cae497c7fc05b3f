"""What to write instead: the safe form for each place a value cannot stand in a command."""

from __future__ import annotations

_PROGRAM_HINTS = {
    "bash": "pass the value as an argument after the script: bash -c '… \"$1\" …' _ {ref}",
    "eval": "do not build code from values; run the command directly with {ref} as one of its arguments",
    "trap": "do not build code from values; put the handler in a function and pass {ref} as its argument",
    "awk": "pass it as an awk variable: awk -v x={ref} '… x …' (awk expands backslashes in -v values; for "
    'exact bytes put it in the env param and read ENVIRON["X"])',
    "sed": "sed scripts can run commands (the e flag); use awk -v x={ref} '…', or python3 -c '…sys.argv[1]…' {ref}",
    "python3": "pass it as an argument: python3 -c '…sys.argv[1]…' {ref}",
    "perl": "pass it as an argument: perl -e '…$ARGV[0]…' {ref}",
    "ruby": "pass it as an argument: ruby -e '…ARGV[0]…' {ref}",
    "node": "pass it as an argument: node -e '…process.argv[1]…' {ref}",
    "php": "pass it as an argument: php -r '…$argv[1]…' {ref}",
    "jq": "pass it as a jq variable: jq --arg x {ref} '… $x …'",
    "sqlite3": 'SQL text cannot carry values safely; use python3 -c \'import sqlite3,sys; …execute("… ?", '
    "(sys.argv[1],))' {ref}",
    "parallel": "pass values to parallel after ::: (parallel 'cmd {{}}' ::: {ref}), never inside its command",
    "watch": "put the command in a script file and pass {ref} to it as an argument",
    "make": "make pastes variables into its recipes' shell commands; write the value to a file (write_file) and "
    "have the recipe read it as data (a command's argument or standard input)",
    "ssh": "the remote shell runs these words as code; pass data on standard input (the stdin param)",
    "printf": "keep the format literal and pass the value as an argument: printf '%s\\n' {ref}",
}
_FAMILIES = {
    "sh": "bash",
    "dash": "bash",
    "zsh": "bash",
    "ksh": "bash",
    "mksh": "bash",
    "ash": "bash",
    "fish": "bash",
    "csh": "bash",
    "tcsh": "bash",
    "rbash": "bash",
    "yash": "bash",
    "gawk": "awk",
    "mawk": "awk",
    "nawk": "awk",
    "gojq": "jq",
    "jaq": "jq",
    "yq": "jq",
    "duckdb": "sqlite3",
    "mysql": "sqlite3",
    "mariadb": "sqlite3",
    "psql": "sqlite3",
    "su": "bash",
    "script": "bash",
    "env": "bash",
    "flock": "bash",
    "bun": "node",
    "deno": "node",
    "pwsh": "bash",
}

ARITHMETIC = (
    "bash evaluates arithmetic text as code (a[$(cmd)] runs cmd); compare without arithmetic: "
    '[ {ref} -gt 3 ], or make the number an input with "type": "integer"'
)
EVALUATES = (
    "bash evaluates a variable name or array index as code here; use a plain assignment (name={ref}), "
    "the node's env param, or [ {ref} -gt 3 ] for comparisons"
)
COMMAND_NAME = (
    "a value cannot choose the program to run; name the program and pass {ref} as its argument "
    "(bash {ref} to run a script file)"
)
SINGLE_QUOTES = (
    "inside single quotes the value would be part of the quoted text, usually another program's code; "
    'for plain text use double quotes ("… {ref} …"); for a program pass it as a variable or argument: '
    "awk -v x={ref} '… x …', jq --arg x {ref} '… $x …', python3 -c '…sys.argv[1]…' {ref}"
)
ANSI_C = "write the value outside $'…', e.g. $'\\t'{ref}"
QUOTED_HEREDOC = (
    "a quoted heredoc (<<'EOF') keeps its text literal, usually a program's code; for text use <<EOF, "
    "for a program pass the value as an argument or through the env param"
)
BACKTICKS = "use $( … ) instead of backticks: $(cmd {ref})"
NESTED = 'use the value directly ({ref}), or assign it first: v={ref}; then "${{v:-default}}"'
UNPARSED = "write the command in plain bash so its structure is clear, or pass the value through the env or stdin param"
STDIN_PROGRAM = (
    "standard input is read as {program} code here; pass the value as an argument, or write it to a file "
    "first (write_file) and give the program the file"
)
CODE_RUNNER = (
    "{program}'s code here starts commands or evaluates text (system, exec, eval, a pipe to a command), so a "
    "value it reads could run; keep the value out of what it runs, or write it to a file (write_file) and have "
    "the code read the file as data"
)
UNQUOTED_VARIABLE = 'quote it: "${name}" (unquoted, bash splits the value into words and expands * ? [ ])'
DECLARED_ATTRIBUTES = (
    "this command gives variables attributes (declare -i/-n/-a): assigning a value to them evaluates it; "
    "drop the attribute or assign to a plain variable"
)


def program_hint(program: str, ref: str) -> str:
    family = _FAMILIES.get(program, program)
    template = _PROGRAM_HINTS.get(family)
    if template is None:
        return f"pass {ref} to {program} as a plain argument or on standard input, never inside its code"
    return template.format(ref=ref)


DUPLICATING_REDIRECT = "to send output to a file named by a value write > {ref} (and 2>&1 after it) or &> {ref}"
AFTER_REDIRECT = "put the redirection after the command's arguments: cmd {ref} > out"
RUNTIME_PROGRAM = "name the program literally (wc {ref}); to choose among a few, use case or if"
DANGEROUS_VARIABLE = "{name} decides what runs; set it to a literal value, and pass the value in a variable of your own"
