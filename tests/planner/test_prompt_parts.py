"""Prompt rendering, catalog, fixes, extraction and the working-directory summary."""

from __future__ import annotations

import pytest

from planflow.ir import load_workflow
from planflow.planner.catalog import render_catalog
from planflow.planner.extract import NoJSONFound, extract_json
from planflow.planner.fixes import apply_fixes
from planflow.planner.prompting import PromptError, render, render_text
from planflow.planner.workdir import summarize_workdir
from tests.conftest import EXAMPLES
from tests.snapshot import assert_snapshot


def test_rendering_fails_on_a_missing_variable():
    with pytest.raises(PromptError, match="missing values for request"):
        render("request", workdir="")


def test_rendering_fails_on_an_unused_variable():
    with pytest.raises(PromptError, match="values with no placeholder: extra"):
        render("repair", problems="- x", extra="y")


def test_rendering_fills_every_placeholder_and_leaves_workflow_templates_alone():
    out = render_text("A {{x}} ${node.field} {{y}}", "t", {"x": "1", "y": "2"})
    assert out == "A 1 ${node.field} 2"


def test_every_prompt_file_renders(specs):
    assert "{{" not in render("system", catalog=render_catalog(specs))
    assert render("request", workdir="", request="do it") == "Request: do it\n"
    assert "- node a: x" in render("repair", problems="- node a: x")


def test_catalog_snapshot(specs):
    assert_snapshot("catalog.md", render_catalog(specs))


def test_catalog_lists_every_registered_type_param_and_output(specs):
    catalog = render_catalog(specs)
    for spec in specs.values():
        assert (f"### {spec.name}:" in catalog) == spec.in_catalog
        if not spec.in_catalog:
            continue
        for param in spec.params:
            assert (f"`{param.name}`" in catalog) == param.in_catalog
        for output in spec.outputs:
            assert (f"`{output.name}` (" in catalog.split(f"### {spec.name}:")[1].split("###")[0]) == output.in_catalog


def test_review_snapshot(specs):
    from planflow.cli.review import render_mermaid, render_review

    workflow = load_workflow(EXAMPLES / "summarize-docs" / "workflow.json", specs)
    assert_snapshot("review-summarize-docs.txt", render_review(workflow))
    assert_snapshot("mermaid-summarize-docs.txt", render_mermaid(workflow))
    pipeline = load_workflow(EXAMPLES / "pipeline" / "workflow.json", specs)
    assert_snapshot("review-pipeline.txt", render_review(pipeline))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Sure!\n```json\n{"a": 1}\n```', {"a": 1}),
        ('Here you go: {"a": {"b": [1]}} hope it helps {"c": 2}', {"a": {"b": [1]}}),
        ('```\n{"a": 1}\n```', {"a": 1}),
    ],
)
def test_extract_json_tolerates_fences_and_prose(text, expected):
    assert extract_json(text) == expected


def test_extract_json_says_where_it_broke():
    with pytest.raises(NoJSONFound, match="line 1, column"):
        extract_json('{"a": 1,, }')
    with pytest.raises(NoJSONFound, match="no JSON object"):
        extract_json("I cannot help with that")


def fixed(doc):
    from planflow.runtime.registry import default_registry

    return apply_fixes(doc, default_registry().specs())


def test_fix_ir_version_missing():
    doc, applied = fixed({"nodes": []})
    assert doc["ir_version"] == "0.1.0" and applied == ["set ir_version to 0.1.0"]


def test_fix_nulls_and_node_mapping_and_edge_keys():
    doc, applied = fixed(
        {
            "ir_version": "0.1.0",
            "inputs": None,
            "nodes": {
                "a": {"type": "shell", "params": {"command": "echo"}, "batch": None},
                "b": {"type": "shell", "params": {"command": "echo ${a.stdout}"}},
            },
            "edges": [{"source": "a", "target": "b"}],
        }
    )
    assert "inputs" not in doc and doc["nodes"][0] == {"id": "a", "type": "shell", "params": {"command": "echo"}}
    assert doc["edges"] == [{"from": "a", "to": "b"}]
    assert applied == [
        "turned the nodes mapping into a list",
        "removed null top-level field 'inputs'",
        "removed null field 'batch' of node a",
        "renamed 2 edge key(s) to from/to",
    ]


def test_fix_implied_edges_never_makes_a_cycle():
    doc, applied = fixed(
        {
            "ir_version": "0.1.0",
            "nodes": [
                {"id": "a", "type": "shell", "params": {"command": "echo ${b.stdout}"}},
                {"id": "b", "type": "shell", "params": {"command": "echo ${a.stdout}"}},
            ],
        }
    )
    assert doc["edges"] == [{"from": "b", "to": "a"}]  # the second would close a cycle: left to the validator
    assert applied == ["added edge b -> a (a uses ${b.…})"]


def test_fix_dedupes_edges_and_ignores_own_alias_and_inputs():
    doc, applied = fixed(
        {
            "ir_version": "0.1.0",
            "inputs": {"x": {"default": 1}},
            "nodes": [
                {"id": "a", "type": "shell", "params": {"command": "echo ${x}"}},
                {
                    "id": "b",
                    "type": "shell",
                    "params": {"command": "echo ${b2} ${a.stdout}"},
                    "batch": {"items": [1], "as": "b2"},
                },
            ],
            "edges": [{"from": "a", "to": "b"}, {"from": "a", "to": "b"}],
        }
    )
    assert doc["edges"] == [{"from": "a", "to": "b"}]
    assert applied == ["removed 1 repeated edge(s)"]


