"""The planner driven by a fake model: first-call success, repairs, budget, cannot-plan."""

from __future__ import annotations

import llm
import pytest

from planflow.planner import CannotPlan, PlanFailed, Planner
from tests.fakes import QueueModel, registered_models
from tests.planner.plans import GOOD, text, variant


def plan_with(*replies, supports_schema=True, max_repairs=2, **planner_args):
    model = QueueModel(*replies, supports_schema=supports_schema)
    with registered_models(model):
        try:
            return Planner("queue", max_repairs=max_repairs, **planner_args).plan("count words in texts/"), model
        except PlanFailed as exc:
            exc.model = model
            raise


def test_valid_first_answer_is_one_call():
    result, model = plan_with(text(GOOD))
    report = result.report
    assert [n.id for n in result.workflow.nodes] == ["find", "count"]
    assert (report.llm_calls, report.repairs, report.fixes, report.first_call_valid) == (1, 0, [], True)
    assert report.model == "queue" and report.input_tokens > 0 and report.output_tokens > 0
    asked = model.asked[0]
    assert "Request: count words in texts/" in asked["prompt"]
    assert "### list_files" in asked["system"]
    assert asked["schema"]["properties"]["cannot_plan"]["type"] == "string"


def test_no_schema_for_models_without_schema_support_and_fenced_answers_are_found():
    result, model = plan_with("Here is the plan:\n```json\n" + text(GOOD) + "\n```\nEnjoy!", supports_schema=False)
    assert model.asked[0]["schema"] is None
    assert result.report.llm_calls == 1


def test_malformed_json_is_repaired_in_the_same_conversation():
    result, model = plan_with('{"ir_version": "0.1.0", "nodes": [', text(GOOD))
    assert result.report.llm_calls == 2 and result.report.repairs == 1 and not result.report.first_call_valid
    repair = model.asked[1]
    assert repair["history"] == 1  # the repair turn follows the first answer in one conversation
    assert "malformed JSON at line 1" in repair["prompt"]
    assert "Answer with the whole corrected workflow JSON object only." in repair["prompt"]


@pytest.mark.parametrize(
    ("broken", "expected_line"),
    [
        (variant(nodes__1__type="word_count"), "- node count: type: unknown node type 'word_count'"),
        (
            variant(nodes__1__params={"command": "wc -w < ${fiel}"}),
            "- node count: params.command: ${fiel} references nothing named 'fiel'",
        ),
        (
            variant(nodes__1__batch={"items": "${find.count}", "as": "f"}),
            "- node count: batch.items: batch items ${find.count} is an integer, not an array",
        ),
    ],
    ids=["unknown node type", "bad reference", "non-array batch items"],
)
def test_semantic_errors_go_back_as_a_precise_list(broken, expected_line):
    result, model = plan_with(text(broken), text(GOOD))
    assert result.report.repairs == 1
    assert expected_line in model.asked[1]["prompt"]


def test_budget_exhausted_keeps_the_last_attempt_and_its_problems():
    bad = text(variant(nodes__1__type="nope"))
    with pytest.raises(PlanFailed) as info:
        plan_with(bad, bad, bad, max_repairs=2)
    exc = info.value
    assert exc.report.llm_calls == 3 and exc.report.repairs == 2
    assert len(exc.attempts) == 3
    assert exc.attempts[-1].answer == bad
    assert [i.code for i in exc.attempts[-1].issues] == ["unknown_type"]
    assert "no valid plan after 3 call(s)" in str(exc)


def test_max_repairs_zero_means_one_call():
    with pytest.raises(PlanFailed) as info:
        plan_with("not json", max_repairs=0)
    assert info.value.report.llm_calls == 1


def test_cannot_plan_is_a_clear_failure_not_an_invented_node():
    refusal = '{"cannot_plan": "there is no email node"}'
    with pytest.raises(CannotPlan, match="cannot be done: there is no email node") as info:
        plan_with(refusal, refusal)
    report = info.value.report
    assert (report.llm_calls, report.repairs, len(info.value.attempts)) == (2, 1, 2)
    assert report.seconds > 0


def test_a_refusal_is_challenged_once_and_a_doable_request_gets_its_plan():
    result, model = plan_with('{"cannot_plan": "the request does not name a working directory"}', text(GOOD))
    assert [n.id for n in result.workflow.nodes] == ["find", "count"]
    assert (result.report.llm_calls, result.report.repairs, result.report.first_call_valid) == (2, 1, False)
    challenge = model.asked[1]["prompt"]
    assert '"the request does not name a working directory"' in challenge
    assert "`shell` runs any command" in challenge


