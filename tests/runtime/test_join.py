"""The join node: a batch's results as one text, in input order, failed items skipped or
rendered as asked, without jq."""

from __future__ import annotations

from planflow.ir import validate_document
from planflow.planner.catalog import render_catalog
from planflow.runtime.registry import default_registry
from tests.runtime.helpers import run_doc


def doc(join_params: dict, with_batch: bool = True) -> dict:
    join: dict = {"id": "report", "type": "join", "params": join_params}
    if with_batch:
        join["batch"] = {"items": "${count.results}", "as": "r"}
    return {
        "ir_version": "0.1.0",
        "nodes": [
            {
                "id": "count",
                "type": "shell",
                # item "b c" fails; the others print their word count
                "params": {"command": 'if [ ${f} = "b c" ]; then exit 1; fi; wc -w <<< ${f}'},
                "batch": {"items": ["a", "b c", "d e f"], "as": "f", "error_handling": "continue"},
            },
            join,
        ],
        "edges": [{"from": "count", "to": "report"}],
        "outputs": {"text": {"source": "${report.text}"}, "count": {"source": "${report.count}"}},
    }


def test_results_joined_in_order_with_failed_items_skipped(tmp_path):
    params = {"text": "- ${r.item}: ${r.lines[0]}", "header": "# Words\n", "footer": "\n(end)", "separator": "\n"}
    out = run_doc(doc(params), cwd=tmp_path)
    assert out.status == "partial"  # the count batch lost an item; the join itself finished
    assert out.outputs == {"text": "# Words\n- a: 1\n- d e f: 3\n(end)", "count": 2}
    assert out.nodes["report"]["skipped"] == 1


def test_failed_items_rendered_as_asked(tmp_path):
    out = run_doc(doc({"text": "${r.item}", "separator": ", ", "null_text": "(failed)"}), cwd=tmp_path)
    assert out.outputs["text"] == "a, (failed), d e f" and out.nodes["report"]["skipped"] == 0


def test_hostile_values_are_text(tmp_path):
    hostile = doc({"text": "${r.item}|"})
    hostile["nodes"][0]["batch"]["items"] = ["$(touch PWNED)", "`id`", "$${x}"]
    hostile["nodes"][0]["params"]["command"] = "printf %s ${f}"
    out = run_doc(hostile, cwd=tmp_path)
    assert out.outputs["text"] == "$(touch PWNED)|\n`id`|\n${x}|"
    assert not (tmp_path / "PWNED").exists()


def test_without_a_batch_the_validator_says_what_to_add():
    result = validate_document(doc({"text": "x"}, with_batch=False), default_registry().specs())
    (issue,) = [i for i in result.issues if i.code == "missing_batch"]
    assert issue.node == "report" and issue.path == "batch" and '"as": "r"' in issue.hint


def test_its_outputs_are_its_own_not_the_batch_envelope():
    bad = doc({"text": "${r.item}"})
    bad["outputs"] = {"x": {"source": "${report.results}"}}
    result = validate_document(bad, default_registry().specs())
    assert [i.code for i in result.issues] == ["unknown_output"]


def test_a_once_param_that_names_the_item_is_refused_before_the_run(tmp_path):
    result = validate_document(doc({"text": "${r.item}", "header": "${r.item}"}), default_registry().specs())
    assert [(i.code, i.node, i.path) for i in result.issues] == [("alias_scope", "report", "params.header")]
    assert "put the per-item part in params.text" in (result.issues[0].hint or "")


def test_the_planner_is_taught_join_in_its_catalog_and_its_prompt():
    from planflow.planner.prompting import load

    specs = default_registry().specs()
    assert "### join" in render_catalog(specs)
    assert "use a `join` node" in load("system")
