"""Forms where tree-sitter-bash's tree differs in detail from bash's reading, checked against
real bash with hostile values: accepted, exact bytes, nothing run."""

from __future__ import annotations

import os
import subprocess

import pytest

from planflow.ir import parse_template
from planflow.ir.shell import analyze_command

HOSTILE = ["$(touch PWNED)", "`touch PWNED`", "a b\tc\n*", '\'"; touch PWNED; "']


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # the blank before `${` after an expansion belongs to the expansion node in tree-sitter
        ('printf %s "$X ${v}"', "x {v}"),
        ('printf %s "$X  ${v}|$X ${v}"', "x  {v}|x {v}"),
    ],
)
@pytest.mark.parametrize("value", HOSTILE)
def test_accepted_and_exact(tmp_path, command, expected, value):
    analysis = analyze_command(parse_template(command))
    assert not analysis.problems, analysis.problems
    env = {**os.environ, "X": "x", **{name: value for name, _ in analysis.variables}}
    out = subprocess.run(["bash", "-c", analysis.text], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert out.stdout == expected.replace("{v}", value)
    assert not (tmp_path / "PWNED").exists()