def test_with_no_repair_budget_a_refusal_is_final_at_once():
    with pytest.raises(CannotPlan) as info:
        plan_with('{"cannot_plan": "no email node"}', text(GOOD), max_repairs=0)
    assert info.value.report.llm_calls == 1 and len(info.value.model.replies) == 1


def test_deterministic_fixes_are_applied_before_any_repair_and_reported():
    sloppy = variant(
        ir_version="1.0", edges=None, nodes__1__batch={"items": "find.files", "as": "f", "max_concurrent": 500}
    )
    result, _ = plan_with(text(sloppy))
    assert result.report.llm_calls == 1
    assert result.report.fixes == [
        "set ir_version to 0.1.0 (was '1.0')",
        "wrapped batch items of node count as ${find.files}",
        "clamped max_concurrent of node count from 500 to 100",
        "added edge find -> count (count uses ${find.…})",
    ]


def test_unknown_model_and_missing_key_are_model_errors():
    from planflow.runtime.errors import ModelUnavailable

    with pytest.raises(ModelUnavailable, match="unknown model 'nope'"):
        Planner("nope").plan("x")


def test_a_model_that_rejects_schemas_is_asked_for_plain_json():
    from tests.fakes import SchemaRejectingModel

    model = SchemaRejectingModel(text(GOOD))
    with registered_models(model):
        result = Planner("rejects-schema").plan("count words")
    assert [a["schema"] is not None for a in model.asked] == [True, False]
    assert result.report.llm_calls == 2 and result.report.repairs == 0  # the rejected call counts too
    assert result.report.fixes[0].startswith("the model rejected the structured-output request (RuntimeError: Error")
    assert result.report.fixes[0].endswith("asked for plain JSON instead")


def test_a_provider_error_is_a_plan_failure_not_a_traceback():
    class Broken(QueueModel):
        model_id = "broken"

        def execute(self, prompt, stream, response, conversation):
            raise ConnectionError("connection refused")
            yield ""

    with (
        registered_models(Broken(supports_schema=False)),
        pytest.raises(PlanFailed, match="ConnectionError: connection refused"),
    ):
        Planner("broken").plan("x")


class AuthError(Exception):
    """Shaped like openai's APIStatusError: a status code and a message."""

    status_code = 401


@pytest.mark.parametrize(
    "error",
    [
        AuthError("Error code: 401 - Incorrect API key provided"),
        ConnectionError("connection refused"),
        TimeoutError("Request timed out."),
        RuntimeError("Error code: 429 - quota exceeded"),
    ],
    ids=["auth", "network", "timeout", "quota"],
)
def test_an_error_that_is_not_about_the_schema_costs_no_second_call(error):
    class Failing(QueueModel):
        model_id = "failing"

        def execute(self, prompt, stream, response, conversation):
            self.asked.append({"schema": prompt.schema})
            raise error
            yield ""

    model = Failing(supports_schema=True)
    with registered_models(model), pytest.raises(PlanFailed) as caught:
        Planner("failing").plan("x")
    assert len(model.asked) == 1 and caught.value.report.llm_calls == 1
    assert caught.value.report.fixes == []


def test_output_is_bounded_when_the_model_takes_max_tokens():
    from planflow.planner.planner import MAX_PLAN_TOKENS

    class Bounded(QueueModel):
        model_id = "bounded"

        class Options(llm.Options):
            max_tokens: int | None = None

        def execute(self, prompt, stream, response, conversation):
            self.asked.append({"max_tokens": prompt.options.max_tokens})
            yield text(GOOD)

    model = Bounded()
    with registered_models(model):
        Planner("bounded").plan("count words")
    assert model.asked == [{"max_tokens": MAX_PLAN_TOKENS}]


def test_the_planner_reports_each_call_before_it_is_made():
    from types import SimpleNamespace

    from planflow.cli.planning_view import _Status

    seen = []
    model = QueueModel(text({"nodes": []}), text(GOOD))
    with registered_models(model):
        result = Planner("queue", on_call=lambda report: seen.append(report.llm_calls)).plan("count words")
    assert seen == [1, 2] and result.report.llm_calls == 2
    status = _Status("queue")
    status.report = SimpleNamespace(llm_calls=2, input_tokens=1200, output_tokens=34)
    assert str(status.__rich__().text) == "Planning with queue: 0 s, call 2, 1,234 tokens so far"
