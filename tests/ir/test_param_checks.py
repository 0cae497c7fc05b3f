"""Params a plan can get wrong that a run would only find later: exclude's items, a glob that
leaves dir, a join param rendered once that names the item."""

from __future__ import annotations

import pytest

from planflow.ir import validate_document
from planflow.runtime.registry import default_registry
from tests.runtime.helpers import workflow


def _issues(doc):
    return validate_document(doc, default_registry().specs()).issues


@pytest.mark.parametrize("exclude", [["*.txt", 3], [["*.txt"]], [None], [{"a": 1}], [True]])
def test_exclude_list_of_non_strings_is_a_validation_error(exclude):
    doc = workflow({"id": "ls", "type": "list_files", "params": {"exclude": exclude}}, outputs={"f": "${ls.files}"})
    issues = _issues(doc)
    bad = next(i for i, v in enumerate(exclude) if not isinstance(v, str))
    assert [(i.code, i.node, i.path) for i in issues] == [("param_type", "ls", f"params.exclude[{bad}]")], issues
    assert "must hold strings" in issues[0].message


def _join(params):
    return workflow(
        {"id": "s", "type": "shell", "params": {"command": "echo ${w}"}, "batch": {"items": ["a", "b"], "as": "w"}},
        {"id": "report", "type": "join", "batch": {"items": "${s.results}", "as": "r"}, "params": params},
        outputs={"t": "${report.text}"},
    )


@pytest.mark.parametrize("param", ["header", "footer", "separator", "null_text"])
def test_join_once_param_naming_the_item_is_a_validation_error(param):
    # only params.text is rendered per item
    issues = _issues(_join({"text": "${r.item}", param: "${r.item}"}))
    assert [(i.code, i.node, i.path) for i in issues] == [("alias_scope", "report", f"params.{param}")], issues
    assert "only params.text sees 'r'" in issues[0].message


def test_a_valid_exclude_list_and_a_join_over_its_items_validate():
    doc = workflow(
        {"id": "ls", "type": "list_files", "params": {"exclude": ["*.txt", "${x}"]}}, inputs={"x": {"type": "string"}}
    )
    assert _issues(doc) == []
    assert _issues(_join({"text": "${r.item}: ${r.stdout}", "header": "# ${s.count}\n"})) == []


@pytest.mark.parametrize("pattern", ["", "/etc/*", "../*.txt", "a/../../b"])
def test_a_glob_that_is_empty_or_leaves_dir_is_refused(pattern):
    doc = workflow({"id": "ls", "type": "list_files", "params": {"pattern": pattern}}, outputs={"f": "${ls.files}"})
    assert [(i.code, i.node, i.path) for i in _issues(doc)] == [("param_range", "ls", "params.pattern")]