def test_fixes_leave_a_correct_plan_alone(summarize_doc):
    doc, applied = fixed(summarize_doc)
    assert doc == summarize_doc and applied == []


def test_workdir_summary_is_bounded_and_names_only(tmp_path):
    (tmp_path / "logs").mkdir()
    for i in range(60):
        (tmp_path / "logs" / f"app-{i:02}.log").write_text("SECRET CONTENT")
    (tmp_path / "notes.md").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    summary = summarize_workdir(tmp_path, max_files=10)
    assert "SECRET" not in summary and ".git" not in summary
    assert "- file types: .log (60), .md (1)" in summary
    assert "- folders: logs/" in summary
    assert "- files (and 51 more): notes.md, logs/app-00.log" in summary
    assert summarize_workdir(tmp_path / "logs" / "..", max_files=10) == summary


def test_workdir_summary_of_an_empty_folder(tmp_path):
    assert summarize_workdir(tmp_path) == "The working directory is empty.\n\n"


def test_planner_includes_the_summary_only_when_asked(tmp_path):
    from planflow.planner import Planner

    (tmp_path / "a.txt").write_text("x")
    assert "a.txt" in Planner(workdir=tmp_path).request_prompt("go")
    assert Planner(workdir=None).request_prompt("go") == "Request: go\n"


def test_fix_expands_a_shortened_node_reference(specs):
    doc, applied = apply_fixes(
        {
            "ir_version": "0.1.0",
            "nodes": [
                {"id": "count_words", "type": "shell", "params": {"command": "echo"}, "batch": {"items": [1]}},
                {"id": "save", "type": "write_file", "params": {"path": "o", "content": "${count.results}"}},
            ],
            "outputs": {"n": {"source": "${count.count}"}},
        },
        specs,
    )
    assert doc["nodes"][1]["params"]["content"] == "${count_words.results}"
    assert doc["outputs"]["n"]["source"] == "${count_words.count}"
    assert doc["edges"] == [{"from": "count_words", "to": "save"}]
    assert applied == [
        "read ${count.results} as ${count_words.results} in node save",
        "read ${count.count} as ${count_words.count} in node outputs",
        "added edge count_words -> save (save uses ${count_words.…})",
    ]


def test_fix_leaves_ambiguous_or_fieldless_shortenings_alone(specs):
    doc = {
        "ir_version": "0.1.0",
        "edges": [],
        "nodes": [
            {"id": "count_a", "type": "shell", "params": {"command": "echo"}},
            {"id": "count_b", "type": "shell", "params": {"command": "echo"}},
            {"id": "s", "type": "shell", "params": {"command": "${count.stdout} ${count_a.nope}"}},
        ],
    }
    fixed_doc, applied = apply_fixes(doc, specs)
    assert fixed_doc["nodes"][2]["params"]["command"] == "${count.stdout} ${count_a.nope}"
    assert not any(a.startswith("read ") for a in applied)


def test_fix_reads_an_upstream_alias_as_the_item_of_each_result(specs):
    doc, applied = apply_fixes(
        {
            "ir_version": "0.1.0",
            "nodes": [
                {"id": "fetch", "type": "http", "params": {"url": "${page}"}, "batch": {"items": ["u1"], "as": "page"}},
                {
                    "id": "sum",
                    "type": "llm",
                    "params": {"prompt": "Summarize ${page} (${page.title}): ${r.body}"},
                    "batch": {"items": "${fetch.results}", "as": "r"},
                },
            ],
            "edges": [{"from": "fetch", "to": "sum"}],
        },
        specs,
    )
    assert doc["nodes"][1]["params"]["prompt"] == "Summarize ${r.item} (${r.item.title}): ${r.body}"
    assert doc["nodes"][0]["params"]["url"] == "${page}"  # inside its own batch the alias is right
    assert applied == [
        "read ${page} as ${r.item} in node sum (the item of its result)",
        "read ${page.title} as ${r.item.title} in node sum (the item of its result)",
    ]


def test_fixed_alias_reference_validates(specs):
    from planflow.ir import validate_document

    broken = {
        "ir_version": "0.1.0",
        "nodes": [
            {"id": "fetch", "type": "http", "params": {"url": "${page}"}, "batch": {"items": ["u1"], "as": "page"}},
            {
                "id": "sum",
                "type": "llm",
                "params": {"prompt": "Summarize ${page}"},
                "batch": {"items": "${fetch.results}", "as": "r"},
            },
        ],
        "edges": [{"from": "fetch", "to": "sum"}],
    }
    assert [i.code for i in validate_document(broken, specs).issues] == ["alias_scope"]
    fixed, _ = apply_fixes(broken, specs)
    assert validate_document(fixed, specs).valid


def test_hostile_json_in_an_answer_is_a_clear_error_or_data_never_a_crash():
    from planflow.planner.extract import NoJSONFound, extract_json

    huge = extract_json('{"n": ' + "9" * 5000 + "}")
    assert huge["n"] is not None  # kept unconverted for the validator to report
    with pytest.raises(NoJSONFound, match="nested too deeply"):
        extract_json('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
