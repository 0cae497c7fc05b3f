"""The run's LLMGate: AIMD concurrency on 429s, requests/tokens per minute, budgets, totals; the
behaviour measured at the server (tests/openai_server.py) through the real openai client."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from planflow.runtime.errors import InputError
from planflow.runtime.limits import ModelLimits, load_limits
from planflow.runtime.pacing import AdaptiveConcurrency, LLMGate, TokenPace
from tests.openai_fixture import register_server_model
from tests.runtime.helpers import run_doc, workflow


def batch(model: str, count: int, limit: int, fail_fast: bool = False) -> dict:
    return workflow(
        {
            "id": "b",
            "type": "llm",
            "params": {"prompt": "say ${item}", "model": model},
            "batch": {
                "items": list(range(count)),
                "parallel": limit > 1,
                "max_concurrent": limit,
                "error_handling": "fail_fast" if fail_fast else "continue",
            },
        }
    )


# AIMD ---------------------------------------------------------------------------------------


def test_adaptive_concurrency_halves_once_per_round_and_recovers_additively():
    async def scenario() -> list[int | None]:
        aimd = AdaptiveConcurrency()
        seen: list[int | None] = []
        generations = [await aimd.acquire(8) for _ in range(8)]
        for generation in generations:  # all eight refused together: one halving, not three
            aimd.release(generation, rate_limited=True, succeeded=False)
        seen.append(aimd.limit)
        for _ in range(4):  # four successes at limit 4: one more
            aimd.release(await aimd.acquire(8), rate_limited=False, succeeded=True)
        seen.append(aimd.limit)
        while aimd.limit is not None:
            aimd.release(await aimd.acquire(8), rate_limited=False, succeeded=True)
        seen.append(aimd.limit)  # back at the batch's own limit: no cap of its own
        return seen

    assert asyncio.run(scenario()) == [4, 5, None]


def test_after_429s_the_server_sees_fewer_requests_in_flight(openai_server, scale_model):
    openai_server.rpm, openai_server.window, openai_server.latency = 600, 1.0, 0.2  # 10 a second
    out = run_doc(batch(scale_model, 40, 20))
    stats = openai_server.stats
    assert out.status == "ok" and out.nodes["b"]["success_count"] == 40
    first_429 = next(at for at, status in stats.answers if status == 429)
    # calls admitted before the halving may still be in flight for a latency or so after it (a
    # busy machine stretches that: 1 s of margin); from then on the limit is 10 or less, growing
    # by one per round of successes
    later = [n for at, n in zip(stats.arrivals, stats.in_flight_at_arrival, strict=True) if at > first_429 + 1.0]
    assert stats.max_in_flight == 20 and later
    assert max(later) <= 14 and sum(later) / len(later) <= 10, later


# rate limits ---------------------------------------------------------------------------------


def test_rpm_keeps_the_servers_429s_low(openai_server, scale_model):
    openai_server.rpm, openai_server.window, openai_server.latency = 600, 1.0, 0.02
    out = run_doc(batch(scale_model, 30, 10), llm=LLMGate(default_limits=ModelLimits(rpm=600)))
    assert out.status == "ok" and out.nodes["b"]["success_count"] == 30
    assert openai_server.stats.by_status.get(429, 0) <= 2, openai_server.stats.by_status


def test_without_rpm_the_same_run_meets_429s_and_still_finishes(openai_server, scale_model):
    """The control for the test above: the limit is what keeps the 429s away."""
    openai_server.rpm, openai_server.window, openai_server.latency = 600, 1.0, 0.02
    out = run_doc(batch(scale_model, 30, 10))
    assert out.status == "ok" and out.nodes["b"]["success_count"] == 30
    assert openai_server.stats.by_status[429] >= 5


def test_token_pace_owes_large_calls_in_full():
    pace = TokenPace(per_minute=6000)  # 100 tokens a second
    assert pace.try_take(1000) == 0  # nothing owed yet: the call goes, then owes 10 s
    assert pace.try_take(10) == pytest.approx(9.9, abs=0.05)  # not admitted: nothing owed for it
    pace.correct(-990)  # the answer used 10 of them
    assert pace.try_take(10) == 0


def test_tpm_keeps_the_servers_token_429s_low(openai_server, scale_model):
    # the server counts about 13 tokens a call (10 of JSON messages, 3 of answer): 10 calls a second
    openai_server.tpm, openai_server.window, openai_server.latency = 7800, 1.0, 0.02
    out = run_doc(batch(scale_model, 30, 10), llm=LLMGate(default_limits=ModelLimits(tpm=7800)))
    assert out.status == "ok" and out.nodes["b"]["success_count"] == 30
    assert openai_server.stats.by_status.get(429, 0) <= 2, openai_server.stats.by_status


def test_limits_file_per_model_and_the_flags_over_it(tmp_path, monkeypatch):
    path = tmp_path / "limits.json"
    path.write_text(json.dumps({"models": {"gpt-4o-mini": {"rpm": 500, "tpm": 200000}}}))
    monkeypatch.setenv("PLANFLOW_HOME", str(tmp_path))
    assert LLMGate.from_environment().limits_for("scale-test", "gpt-4o-mini") == ModelLimits(500, 200000)
    monkeypatch.setenv("PLANFLOW_TPM", "1000")
    assert LLMGate.from_environment(rpm=60).limits_for("scale-test", "gpt-4o-mini") == ModelLimits(60, 1000)
    assert LLMGate.from_environment().limits_for("other", "other") == ModelLimits(None, 1000)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("{", "not valid JSON"),
        ('{"gpt": {"rpm": 5}}', "expected"),
        ('{"models": {"gpt": {"rpm": -5}}}', "models.gpt.rpm: must be a positive number"),
        ('{"models": {"gpt": {"rpn": 5}}}', "models.gpt: expected an object with rpm and/or tpm"),
    ],
)
def test_a_bad_limits_file_is_named_with_what_is_wrong(tmp_path, text, complaint):
    path = tmp_path / "limits.json"
    path.write_text(text)
    with pytest.raises(InputError, match=complaint) as caught:
        load_limits(path)
    assert str(path) in str(caught.value)


# budgets ---------------------------------------------------------------------------------------


def test_a_budget_assumes_the_answer_size_the_estimate_assumes(monkeypatch):
    from planflow.runtime import estimate, pacing

    assert pacing.ASSUMED_OUTPUT_TOKENS == estimate.DEFAULT_OUTPUT_TOKENS
    monkeypatch.setenv("PLANFLOW_ESTIMATE_OUTPUT_TOKENS", "1000")
    assert LLMGate.from_environment().assumed_output_tokens == 1000


def test_max_llm_calls_makes_exactly_that_many_calls(openai_server, scale_model):
    gate = LLMGate(max_llm_calls=7)
    out = run_doc(batch(scale_model, 30, 10), llm=gate)
    assert openai_server.stats.total == 7 and gate.totals()["llm_calls"] == 7
    spent = "--max-llm-calls 7 reached; spent so far: 7 llm calls, 70 input and 21 output tokens"
    assert out.status == "stopped" and spent in out.error["message"]
    # the calls already sent when the budget ran out came back and were kept
    assert out.nodes["b"]["success_count"] == 7 and out.nodes["b"]["error_count"] == 0


def test_max_cost_stops_before_the_call_that_could_pass_it(openai_server, scale_model):
    gate = LLMGate(max_cost=Decimal("0.001"))
    out = run_doc(batch(scale_model, 400, 1, fail_fast=True), llm=gate)
    totals = gate.totals()
    assert out.status == "stopped" and "--max-cost $0.001 reached" in out.error["message"]
    assert 0 < openai_server.stats.total == totals["llm_calls"] < 400
    assert totals["cost_usd"] <= 0.001 and totals["input_tokens"] > 0 and totals["output_tokens"] > 0


def test_max_cost_waits_for_calls_in_flight_rather_than_stopping_on_their_estimates(openai_server, scale_model):
    """Each call is reserved at about $0.00015 (256 assumed output tokens) and costs about
    $0.0000033: ten at once would pass $0.001 on estimates alone, so a few wait for answers
    instead, and every item finishes well within the budget."""
    openai_server.latency = 0.05
    gate = LLMGate(max_cost=Decimal("0.001"))
    out = run_doc(batch(scale_model, 30, 10), llm=gate)
    assert out.status == "ok" and out.nodes["b"]["success_count"] == 30
    assert openai_server.stats.max_in_flight < 10 and gate.totals()["cost_usd"] < 0.001


def test_max_cost_with_a_model_of_unknown_price_is_refused_before_the_run(openai_server):
    model = register_server_model(openai_server, "unpriced", "no-such-model-anywhere")
    with pytest.raises(InputError, match="no price is known for model 'no-such-model-anywhere'"):
        run_doc(batch(model, 3, 1, fail_fast=True), llm=LLMGate(max_cost=Decimal(1)))
    assert openai_server.stats.total == 0


def test_max_cost_with_a_templated_model_of_unknown_price_sends_nothing(openai_server):
    register_server_model(openai_server, "unpriced", "no-such-model-anywhere")
    doc = batch("${which}", 3, 1, fail_fast=True)
    doc["inputs"] = {"which": {"type": "string", "default": "unpriced"}}
    out = run_doc(doc, llm=LLMGate(max_cost=Decimal(1)))
    assert out.status == "stopped" and "no price is known for model 'no-such-model-anywhere'" in out.error["message"]
    assert openai_server.stats.total == 0


def test_totals_count_calls_retries_included_and_the_real_usage(openai_server, scale_model):
    openai_server.enqueue(500)
    gate = LLMGate()
    out = run_doc(batch(scale_model, 3, 1), llm=gate)
    assert out.status == "ok"
    totals = gate.totals()
    assert totals["llm_calls"] == 4 == openai_server.stats.total
    assert totals["input_tokens"] == openai_server.stats.prompt_tokens
    assert totals["output_tokens"] == openai_server.stats.completion_tokens
    assert totals["cost_usd"] is not None and totals["cost_usd"] > 0
