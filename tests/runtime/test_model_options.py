"""An llm step's options are checked against its model before any step runs."""

from __future__ import annotations

import asyncio

import llm
import pytest
from pydantic import Field

from planflow.ir import validate_document
from planflow.runtime.context import RunContext
from planflow.runtime.engine import run_workflow
from planflow.runtime.model_options import ModelOptionError
from planflow.runtime.registry import default_registry
from tests.fakes import FakeAsyncModel, registered_models


class NoSchemaModel(FakeAsyncModel):
    model_id = "fake-plain"
    supports_schema = False


class TemperatureModel(FakeAsyncModel):
    model_id = "fake-tempered"

    class Options(llm.Options):
        temperature: float | None = Field(default=None, ge=0, le=2)


def two_steps(tmp_path, **llm_params):
    doc = {
        "ir_version": "0.1.0",
        "nodes": [
            {"id": "first", "type": "shell", "params": {"command": "touch first-ran"}},
            {"id": "ask", "type": "llm", "params": {"prompt": "hi", **llm_params}},
        ],
        "edges": [{"from": "first", "to": "ask"}],
    }
    result = validate_document(doc, default_registry().specs())
    assert result.valid, result.issues
    return result.workflow


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"model": "fake-async", "temperature": 0.2},
            "node ask: params.temperature: model fake-async does not take a temperature (it takes: no options)",
        ),
        (
            {"model": "fake-plain", "schema": {"type": "object"}},
            "node ask: params.schema: model fake-plain does not support structured output",
        ),
        (
            {"model": "fake-tempered", "temperature": 5},
            "node ask: params.temperature: model fake-tempered refuses 5: Input should be less than or equal to 2",
        ),
    ],
    ids=["no-temperature", "no-schema", "bad-value"],
)
def test_refused_before_any_step_runs(tmp_path, params, message):
    workflow = two_steps(tmp_path, **params)
    with (
        registered_models(FakeAsyncModel(), NoSchemaModel(), TemperatureModel()),
        pytest.raises(ModelOptionError) as caught,
    ):
        asyncio.run(run_workflow(workflow, run=RunContext(cwd=tmp_path)))
    assert str(caught.value).startswith(message)
    assert not (tmp_path / "first-ran").exists()


def test_an_option_the_model_takes_runs(tmp_path):
    with registered_models(TemperatureModel()):
        workflow = two_steps(tmp_path, model="fake-tempered", temperature=0.2)
        out = asyncio.run(run_workflow(workflow, run=RunContext(cwd=tmp_path)))
    assert out.status == "ok" and out.nodes["ask"]["response"] == "echo: hi"


def test_the_real_openai_plugin_model_takes_temperature_and_schema(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    from planflow.runtime.engine import _preflight_models

    workflow = two_steps(tmp_path, model="gpt-4o-mini", temperature=0.2, schema={"type": "object"})
    _preflight_models(workflow, RunContext(cwd=tmp_path))  # nothing raised: both are taken
    with pytest.raises(ModelOptionError, match="refuses 5"):
        _preflight_models(two_steps(tmp_path, model="gpt-4o-mini", temperature=5), RunContext(cwd=tmp_path))
