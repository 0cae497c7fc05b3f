"""docs/nodes.md and `planflow schema` come from the registry and stay true to it."""

from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner

from planflow.cli import cli
from planflow.runtime.node_docs import render_nodes_markdown
from planflow.runtime.registry import default_registry
from tests.conftest import EXAMPLES, ROOT


def test_nodes_doc_is_current():
    committed = (ROOT / "docs" / "nodes.md").read_text(encoding="utf-8")
    assert committed == render_nodes_markdown(default_registry().specs()), (
        "docs/nodes.md is stale; regenerate it with: python -m planflow.runtime.node_docs > docs/nodes.md"
    )


def test_every_param_of_every_type_is_documented():
    text = (ROOT / "docs" / "nodes.md").read_text(encoding="utf-8")
    for spec in default_registry().specs().values():
        section = text.split(f"## `{spec.name}`", 1)[1].split("\n## ", 1)[0]
        for param in spec.params:
            assert f"| `{param.name}` |" in section, (spec.name, param.name)


def typed_schema() -> dict:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    return json.loads(result.stdout)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if (p / "workflow.json").exists()))
def test_examples_match_the_typed_schema(example):
    document = json.loads((EXAMPLES / example / "workflow.json").read_text())
    jsonschema.Draft202012Validator(typed_schema()).validate(document)


@pytest.mark.parametrize(
    "params",
    [{"command": "ls", "timeout": 0}, {"command": "ls", "colour": "red"}, {"command": 3}, {}],
    ids=["timeout-not-positive", "unknown-param", "wrong-type", "missing-required"],
)
def test_the_typed_schema_catches_wrong_params(params):
    document = {"ir_version": "0.1.0", "nodes": [{"id": "s", "type": "shell", "params": params}]}
    validator = jsonschema.Draft202012Validator(typed_schema())
    assert not validator.is_valid(document)
    assert jsonschema.Draft202012Validator(
        json.loads(CliRunner().invoke(cli, ["schema", "--generic"]).stdout)
    ).is_valid(document)


def test_a_template_may_stand_for_any_typed_param():
    document = {
        "ir_version": "0.1.0",
        "nodes": [{"id": "s", "type": "shell", "params": {"command": "ls", "timeout": "${t}"}}],
    }
    assert jsonschema.Draft202012Validator(typed_schema()).is_valid(document)
