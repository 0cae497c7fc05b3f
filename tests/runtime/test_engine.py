"""Whole workflows: any DAG, templates between nodes, failures and interrupts that lose nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from planflow.ir import validate_document
from planflow.runtime.context import RunContext
from planflow.runtime.engine import run_workflow
from planflow.runtime.registry import default_registry
from tests.runtime.helpers import run_doc, workflow


def sh(id, command, **extra):
    return {"id": id, "type": "shell", "params": {"command": command}, **extra}


# Each waits until the other has started: passes only if both run at the same time.
WAIT_FOR = (
    "touch {me}.started; for i in $(seq 100); do [ -f {other}.started ] && break; sleep 0.05; done; "
    "[ -f {other}.started ] || exit 1"
)


def test_fan_out_and_fan_in_run_independent_branches_together(tmp_path):
    doc = workflow(
        sh("a", "echo 3"),
        sh("b", WAIT_FOR.format(me="b", other="c") + "; echo left"),
        sh("c", WAIT_FOR.format(me="c", other="b") + "; echo right"),
        sh("d", "echo ${b.lines[0]}-${c.lines[0]}-${a.json}"),
        edges=[("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")],
    )
    out = run_doc(doc, cwd=tmp_path)
    assert out.status == "ok", out.error
    assert out.nodes["d"]["stdout"] == "left-right-3\n"


def test_uneven_dag_runs_in_dependency_order(tmp_path):
    doc = workflow(
        sh("late", "cat order.txt | wc -l"),
        sh("first", "echo first >> order.txt"),
        sh("second", "echo second >> order.txt"),
        edges=[("first", "second"), ("second", "late"), ("first", "late")],
    )
    out = run_doc(doc, cwd=tmp_path)
    assert out.nodes["late"]["json"] == 2
    assert (tmp_path / "order.txt").read_text() == "first\nsecond\n"


def test_whole_string_templates_keep_types_between_nodes(tmp_path):
    doc = workflow(
        sh("nums", "echo '[3, 1, 2]'"),
        {
            "id": "each",
            "type": "shell",
            "params": {"command": "expr ${n} '*' 2"},
            "batch": {"items": "${nums.json}", "as": "n"},
        },
        {
            "id": "save",
            "type": "write_file",
            "params": {
                "path": "out.json",
                "content": {
                    "doubled": "${each.results}",
                    "first": "${each.results[0].json}",
                    "text": "first=${each.results[0].json} all=${nums.json}",
                },
            },
        },
        outputs={"count": "${each.count}", "path": "${save.path}"},
    )
    out = run_doc(doc, cwd=tmp_path)
    saved = json.loads((tmp_path / "out.json").read_text())
    assert saved["first"] == 6 and saved["text"] == "first=6 all=[3, 1, 2]"
    assert [r["json"] for r in saved["doubled"]] == [6, 2, 4]
    assert out.outputs == {"count": 3, "path": "out.json"}


def test_unresolvable_template_at_run_time_names_node_param_and_template():
    doc = workflow(sh("a", "echo '{\"x\": 1}'"), sh("b", "echo ${a.json.y}"))
    out = run_doc(doc)
    assert out.status == "failed"
    assert out.error["node"] == "b"
    assert out.error["message"] == "params.command: cannot resolve ${a.json.y}: a.json has no field 'y' (fields: x)"


def test_failure_keeps_finished_outputs_and_runs_nothing_after(tmp_path):
    doc = workflow(sh("ok", "echo fine"), sh("bad", "exit 4"), sh("never", "touch ran"))
    out = run_doc(doc, cwd=tmp_path)
    assert out.status == "failed" and out.error["node"] == "bad"
    assert out.nodes == {"ok": {"stdout": "fine\n", "stderr": "", "exit_code": 0, "lines": ["fine"], "json": None}}
    assert not (tmp_path / "ran").exists()


def test_fail_fast_batch_failure_reports_its_partial_results():
    doc = workflow(
        {
            "id": "b",
            "type": "shell",
            "params": {"command": "test ${item} != 2 && echo ${item}"},
            "batch": {"items": [0, 1, 2, 3]},
        }
    )
    out = run_doc(doc)
    assert out.status == "failed"
    partial = out.nodes["b"]
    assert partial["success_count"] == 2 and partial["errors"][0]["index"] == 2
    assert partial["results"][3] is None


def test_inputs_typed_from_text_and_defaults(tmp_path):
    from planflow.runtime.inputs import resolve_inputs

    doc = workflow(
        sh("a", "echo"),
        inputs={
            "n": {"type": "integer"},
            "x": {"type": "number", "default": 1.5},
            "flag": {"type": "boolean"},
            "names": {"type": "array"},
            "cfg": {"type": "object", "default": {}},
            "s": {"type": "string"},
        },
    )
    wf = validate_document(doc, default_registry().specs()).workflow
    values = resolve_inputs(wf, {"n": "3", "flag": "yes", "names": '["a"]', "s": "7"}, from_text=True)
    assert values == {"n": 3, "x": 1.5, "flag": True, "names": ["a"], "cfg": {}, "s": "7"}


def test_input_errors_say_which_input_and_why():
    import pytest

    from planflow.runtime.errors import InputError
    from planflow.runtime.inputs import parse_assignments, resolve_inputs

    doc = workflow(sh("a", "echo"), inputs={"n": {"type": "integer", "description": "how many"}})
    wf = validate_document(doc, default_registry().specs()).workflow
    with pytest.raises(InputError, match=r"missing required input 'n' \(n: how many\)"):
        resolve_inputs(wf, {})
    with pytest.raises(InputError, match="input 'n' must be integer, got 'three'"):
        resolve_inputs(wf, {"n": "three"}, from_text=True)
    with pytest.raises(InputError, match="unknown input 'm'"):
        resolve_inputs(wf, {"n": "1", "m": "2"}, from_text=True)
    with pytest.raises(InputError, match="write name=value"):
        parse_assignments(["oops"])


def test_cancelling_mid_batch_reports_how_far_it_got(tmp_path: Path):
    doc = workflow(
        {
            "id": "slow",
            "type": "shell",
            "params": {"command": "sleep 0.05; echo ${item}"},
            "batch": {"items": list(range(200)), "parallel": True, "max_concurrent": 4},
        },
        {"id": "report", "type": "write_file", "params": {"path": "report.json", "content": "${slow.results}"}},
    )
    wf = validate_document(doc, default_registry().specs()).workflow
    run = RunContext(cwd=tmp_path)

    async def scenario():
        task = asyncio.create_task(run_workflow(wf, {}, run))
        await asyncio.sleep(0.5)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "cancelled"

    assert asyncio.run(scenario()) == "cancelled"
    result = run.result
    assert result.status == "interrupted"
    finished = result.nodes["slow"]["success_count"]
    assert 0 < finished < 200
    assert f"node slow: {finished} of 200 items finished" in result.error["message"]
    assert list(tmp_path.iterdir()) == []  # no report, no partial file


def test_runs_in_several_threads_at_once_each_get_their_subprocesses():
    from concurrent.futures import ThreadPoolExecutor

    doc = workflow(
        {
            "id": "s",
            "type": "shell",
            "params": {"command": "sleep 0.05; echo ${item}"},
            "batch": {"items": list(range(6)), "parallel": True, "max_concurrent": 3},
        }
    )
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: run_doc(doc), range(3)))
    assert all(r.status == "ok" and r.nodes["s"]["success_count"] == 6 for r in results)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf")])
def test_a_templated_timeout_must_be_a_positive_number_at_run_time(tmp_path, timeout):
    doc = workflow(
        {"id": "s", "type": "shell", "params": {"command": "echo hi", "timeout": "${t}"}},
        inputs={"t": {"type": "number", "default": 1}},
    )
    out = run_doc(doc, {"t": timeout}, cwd=tmp_path)
    assert out.status == "failed" and "params.timeout must be a number greater than 0" in out.error["message"]
    assert run_doc(doc, {"t": 5}, cwd=tmp_path).status == "ok"
