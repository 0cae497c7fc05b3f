"""Random bash built from fragments: whatever the analysis accepts, real bash runs without
running a value as code. (This found `>&` expanding its word twice, tree-sitter giving a word
after `> out` to the redirection where bash gives it to the command, and `bash -c bash -c cat
<<< ${v}` passing the here-string on to a shell.)

CI runs a fixed set of examples (derandomized), so a run fails only when a change lets one of
them through, never on a new random draw. Explore at random with
`PLANFLOW_FUZZ_RANDOM=1 PLANFLOW_FUZZ_EXAMPLES=20000`; add what it finds to the bypass tests.
"""

from __future__ import annotations

import contextlib
import os
import subprocess

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planflow.ir import TemplateSyntaxError, parse_template
from planflow.ir.shell import analyze_command

FRAGMENTS = [
    *"\"'`;|&<>()[]{}#!*?~=:-+\\$\n",
    *("echo", "printf '%s\\0'", "cat <<<", "$(", "((", "))", "$((", "[[", "]]", "&&", "||", "|&", "&>", ";;", "=~"),
    *("bash -c", "sh", "-c", "eval", "awk", "sed", "python3 -c", "let", "declare", "local", "export", "read", "test"),
    *("-v", "-gt", "x=", "$x", '"$x"', "<<EOF\n", "\nEOF\n", "for x in", "do", "done", "case", "in", "esac", "if"),
    *("then", "fi", "while", "true", "f()", "exec", "command", "builtin", "source", "coproc", "time", "env", "xargs"),
    *("trap", "a[", "$'", '$"', "{a,b}", "@(", "2>&1", ">&", "1", "${v}", "${v}", "${v}"),
    # where standard input, or a file, carries the value on to code
    *("bash", "sh -s", "cat |", "<<<", "read x", 'eval "$x"', "$(cat)", "<(", ">(", "tee", "/dev/stdin", "f", "> f"),
    *("< f", "{", "}", "; }", "mapfile -C", "env -S", "-s"),
]
VALUES = [
    "$(touch PWNED)",
    "`touch PWNED`",
    "a;touch PWNED",
    "a[$(touch PWNED)]",
    "x\ntouch PWNED",
    "'\"$(touch PWNED)\"'",
]
EXAMPLES = int(os.environ.get("PLANFLOW_FUZZ_EXAMPLES", "300"))
RANDOM = os.environ.get("PLANFLOW_FUZZ_RANDOM") == "1"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None if not RANDOM else settings.default.database,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    parts=st.lists(st.sampled_from(FRAGMENTS), min_size=2, max_size=9),
    joiner=st.sampled_from([" ", ""]),
    stdin=st.booleans(),
)
def test_accepted_random_commands_never_run_a_value(tmp_path_factory, parts, joiner, stdin):
    command = joiner.join([*parts, "${v}"] if "${v}" not in parts else parts)
    try:
        analysis = analyze_command(parse_template(command), stdin_templated=stdin)
    except TemplateSyntaxError:
        return
    if analysis.problems:
        return
    for value in VALUES:
        folder = tmp_path_factory.mktemp("fuzz")
        env = dict(os.environ, **{name: value for name, _ in analysis.variables})
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(
                ["bash", "-c", analysis.text],
                env=env,
                cwd=folder,
                input=value.encode() if stdin else b"",
                capture_output=True,
                timeout=2,
            )
        assert not (folder / "PWNED").exists(), (command, stdin, analysis.text, value)
