from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
from pydantic import ValidationError

from planflow.ir import BatchSpec, Workflow, json_schema
from planflow.ir.models import json_schema_text


def test_batch_defaults_follow_the_design():
    batch = BatchSpec.model_validate({"items": "${list.files}"})
    assert (batch.as_, batch.parallel, batch.max_concurrent) == ("item", False, 10)
    assert (batch.error_handling, batch.max_retries, batch.retry_wait) == ("fail_fast", 1, 0)


@pytest.mark.parametrize(
    "field",
    [
        {"max_concurrent": 0},
        {"max_concurrent": 101},
        {"max_concurrent": "10"},
        {"error_handling": "ignore"},
        {"max_retries": 0},
        {"retry_wait": -1},
        {"parallel": "yes"},
        {"as": "not an id"},
        {"unknown": 1},
    ],
)
def test_batch_rejects_out_of_bounds_and_unknown_fields(field):
    with pytest.raises(ValidationError):
        BatchSpec.model_validate({"items": [1], **field})


def test_input_is_required_unless_it_has_a_default(summarize_doc):
    workflow = Workflow.model_validate({**summarize_doc, "inputs": {"a": {"type": "string"}, "b": {"default": None}}})
    assert workflow.inputs["a"].required
    assert not workflow.inputs["b"].required


def test_committed_schema_is_current():
    committed = resources.files("planflow.ir").joinpath("schema.json").read_text(encoding="utf-8")
    assert committed == json_schema_text(), (
        "planflow/ir/schema.json is stale; regenerate it with: python -c "
        "\"from planflow.ir.models import json_schema_text as t; open('planflow/ir/schema.json','w').write(t())\""
    )


def test_schema_is_a_valid_json_schema_that_accepts_the_examples(summarize_doc):
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(summarize_doc, schema)


def test_schema_rejects_what_the_models_reject(summarize_doc):
    summarize_doc["nodes"][2]["batch"]["max_concurrent"] = 1000
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(summarize_doc, json_schema())


def test_round_trip_keeps_the_document(summarize_doc):
    workflow = Workflow.model_validate(summarize_doc)
    again = Workflow.model_validate(json.loads(json.dumps(workflow.to_json_dict())))
    assert again == workflow
    assert workflow.to_json_dict()["edges"][0] == {"from": "list", "to": "read"}
