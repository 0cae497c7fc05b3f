"""Transient failures are retried by the runtime, permanent ones never, through the real path:
llm -> openai client -> HTTP -> tests/openai_server.py (and the http node against it)."""

from __future__ import annotations

import email.utils
import random
import re

import pytest

from planflow.runtime.transient import RetryPolicy, classify, parse_duration, server_wait
from tests.runtime.helpers import run_doc, workflow


def llm_node(model: str, **batch) -> dict:
    """One call, or a batch over `items` when batch settings are given."""
    node = {"id": "b", "type": "llm", "params": {"prompt": "say ${item}" if batch else "say one", "model": model}}
    if batch:
        node["batch"] = batch
    return node


# what a server asks for ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("2.5", 2.5), ("soon", None), ("1x", None)],
)
def test_reset_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_retry_after_ms_wins_then_retry_after_then_the_later_reset():
    assert server_wait({"retry-after-ms": "250", "Retry-After": "3"}) == 0.25
    assert server_wait({"Retry-After": "3", "x-ratelimit-reset-requests": "9s"}) == 3.0
    assert server_wait({"x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "6m0s"}) == 360.0
    assert server_wait({}) is None


def test_retry_after_as_an_http_date():
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert server_wait({"Retry-After": date}, now=now) == pytest.approx(30, abs=1)


def test_full_jitter_stays_within_its_cap_and_a_server_wait_is_a_floor():
    policy, rng = RetryPolicy(base=0.5, cap=4.0), random.Random(1)
    waits = [policy.wait(retry, None, rng) for retry in range(10) for _ in range(50)]
    assert all(0 <= w <= 4.0 for w in waits) and max(waits) > 3.0
    assert all(2.0 <= policy.wait(0, 2.0, rng) <= 2.5 for _ in range(50))


def test_x_should_retry_overrides_the_status():
    from planflow.runtime.transient import StatusFailure

    assert not classify(StatusFailure("x", 503, {"X-Should-Retry": "false"})).transient  # type: ignore[union-attr]
    assert classify(StatusFailure("x", 400, {"x-should-retry": "true"})).transient  # type: ignore[union-attr]


def test_errors_are_read_through_their_chain():
    class StatusError(Exception):
        status_code = 503

    try:
        try:
            raise StatusError("overloaded")
        except StatusError as inner:
            raise RuntimeError("the plugin wrapped it") from inner
    except RuntimeError as outer:
        verdict = classify(outer)
    assert verdict is not None and verdict.transient and verdict.reason == "HTTP 503"
    assert classify(ValueError("a bug")) is None
    try:
        try:
            raise ConnectionResetError()
        except ConnectionResetError:
            raise ValueError("a bad setting, found while reconnecting") from None
    except ValueError as suppressed:
        assert classify(suppressed) is None
    assert classify(ConnectionResetError()).transient  # type: ignore[union-attr]


# through the real client ------------------------------------------------------------------


def test_a_429_with_retry_after_is_not_retried_before_it(openai_server, scale_model):
    openai_server.enqueue(429, {"Retry-After": "2"})  # only Retry-After: no -ms header to prefer
    out = run_doc(workflow(llm_node(scale_model)))
    assert out.status == "ok", out.error
    first, second = openai_server.stats.arrivals
    assert second - first >= 2.0
    assert openai_server.stats.by_status == {429: 1, 200: 1}


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_a_permanent_status_is_tried_exactly_once(openai_server, scale_model, status):
    openai_server.enqueue(status)
    out = run_doc(workflow(llm_node(scale_model, items=[1], max_retries=3)))
    assert out.status == "failed"
    assert openai_server.stats.total == 1
    assert f"HTTP {status}" in out.error["message"] and "not retried; 1 attempt" in out.error["message"]


def test_a_429_for_an_account_out_of_credit_is_permanent(openai_server, scale_model):
    openai_server.enqueue(429, {"Retry-After": "1"}, "You exceeded your current quota", "insufficient_quota")
    out = run_doc(workflow(llm_node(scale_model)))
    assert out.status == "failed" and openai_server.stats.total == 1
    assert "insufficient_quota" in out.error["message"]


def test_500s_are_retried_and_the_item_finishes_without_spending_max_retries(openai_server, scale_model):
    for _ in range(2):
        openai_server.enqueue(500)
    # max_retries 1: one attempt of the item's own; the two 500s must not use it up
    out = run_doc(workflow(llm_node(scale_model, items=["a"], max_retries=1)))
    assert out.status == "ok", out.error
    assert out.nodes["b"]["results"][0]["response"] == "echo: say a"
    assert openai_server.stats.by_status == {500: 2, 200: 1}


def test_the_final_error_names_the_status_and_the_attempts(openai_server, scale_model, monkeypatch):
    monkeypatch.setenv("PLANFLOW_RETRY_DEADLINE", "1.5")
    for _ in range(50):
        openai_server.enqueue(503)
    out = run_doc(workflow(llm_node(scale_model)))
    attempts = openai_server.stats.total
    assert out.status == "failed" and attempts >= 2
    assert "HTTP 503" in out.error["message"]
    assert f"gave up after {attempts} attempts" in out.error["message"]


def test_the_openai_clients_own_retries_are_off(openai_server, scale_model, monkeypatch):
    """Every request the server sees is one the runtime sent: a deadline of 0 means one try."""
    monkeypatch.setenv("PLANFLOW_RETRY_DEADLINE", "0")
    openai_server.enqueue(500)
    out = run_doc(workflow(llm_node(scale_model)))
    assert out.status == "failed" and openai_server.stats.total == 1


# the http node ------------------------------------------------------------------------------


def http_node(url: str) -> dict:
    return {
        "id": "h",
        "type": "http",
        "params": {"url": url, "method": "POST", "json": {"messages": [{"role": "user", "content": "hi"}]}},
    }


def test_http_retries_a_503_after_its_retry_after(openai_server):
    openai_server.enqueue(503, {"Retry-After": "1"})
    out = run_doc(workflow(http_node(f"{openai_server.api_base}/chat/completions")))
    assert out.status == "ok", out.error
    first, second = openai_server.stats.arrivals
    assert second - first >= 1.0 and out.nodes["h"]["status"] == 200


def test_http_does_not_retry_a_404(openai_server):
    openai_server.enqueue(404)
    out = run_doc(workflow(http_node(f"{openai_server.api_base}/chat/completions")))
    assert out.status == "failed" and openai_server.stats.total == 1
    assert "returned HTTP 404" in out.error["message"] and "not retried" in out.error["message"]


def test_http_timeouts_are_retried_until_the_deadline(openai_server, monkeypatch):
    monkeypatch.setenv("PLANFLOW_RETRY_DEADLINE", "1")
    openai_server.latency = 0.5
    node = http_node(f"{openai_server.api_base}/chat/completions")
    node["params"]["timeout"] = 0.2
    out = run_doc(workflow(node))
    assert out.status == "failed" and openai_server.stats.total >= 2
    assert "TimeoutError: timed out after 0.2 s" in out.error["message"]
    # counted by the client: a timed-out request may reach a busy server's count late
    assert re.search(r"gave up after [2-9]\d* attempts", out.error["message"]), out.error["message"]
