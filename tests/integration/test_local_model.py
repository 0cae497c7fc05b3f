"""The real `llm` client path end to end over HTTP, replayed from cassettes of a real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.gold_replay import ScriptedModel, scripted_model
from planflow.ir import validate_document
from planflow.planner import CannotPlan, PlanFailed, Planner
from planflow.runtime.registry import default_registry
from tests.runtime.helpers import run_doc, workflow

FIXTURE = Path(__file__).parent / "fixture"


@pytest.mark.vcr
def test_llm_node_batch_calls_the_real_client_concurrently(local_qwen):
    doc = workflow(
        {
            "id": "title",
            "type": "llm",
            "params": {"prompt": "Give a three-word title for: ${item}", "model": local_qwen},
            "batch": {
                "items": ["a quiet harbour at dawn", "rain on a market", "a library at nine"],
                "parallel": True,
                "max_concurrent": 3,
            },
        }
    )
    out = run_doc(doc)
    assert out.status == "ok", out.error
    results = out.nodes["title"]["results"]
    assert [r["item"] for r in results] == ["a quiet harbour at dawn", "rain on a market", "a library at nine"]
    assert all(r["response"].strip() for r in results)
    assert all(r["usage"]["input"] > 0 and r["usage"]["output"] > 0 for r in results)


@pytest.mark.vcr
def test_llm_node_structured_output_through_the_schema_path(local_qwen):
    schema = {
        "type": "object",
        "properties": {"mood": {"type": "string", "enum": ["calm", "gloomy", "busy"]}},
        "required": ["mood"],
    }
    doc = workflow(
        {
            "id": "mood",
            "type": "llm",
            "params": {
                "prompt": "What is the mood of: 'Rain fell on the market all morning'?",
                "model": local_qwen,
                "schema": schema,
            },
        }
    )
    out = run_doc(doc)
    assert out.status == "ok", out.error
    assert out.nodes["mood"]["json"]["mood"] in {"calm", "gloomy", "busy"}


def assert_refusal_contract(exc: CannotPlan, max_repairs: int) -> None:
    """A first refusal is challenged once, paid from the repair budget; a second refusal is
    final, and so is a first one when the budget is spent. Every call after the first is a
    repair or the challenge."""
    report, attempts = exc.report, exc.attempts
    refusals = [a for a in attempts if not a.issues]  # an invalid plan always has issues
    assert report.llm_calls == len(attempts) and report.repairs == len(attempts) - 1 <= max_repairs
    assert not attempts[-1].issues, "the loop ends on the refusal"
    assert len(refusals) == 2 or (len(refusals) == 1 and len(attempts) == max_repairs + 1)
    assert "cannot be done" in str(exc) and len(str(exc)) > len("the model says this cannot be done: ")


@pytest.mark.parametrize(
    "answers",
    [
        ['{"cannot_plan": "no screen"}'],  # refused, challenged, refused again
        ["not json", "still not json", '{"cannot_plan": "no screen"}'],  # a first refusal on the last call
        ["not json", '{"cannot_plan": "no screen"}', '{"cannot_plan": "no screen"}'],
    ],
)
def test_the_refusal_contract_holds_on_scripted_answers(answers):
    """The recording may hold any outcome; the CannotPlan branch's contract is held here too."""
    with scripted_model(ScriptedModel(*answers)), pytest.raises(CannotPlan) as caught:
        Planner("gold", max_repairs=2).plan("switch my desktop to dark mode")
    assert_refusal_contract(caught.value, 2)
    assert caught.value.report.repairs >= 1, "a refusal is challenged (or came last) but never free"


@pytest.mark.vcr
def test_planner_end_to_end_with_a_real_model(local_qwen, monkeypatch):
    """The real client path through plan, validate, fix and repair. The local model samples, so
    a recording may hold a first-call success, a refusal or a failed repair loop: each way the
    loop's contract must hold on its real answers."""
    monkeypatch.chdir(FIXTURE)
    planner = Planner(local_qwen, max_repairs=2, workdir=FIXTURE)
    try:
        result = planner.plan("count the words in every .txt file in texts/ and write the counts to counts.json")
    except CannotPlan as exc:
        assert_refusal_contract(exc, planner.max_repairs)
        return
    except PlanFailed as exc:
        report = exc.report
        assert report.llm_calls == 3 and report.repairs == 2 and len(exc.attempts) == 3
        assert all(a.answer.strip() for a in exc.attempts)
        assert exc.attempts[-1].issues, "a failed plan keeps the problems of its last attempt"
        assert report.input_tokens > report.output_tokens > 0
        return
    report = result.report
    assert 1 <= report.llm_calls <= 3 and report.input_tokens > 0
    assert validate_document(result.workflow.to_json_dict(), default_registry().specs()).valid
    assert any(node.batch is not None for node in result.workflow.nodes), "a bulk request must come out batched"
    print(json.dumps(result.workflow.to_json_dict(), indent=1), report.summary())
