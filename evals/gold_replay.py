"""Gold-plan replay: each case's known-good answer, given by a fake model in place of the real
one, goes through the real planner (fixes, validation), the runner's execution on the case's
fixture (and the loopback fixture server) and the scorer, which must score it perfectly.

This proves the fixtures, the execution checks and the scorer on a plan known to be right,
whatever model the cassettes hold. The answers are evals/gold_plans/<case id>.json: a workflow
meeting the case's `expect` with the shape of its `gold` graph, or `{"cannot_plan": "why"}` for
an impossible case. Check one by hand with `planflow validate evals/gold_plans/ID.json`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import llm

from evals.case import Case
from evals.runner import fixture, run_case

GOLD_PLANS = Path(__file__).parent / "gold_plans"
GOLD_MODEL_ID = "gold"


def gold_plan_path(case_id: str) -> Path:
    return GOLD_PLANS / f"{case_id}.json"


def load_gold_plan(case_id: str) -> dict[str, Any]:
    return json.loads(gold_plan_path(case_id).read_text())


class ScriptedModel(llm.Model):
    """A fake `llm` model. The planner (known by its schema) gets `answers` in order, the last
    one again once they run out, so a refusal stays a refusal when challenged; a workflow's llm
    steps get a reply that names their prompt, or for a schema the smallest JSON that fits it.
    Every call is kept in `asked` (planner or step, and the prompt)."""

    supports_schema = True

    def __init__(self, *answers: str, model_id: str = GOLD_MODEL_ID) -> None:
        self.model_id = model_id
        self.answers = list(answers)
        self.asked: list[tuple[str, str]] = []

    def execute(self, prompt, stream, response, conversation):  # type: ignore[no-untyped-def,override]
        text = prompt.prompt or ""
        if _is_planner_schema(prompt.schema):
            self.asked.append(("planner", text))
            reply = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        else:
            self.asked.append(("step", text))
            reply = json.dumps(example_of(prompt.schema)) if prompt.schema else f"reply to: {text[:200]}"
        response.set_usage(input=len(text.split()), output=len(reply.split()))
        yield reply


def _is_planner_schema(schema: Any) -> bool:
    """The planner asks for planflow.planner.planner_schema(): the IR plus a cannot_plan answer."""
    return isinstance(schema, dict) and "cannot_plan" in schema.get("properties", {})


def example_of(schema: Any) -> Any:
    """The smallest value a JSON Schema allows, enough to stand in for a model's structured answer."""
    if not isinstance(schema, dict):
        return None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        return {name: example_of(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [example_of(schema["items"])] * schema.get("minItems", 0) if "items" in schema else []
    return {"string": "example", "integer": 1, "number": 1, "boolean": True}.get(kind or "")


@contextmanager
def scripted_model(model: ScriptedModel) -> Iterator[ScriptedModel]:
    """Register `model` with llm through its plugin hook (as plugins do) for the duration."""

    class ScriptedModelPlugin:
        __name__ = "ScriptedModelPlugin"

        @llm.hookimpl
        def register_models(self, register):  # type: ignore[no-untyped-def]
            register(model)

    llm.plugins.pm.register(ScriptedModelPlugin(), name="planflow-evals-scripted-model")
    try:
        yield model
    finally:
        llm.plugins.pm.unregister(name="planflow-evals-scripted-model")


def replay_gold(case: Case, max_repairs: int = 1) -> dict[str, Any]:
    """The runner's record for `case` with its gold plan as the model's answer (no cassette)."""
    model = ScriptedModel(gold_plan_path(case.id).read_text())
    with scripted_model(model):
        record = run_case(case, GOLD_MODEL_ID, mode=None, max_repairs=max_repairs)
    record["asked"] = model.asked
    return record


def imperfections(case: Case, record: dict[str, Any]) -> list[str]:
    """Where a gold answer's record falls short of a perfect score (empty when it is perfect)."""
    if case.expect.cannot_plan:
        wanted = {"outcome": "refused", "refused": True, "valid": False}
    else:
        wanted = {"outcome": "planned", "valid": True, "first_call_valid": True, "fixes": [], "repairs": 0}
        wanted |= {"node_type_f1": 1.0, "edge_f1": 1.0, "expectations_met": 1.0}
        if case.expect.batch is not None or case.expect.no_batch:
            wanted["batch_correct"] = 1.0
        if case.expect.execution is not None:
            wanted["execution_ok"] = 1.0
    return [
        f"{key}: {record.get(key)!r}, wanted {value!r}" for key, value in wanted.items() if record.get(key) != value
    ]


def run_gold_plan(case: Case) -> tuple[str, str | None]:
    """Run the gold workflow on a fresh copy of the fixture with the scripted model behind its
    llm steps: (status, error). For the cases with no execution check, the proof that the plan
    at least runs there."""
    import asyncio

    from planflow.ir import Workflow
    from planflow.runtime.context import RunContext, loopback_only
    from planflow.runtime.engine import run_workflow
    from planflow.runtime.models import ModelCache

    workflow = Workflow.model_validate(load_gold_plan(case.id))
    with scripted_model(ScriptedModel("{}")), fixture(case) as root:
        run = RunContext(cwd=root, models=ModelCache(GOLD_MODEL_ID), url_policy=loopback_only)
        result = asyncio.run(run_workflow(workflow, {}, run))
    return result.status, None if result.error is None else str(result.error)
