"""Template values never execute as shell code and arrive as one argument with exact bytes."""

from __future__ import annotations

import pytest

from planflow.ir import parse_template
from planflow.runtime.shell_binding import bind
from tests.runtime.helpers import run_doc, workflow

HOSTILE = [
    "a; touch PWNED",
    "$(touch PWNED)",
    "`touch PWNED`",
    "' \" \\",
    "line1\nline2; touch PWNED",
    "-rf",
    "--help",
    "  spaces  around  ",
    "unicode: héllo 日本 🚀",
    "",
    "*",
    "$HOME ${HOME} $$",
    "a'b\"c`d$(e)f",
    "&& touch PWNED || true |",
]

# Each command prints every argument it received, NUL-separated, so we can count and compare.
CONTEXTS = {
    "bare": "printf '%s\\0' ${v}",
    "double_quoted": "printf '%s\\0' \"${v}\"",
    "single_quoted": "printf '%s\\0' '${v}'",
    "embedded": "printf '%s\\0' pre${v}post",
    "double_embedded": "printf '%s\\0' \"pre ${v} post\"",
}
EXPECTED = {
    "bare": "{v}",
    "double_quoted": "{v}",
    "single_quoted": "{v}",
    "embedded": "pre{v}post",
    "double_embedded": "pre {v} post",
}


@pytest.mark.parametrize("context", sorted(CONTEXTS))
def test_hostile_values_arrive_as_one_exact_argument(tmp_path, context):
    # values arrive as data (an input's default), as a file name or a model's answer would
    doc = workflow(
        {
            "id": "s",
            "type": "shell",
            "params": {"command": CONTEXTS[context]},
            "batch": {"items": "${values}", "as": "v", "parallel": True},
        },
        inputs={"values": {"type": "array", "default": HOSTILE}},
    )
    out = run_doc(doc, cwd=tmp_path)
    assert out.status == "ok", out.error
    for value, result in zip(HOSTILE, out.nodes["s"]["results"], strict=True):
        args = result["stdout"].split("\0")[:-1]
        assert args == [EXPECTED[context].format(v=value)], (context, value)
    assert not (tmp_path / "PWNED").exists()
    assert list(tmp_path.iterdir()) == []


def test_values_from_node_outputs_and_inputs_are_data_too(tmp_path):
    doc = workflow(
        {"id": "a", "type": "shell", "params": {"command": "echo '$(touch PWNED)'"}},
        {"id": "b", "type": "shell", "params": {"command": "echo ${a.lines[0]} ${name}"}},
        inputs={"name": {"type": "string", "default": "x; touch PWNED2"}},
    )
    out = run_doc(doc, cwd=tmp_path)
    assert out.nodes["b"]["stdout"] == "$(touch PWNED) x; touch PWNED2\n"
    assert list(tmp_path.iterdir()) == []


def test_non_string_values_arrive_as_json():
    doc = workflow(
        {
            "id": "s",
            "type": "shell",
            "params": {"command": "printf '%s' ${v}"},
            "batch": {"items": [{"a": [1, 2]}, 5, None], "as": "v"},
        }
    )
    results = run_doc(doc).nodes["s"]["results"]
    assert [r["stdout"] for r in results] == ['{"a": [1, 2]}', "5", "null"]


def test_escaped_template_and_shell_variables_stay_shell():
    doc = workflow({"id": "s", "type": "shell", "params": {"command": "X=1; echo $X $${X}"}})
    assert run_doc(doc).nodes["s"]["stdout"] == "1 1\n"


def test_binding_is_quote_aware():
    bound = bind(parse_template("cat ${a} \"${a}\" '${b}' \\'${a}"))
    assert bound.text == ('cat "${PLANFLOW_V0}" "${PLANFLOW_V0}" \'\'"${PLANFLOW_V1}"\'\' \\\'"${PLANFLOW_V0}"')
    assert [name for name, _ in bound.variables] == ["PLANFLOW_V0", "PLANFLOW_V1"]
