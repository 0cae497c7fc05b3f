"""One test per kind of mistake: each names the node and field and says how to fix it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planflow.ir import load_workflow, validate_document, validate_file, validate_text
from planflow.ir.issues import WorkflowInvalid
from tests.conftest import EXAMPLES


def only_issue(doc, specs):
    result = validate_document(doc, specs)
    assert not result.valid
    assert len(result.issues) == 1, [str(i) for i in result.issues]
    return result.issues[0]


def test_the_design_example_validates(summarize_doc, specs):
    result = validate_document(summarize_doc, specs)
    assert result.valid, [str(i) for i in result.issues]
    assert [n.id for n in result.workflow.nodes] == ["list", "read", "summarize", "report"]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*/workflow.json")), ids=lambda p: p.parent.name)
def test_every_example_validates(path, specs):
    result = validate_file(path, specs)
    assert result.valid, [str(i) for i in result.issues]


def test_malformed_json_gives_line_and_column(specs):
    issue = validate_text('{\n  "ir_version": "0.1.0",\n  "nodes": [,]\n}', specs).issues[0]
    assert issue.code == "json"
    assert "line 3, column 13" in issue.message


def test_unreadable_file_is_an_issue_not_an_exception(tmp_path, specs):
    issue = validate_file(tmp_path / "missing.json", specs).issues[0]
    assert issue.code == "file"
    assert "missing.json" in issue.message


def test_top_level_must_be_an_object(specs):
    assert "must be a JSON object, got list" in only_issue([], specs).message


def test_schema_violation_names_node_and_field(summarize_doc, specs):
    summarize_doc["nodes"][2]["batch"]["max_concurrent"] = 500
    issue = only_issue(summarize_doc, specs)
    assert (issue.code, issue.node, issue.path) == ("schema", "summarize", "batch.max_concurrent")
    assert "less than or equal to 100" in issue.message


def test_unknown_field_lists_allowed_fields(summarize_doc, specs):
    summarize_doc["nodes"][0]["parms"] = {}
    issue = only_issue(summarize_doc, specs)
    assert (issue.node, issue.path, issue.message) == ("list", "parms", "unknown field 'parms'")
    assert "params" in issue.hint


def test_union_failure_is_one_issue(summarize_doc, specs):
    summarize_doc["nodes"][1]["batch"]["items"] = 7
    issue = only_issue(summarize_doc, specs)
    assert (issue.node, issue.path) == ("read", "batch.items")
    assert "string" in issue.message and "list" in issue.message


def test_wrong_ir_version(summarize_doc, specs):
    summarize_doc["ir_version"] = "9"
    issue = only_issue(summarize_doc, specs)
    assert issue.path == "ir_version" and '"0.1.0"' in issue.hint


def test_missing_required_field(summarize_doc, specs):
    del summarize_doc["nodes"][3]["type"]
    issue = validate_document(summarize_doc, specs).issues[0]
    assert (issue.node, issue.path, issue.message) == ("report", "type", "missing required field 'type'")


def test_invalid_identifier(summarize_doc, specs):
    summarize_doc["nodes"][0]["id"] = "list files"
    codes = {i.code for i in validate_document(summarize_doc, specs).issues}
    assert "schema" in codes


def test_duplicate_ids(summarize_doc, specs):
    summarize_doc["nodes"][3]["id"] = "list"
    issues = validate_document(summarize_doc, specs).issues
    dup = next(i for i in issues if i.code == "duplicate_id")
    assert dup.node == "list" and "nodes[0]" in dup.message


def test_edge_to_unknown_node_suggests_the_close_one(summarize_doc, specs):
    summarize_doc["edges"][2]["to"] = "reprot"
    issues = validate_document(summarize_doc, specs).issues
    edge = next(i for i in issues if i.code == "unknown_edge_node")
    assert (edge.path, edge.hint) == ("edges[2].to", "did you mean 'report'?")


def test_cycle_names_every_node_on_it(summarize_doc, specs):
    summarize_doc["edges"].append({"from": "report", "to": "read"})
    cycle = next(i for i in validate_document(summarize_doc, specs).issues if i.code == "cycle")
    assert cycle.message == "edges form a cycle: read -> summarize -> report -> read"


def test_self_edge_is_a_cycle(summarize_doc, specs):
    summarize_doc["edges"].append({"from": "list", "to": "list"})
    assert "list -> list" in only_issue(summarize_doc, specs).message


def test_duplicate_edge(summarize_doc, specs):
    summarize_doc["edges"].append({"from": "list", "to": "read"})
    assert only_issue(summarize_doc, specs).code == "duplicate_edge"


def test_unknown_node_type(summarize_doc, specs):
    summarize_doc["nodes"][3]["type"] = "write_files"
    issue = only_issue(summarize_doc, specs)
    assert (issue.code, issue.node, issue.hint) == ("unknown_type", "report", "did you mean 'write_file'?")


def test_unknown_and_missing_params(summarize_doc, specs):
    params = summarize_doc["nodes"][2]["params"]
    params["promt"] = params.pop("prompt")
    issues = validate_document(summarize_doc, specs).issues
    by_code = {i.code: i for i in issues}
    assert by_code["unknown_param"].hint == "did you mean 'prompt'?"
    assert by_code["missing_param"].path == "params.prompt"


def test_literal_param_of_wrong_type(summarize_doc, specs):
    summarize_doc["nodes"][0]["params"]["recursive"] = "yes"
    issue = only_issue(summarize_doc, specs)
    assert issue.message == "param 'recursive' must be boolean, got a string"


def test_template_referencing_nothing(summarize_doc, specs):
    summarize_doc["nodes"][3]["params"]["path"] = "${reportpath}"
    issue = only_issue(summarize_doc, specs)
    assert (issue.code, issue.path) == ("unknown_reference", "params.path")
    assert issue.hint == "did you mean 'report_path'?"


def test_shell_variable_hint_for_upper_case_names(specs):
    doc = {"ir_version": "0.1.0", "nodes": [{"id": "a", "type": "shell", "params": {"command": "ls ${HOME}"}}]}
    assert "$${HOME}" in only_issue(doc, specs).hint


def test_template_syntax_error(summarize_doc, specs):
    summarize_doc["nodes"][2]["params"]["prompt"] = "Summarize ${doc.content"
    issue = only_issue(summarize_doc, specs)
    assert (issue.code, issue.node, issue.path) == ("template_syntax", "summarize", "params.prompt")


def test_reference_to_a_node_that_is_not_an_ancestor(summarize_doc, specs):
    summarize_doc["edges"] = [e for e in summarize_doc["edges"] if e["to"] != "report"]
    issue = only_issue(summarize_doc, specs)
    assert (issue.code, issue.node, issue.path) == ("not_ancestor", "report", "params.content")
    assert issue.hint == 'add an edge {"from": "summarize", "to": "report"}'


def test_reference_to_a_missing_output_field(summarize_doc, specs):
    summarize_doc["nodes"][3]["params"]["content"] = "${summarize.response}"
    issue = only_issue(summarize_doc, specs)
    assert issue.code == "unknown_output"
    assert "results" in issue.hint and "batch node" in issue.hint


def test_reference_into_batch_results_checks_item_fields(summarize_doc, specs):
    summarize_doc["nodes"][3]["params"]["content"] = "${summarize.results[0].responze}"
    issue = only_issue(summarize_doc, specs)
    assert "have no field 'responze'" in issue.message and "response" in issue.hint


def test_node_cannot_use_its_own_output(summarize_doc, specs):
    summarize_doc["nodes"][3]["params"]["content"] = "${report.path}"
    assert only_issue(summarize_doc, specs).code == "self_reference"


def test_batch_items_that_cannot_be_an_array(summarize_doc, specs):
    summarize_doc["nodes"][2]["batch"]["items"] = "${read.count}"
    issue = only_issue(summarize_doc, specs)
    assert (issue.code, issue.path) == ("batch_items", "batch.items")
    assert "integer, not an array" in issue.message


def test_batch_items_with_text_around_the_template(summarize_doc, specs):
    summarize_doc["nodes"][1]["batch"]["items"] = "files: ${list.files}"
    assert only_issue(summarize_doc, specs).code == "batch_items"


def test_batch_items_from_a_string_input(summarize_doc, specs):
    summarize_doc["nodes"][1]["batch"]["items"] = "${folder}"
    issue = only_issue(summarize_doc, specs)
    assert issue.code == "batch_items" and '"type": "array"' in issue.hint


def test_batch_alias_clashing_with_node_id_or_input(summarize_doc, specs):
    summarize_doc["nodes"][1]["batch"]["as"] = "list"
    summarize_doc["nodes"][1]["params"]["path"] = "${list}"
    summarize_doc["nodes"][2]["batch"]["as"] = "folder"
    summarize_doc["nodes"][2]["params"]["prompt"] = "${folder.content}"
    clashes = [i for i in validate_document(summarize_doc, specs).issues if i.code == "name_clash"]
    assert [(i.node, i.path) for i in clashes] == [("read", "batch.as"), ("summarize", "batch.as")]


def test_input_clashing_with_node_id(summarize_doc, specs):
    summarize_doc["inputs"]["report"] = {"type": "string", "default": "x"}
    issues = validate_document(summarize_doc, specs).issues
    assert any(i.code == "name_clash" and i.path == "inputs.report" for i in issues)


def test_alias_used_outside_its_batch_node(summarize_doc, specs):
    summarize_doc["nodes"][3]["params"]["path"] = "${doc.path}.summary"
    issue = only_issue(summarize_doc, specs)
    assert (issue.code, issue.node) == ("alias_scope", "report")
    assert "batch alias of node 'summarize'" in issue.message


def test_alias_inside_its_own_items(summarize_doc, specs):
    summarize_doc["nodes"][2]["batch"]["items"] = "${doc}"
    assert only_issue(summarize_doc, specs).code == "alias_scope"


def test_output_source_reference_checked(summarize_doc, specs):
    summarize_doc["outputs"]["report"]["source"] = "${report.pth}"
    issue = only_issue(summarize_doc, specs)
    assert (issue.node, issue.path, issue.code) == (None, "outputs.report.source", "unknown_output")


def test_every_problem_is_reported_in_one_run(summarize_doc, specs):
    """Shape errors do not hide structural ones: a broken batch field still lets params be checked."""
    summarize_doc["nodes"][2]["batch"]["parallel"] = "yes"
    summarize_doc["nodes"][2]["params"]["prompt"] = "${nothing}"
    summarize_doc["edges"][2]["to"] = "nowhere"
    summarize_doc["nodes"][0]["type"] = "list_file"
    codes = sorted(i.code for i in validate_document(summarize_doc, specs).issues)
    # the rewired edge also leaves report without summarize as an ancestor
    assert codes == ["not_ancestor", "schema", "unknown_edge_node", "unknown_reference", "unknown_type"]


def test_issue_formatting():
    from planflow.ir import Issue

    issue = Issue("x", "bad thing", "n1", "params.a", "do this")
    assert str(issue) == "node n1: params.a: bad thing (hint: do this)"
    assert str(Issue("x", "bad", None, "edges[0]")) == "workflow: edges[0]: bad"


def test_load_workflow_raises_with_every_issue(tmp_path: Path, summarize_doc, specs):
    summarize_doc["nodes"][0]["type"] = "nope"
    summarize_doc["edges"].append({"from": "list", "to": "nope"})
    path = tmp_path / "w.json"
    path.write_text(json.dumps(summarize_doc))
    with pytest.raises(WorkflowInvalid) as info:
        load_workflow(path, specs)
    assert len(info.value.issues) == 2
    assert str(path) in str(info.value)


def test_shortened_node_name_gets_the_node_as_hint(summarize_doc, specs):
    summarize_doc["nodes"][3]["params"]["content"] = "${summ.results}"
    issue = only_issue(summarize_doc, specs)
    assert issue.hint == "did you mean 'summarize'?"


def test_alias_field_that_the_items_cannot_have(summarize_doc, specs):
    summarize_doc["nodes"][1]["params"]["path"] = "${file.content}"
    issue = only_issue(summarize_doc, specs)
    assert (issue.code, issue.node, issue.path) == ("unknown_output", "read", "params.path")
    assert "the items of ${list.files} are strings, they have no field 'content'" in issue.message
    assert "read_file" in issue.hint


def test_alias_field_of_a_batch_result(summarize_doc, specs):
    summarize_doc["nodes"][2]["params"]["prompt"] = "${doc.text}"
    issue = only_issue(summarize_doc, specs)
    assert "each result of 'read' has no field 'text'" in issue.message and "content" in issue.hint


def test_alias_field_of_scalar_inline_items(specs):
    doc = {
        "ir_version": "0.1.0",
        "nodes": [
            {"id": "a", "type": "shell", "params": {"command": "echo ${item.x}"}, "batch": {"items": ["p", "q"]}}
        ],
    }
    assert "not objects" in only_issue(doc, specs).message
