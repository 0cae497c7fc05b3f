"""Template values never execute as shell code: the hostile-value matrix.

Every context × every hostile value × every source (an input, a file name from list_files, a
file's content from read_file): either the validator refuses the plan naming node and param, or
the value arrives as exactly one word with its exact bytes. In no case does a marker file appear.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from planflow.ir import Workflow, parse_template, validate_document
from planflow.runtime.context import RunContext
from planflow.runtime.engine import run_workflow
from planflow.runtime.registry import default_registry
from planflow.runtime.shell_binding import ENV_VALUE_LIMIT, UnsafeCommand, bind
from tests.runtime.helpers import run_doc, workflow

MARKER = "PWNED"
HOSTILE = [
    f"a; touch {MARKER}",
    f"$(touch {MARKER})",
    f"`touch {MARKER}`",
    "' \" \\",
    f"line1\nline2; touch {MARKER}",
    "-rf",
    "--help",
    "  spaces  around  ",
    "unicode: héllo 日本 🚀",
    "*",
    "$HOME ${HOME} $$",
    f"a[$(touch {MARKER})]",
    f"x]; touch {MARKER}; [",
    f"&& touch {MARKER} || true |",
    f'"; touch {MARKER}; "',
    f"EOF\ntouch {MARKER}\nEOF",
    "%s%n%d \\x41",
    f"'$(touch {MARKER})'",
    "1 -o 1",
    "#",
    ")",
    "{a,b}",
]
FAILS = object()  # the item must fail cleanly (no such file…), with no marker


def _nul(value: str) -> str:
    return value + "\0"


def _no_file(source: str) -> Callable[[str], Any]:
    return lambda v: "1\n" if source == "file_name" else FAILS


# name -> (command, extra params, expected stdout for a value and a source)
SAFE: dict[str, tuple[str, dict[str, Any], Callable[[str, str], Any]]] = {
    "bare": ("printf '%s\\0' ${v}", {}, lambda v, s: _nul(v)),
    "double_quoted": ("printf '%s\\0' \"${v}\"", {}, lambda v, s: _nul(v)),
    "embedded": ("printf '%s\\0' pre${v}post", {}, lambda v, s: _nul(f"pre{v}post")),
    "double_embedded": ("printf '%s\\0' \"pre ${v} post\"", {}, lambda v, s: _nul(f"pre {v} post")),
    "substitution_in_double_quotes": (
        "printf '%s\\0' \"n=$(printf '%s\\n' ${v} | wc -l)\"",
        {},
        lambda v, s: _nul(f"n={v.count(chr(10)) + 1}"),
    ),
    "bare_substitution": ("printf '%s\\0' $(printf '%s' ${v} | wc -c)", {}, lambda v, s: _nul(str(len(v.encode())))),
    "nested_substitution": (
        "printf '%s\\0' \"$(printf '%s' \"$(printf '%s' ${v})\")\"",
        {},
        lambda v, s: _nul(v.rstrip("\n")),
    ),
    "after_apostrophe_comment": ("# the user's file\nprintf '%s\\0' ${v}", {}, lambda v, s: _nul(v)),
    "before_quote_comment": ("printf '%s\\0' ${v} # a \"quoted\" word", {}, lambda v, s: _nul(v)),
    "heredoc": ("cat <<EOF\n${v}\nEOF", {}, lambda v, s: v + "\n"),
    "heredoc_text": ('cat <<EOF\nHello "${v}"!\nEOF', {}, lambda v, s: f'Hello "{v}"!\n'),
    "herestring": ("cat <<< ${v}", {}, lambda v, s: v + "\n"),
    "assignment": ("x=${v}; printf '%s\\0' \"$x\"", {}, lambda v, s: _nul(v)),
    "for_loop": ("for x in ${v}; do printf '%s\\0' \"$x\"; done", {}, lambda v, s: _nul(v)),
    "case": ("case ${v} in *) printf '%s\\0' \"${v}\";; esac", {}, lambda v, s: _nul(v)),
    "test_string": ("[ ${v} = ${v} ] && printf ok", {}, lambda v, s: "ok"),
    "double_bracket": ('[[ ${v} == "${v}" ]] && printf ok', {}, lambda v, s: "ok"),
    "bash_argument": ('bash -c \'printf "%s\\0" "$1"\' _ ${v}', {}, lambda v, s: _nul(v)),
    "awk_environ": ('X=${v} awk \'BEGIN { printf "%s", ENVIRON["X"] }\'', {}, lambda v, s: v),
    "python_argv": ("python3 -c 'import sys; sys.stdout.write(sys.argv[1])' ${v}", {}, lambda v, s: v),
    "redirect_source": ("wc -c < ${v}", {}, lambda v, s: _no_file(s)(v)),
    "redirect_target": (
        'd=$(mktemp -d) && printf ok > "$d"/${v} && cat "$d"/${v}; s=$?; rm -rf "$d"; exit $s',
        {},
        lambda v, s: FAILS if s == "file_name" or v == "" else "ok",
    ),
    "exported_value": ("export X=${v}; printf '%s\\0' \"$X\"", {}, lambda v, s: _nul(v)),
    "env_param": ("printf '%s\\0' \"$X\"", {"env": {"X": "${v}"}}, lambda v, s: _nul(v)),
    "stdin_param": ("cat", {"stdin": "${v}"}, lambda v, s: v),
    "python_stdin": ("python3 -c 'import sys; sys.stdout.write(sys.stdin.read())' <<< ${v}", {}, lambda v, s: v + "\n"),
    "function_stdin": ("f() { cat; }; f <<< ${v}", {}, lambda v, s: v + "\n"),
    "shell_script_reads_lines": (
        'bash -c \'while IFS= read -r l; do printf "%s\\n" "$l"; done\' <<< ${v}',
        {},
        lambda v, s: v + "\n",
    ),
    "env_wrapper_environment": (
        "env X=${v} python3 -c 'import os, sys; sys.stdout.write(os.environ[\"X\"])'",
        {},
        lambda v, s: v,
    ),
    "file_round_trip": (
        'd=$(mktemp -d); printf %s ${v} > "$d/in"; cat "$d/in"; rm -r "$d"',
        {},
        lambda v, s: v,
    ),
}

# name -> (command, extra params, the param the validator must name)
REFUSED: dict[str, tuple[str, dict[str, Any], str]] = {
    "arithmetic_expansion": ("printf '%s' $(( ${v} + 1 ))", {}, "command"),
    "arithmetic_command": ("(( ${v} > 3 ))", {}, "command"),
    "double_bracket_gt": ("[[ ${v} -gt 0 ]]", {}, "command"),
    "let": ("let x=${v}", {}, "command"),
    "declare_integer": ("declare -i x=${v}", {}, "command"),
    "declare_name": ("declare ${v}=1", {}, "command"),
    "printf_v": ("printf -v ${v} x", {}, "command"),
    "test_v": ("[ -v ${v} ]", {}, "command"),
    "subscript": ("a[${v}]=1", {}, "command"),
    "bash_c": ('bash -c "printf %s ${v}"', {}, "command"),
    "sh_c_single_quotes": ("sh -c 'printf %s ${v}'", {}, "command"),
    "eval": ("eval printf %s ${v}", {}, "command"),
    "awk_program": ("awk 'BEGIN { print \"${v}\" }'", {}, "command"),
    "sed_script": ('echo a | sed "s/a/${v}/"', {}, "command"),
    "python_c": ("python3 -c \"print('${v}')\"", {}, "command"),
    "perl_e": ("perl -e \"print '${v}'\"", {}, "command"),
    "backticks_in_double_quotes": ("printf '%s\\0' \"`printf %s ${v}`\"", {}, "command"),
    "pipe_to_bash": ("printf '%s' ${v} | bash", {}, "command"),
    "assigned_then_arithmetic": ("x=${v}; printf '%s' $(( x + 1 ))", {}, "command"),
    "assigned_then_unquoted": ("x=${v}; printf '%s\\0' $x", {}, "command"),
    "single_quotes": ("printf '%s' '${v}'", {}, "command"),
    "quoted_heredoc": ("cat <<'EOF'\n${v}\nEOF", {}, "command"),
    "command_name": ("${v} --version", {}, "command"),
    "timeout_wrapper": ('timeout 5 sh -c "${v}"', {}, "command"),
    "duplicating_redirect": ("printf x >&${v}", {}, "command"),
    "after_redirect_target": ("let > out ${v}", {}, "command"),
    "coproc_wrapper": ("coproc read ${v}", {}, "command"),
    "lone_dash_then_code": ("bash -c - ${v}", {}, "command"),
    "program_chosen_at_run_time": ("t=printf; $t '%s' ${v}", {}, "command"),
    "env_into_bash_c": ('bash -c "$X"', {"env": {"X": "${v}"}}, "command"),
    "stdin_as_program": ("python3", {"stdin": "${v}"}, "stdin"),
}
SOURCES = ("input", "file_name", "file_content")


def _values(source: str) -> list[str]:
    if source == "input":
        return [*HOSTILE, ""]
    return HOSTILE  # a file name cannot be empty; the same values otherwise


def _matrix_workflow(tmp_path: Path, source: str, command: str, extra: dict[str, Any]) -> dict[str, Any]:
    """A workflow that feeds each hostile value from `source` to one shell batch node `s`."""
    values = _values(source)
    step: dict[str, Any] = {
        "id": "s",
        "type": "shell",
        "params": {"command": command, **extra},
        "batch": {"items": "${values}", "as": "v", "parallel": True, "error_handling": "continue"},
    }
    if source == "input":
        return workflow(step, inputs={"values": {"type": "array", "default": values}})
    folder = tmp_path / "f"
    folder.mkdir(exist_ok=True)
    if source == "file_name":
        for value in values:
            (folder / value).write_text("x")
        step["batch"]["items"] = "${list.files}"
        return workflow({"id": "list", "type": "list_files", "params": {"dir": "f"}}, step)
    for index, value in enumerate(values):
        (folder / f"{index:02d}.txt").write_bytes(value.encode())
    _retarget(step, "${v}", "${v.content}")
    step["batch"]["items"] = "${read.results}"
    return workflow(
        {"id": "list", "type": "list_files", "params": {"dir": "f"}},
        {"id": "read", "type": "read_file", "params": {"path": "${p}"}, "batch": {"items": "${list.files}", "as": "p"}},
        step,
    )


def _retarget(step: dict[str, Any], old: str, new: str) -> None:
    params = step["params"]
    for key, value in list(params.items()):
        if isinstance(value, str):
            params[key] = value.replace(old, new)
        elif isinstance(value, dict):
            params[key] = {k: v.replace(old, new) for k, v in value.items()}


def _value_of(item: Any, source: str) -> str:
    return item["content"] if source == "file_content" else item


def _untouched(tmp_path: Path) -> None:
    stray = sorted(p.name for p in tmp_path.iterdir() if p.name != "f")
    assert not (tmp_path / MARKER).exists()
    assert stray == [], stray


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("context", sorted(SAFE))
def test_safe_contexts_deliver_each_value_as_one_exact_word(tmp_path, context, source):
    command, extra, expected = SAFE[context]
    doc = _matrix_workflow(tmp_path, source, command, extra)
    out = run_doc(doc, cwd=tmp_path)
    batch = out.nodes["s"]
    items = batch["results"]
    failed = {e["index"]: e for e in batch["errors"]}
    for index, result in enumerate(items):
        item = result["item"] if result is not None else failed[index]["item"]
        value = _value_of(item, source)  # a file name arrives as listed: f/<name>
        want = expected(value, source)
        if want is FAILS:
            assert result is None, (context, value, result)
            assert any(why in failed[index]["error"] for why in ("No such file", "ambiguous", "Is a directory"))
        else:
            assert result is not None, (context, value, failed.get(index))
            assert result["stdout"] == want, (context, value)
    assert len(items) == len(_values(source))
    _untouched(tmp_path)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("context", sorted(REFUSED))
def test_unsafe_contexts_are_refused_naming_node_and_param(tmp_path, context, source):
    command, extra, param = REFUSED[context]
    doc = _matrix_workflow(tmp_path, source, command, extra)
    result = validate_document(doc, default_registry().specs())
    assert not result.valid
    unsafe = [i for i in result.issues if i.code == "shell_unsafe"]
    assert unsafe, [str(i) for i in result.issues]
    assert {(i.node, i.path) for i in unsafe} == {("s", f"params.{param}")}
    assert all(i.hint for i in unsafe)
    # The runtime refuses too, should a caller skip validation: nothing runs.
    run = RunContext(cwd=tmp_path)
    out = asyncio.run(run_workflow(Workflow.model_validate(doc), {}, run))
    assert out.status == "failed" and out.error is not None and out.error["node"] == "s"
    assert out.nodes == {}
    _untouched(tmp_path)


def test_matrix_is_at_least_twenty_contexts_by_fifteen_values_by_three_sources():
    assert len(SAFE) + len(REFUSED) >= 20 and len(HOSTILE) >= 15 and len(SOURCES) == 3


def test_an_integer_input_may_stand_in_arithmetic(tmp_path):
    doc = workflow(
        {"id": "s", "type": "shell", "params": {"command": "echo $(( ${n} + 1 )); (( ${n} > 3 )) && echo big"}},
        inputs={"n": {"type": "integer", "default": 41}},
    )
    assert run_doc(doc, cwd=tmp_path).nodes["s"]["stdout"] == "42\nbig\n"


def test_an_integer_slot_refuses_a_non_integer_at_run_time(tmp_path):
    # A caller bypassing input typing still cannot smuggle an expression into arithmetic.
    doc = workflow(
        {"id": "s", "type": "shell", "params": {"command": "echo $(( ${n} + 1 ))"}},
        inputs={"n": {"type": "integer", "default": 1}},
    )
    wf = Workflow.model_validate(doc)
    wf.inputs["n"].default = f"a[$(touch {MARKER})]"
    out = asyncio.run(run_workflow(wf, {}, RunContext(cwd=tmp_path)))
    assert out.status == "failed" and "must be an integer" in out.error["message"]
    _untouched(tmp_path)


def test_refusals_carry_the_safe_form_in_their_hint():
    hints = {}
    for command in ("awk '{print ${x}}'", 'python3 -c "print(${x})"', 'jq ".${x}" f', "(( ${x} > 1 ))"):
        with pytest.raises(UnsafeCommand) as info:
            bind(parse_template(command))
        hints[command] = info.value.problems[0].hint
    assert "awk -v x=${x}" in hints["awk '{print ${x}}'"]
    assert "sys.argv[1]" in hints['python3 -c "print(${x})"']
    assert "jq --arg x ${x}" in hints['jq ".${x}" f']
    assert '"type": "integer"' in hints["(( ${x} > 1 ))"]


def test_binding_quotes_each_reference_to_fit_where_it_stands():
    bound = bind(parse_template('cat ${a} "${a}" pre${b}post <<EOF\n${b}\nEOF'))
    assert bound.text == 'cat "${PLANFLOW_V0}" "${PLANFLOW_V0}" pre"${PLANFLOW_V1}"post <<EOF\n${PLANFLOW_V1}\nEOF'
    assert [name for name, _ in bound.variables] == ["PLANFLOW_V0", "PLANFLOW_V1"]


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


@pytest.mark.parametrize("size", [ENV_VALUE_LIMIT + 1, 3 * 1024 * 1024, -60_000])
def test_values_too_big_for_the_environment_arrive_whole(tmp_path, size):
    # -60_000: sixty thousand emoji, 240 KB though only 60,000 characters
    unit = "line with 'quotes' and $(touch PWNED)\n" if size > 0 else "🚀"
    big = (unit * (abs(size) // len(unit) + 1))[: abs(size)] + "\n\n"
    doc = workflow(
        {"id": "s", "type": "shell", "params": {"command": "printf '%s' ${big} | sha256sum; ls /"}},
        inputs={"big": {"type": "string", "default": big}},
    )
    out = run_doc(doc, cwd=tmp_path)
    import hashlib

    assert out.status == "ok", out.error
    assert out.nodes["s"]["stdout"].split()[0] == hashlib.sha256(big.encode()).hexdigest()
    assert list(tmp_path.iterdir()) == []
