"""The local OpenAI-compatible server behaves like a provider: budgets per window with 429s and
their headers, seeded 500s, deterministic answers with usage, every request counted."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.openai_server import OpenAIServer


def post(server: OpenAIServer, text: str) -> tuple[int, dict, dict]:
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": text}]}).encode()
    request = urllib.request.Request(f"{server.api_base}/chat/completions", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def test_answers_deterministically_with_usage():
    server = OpenAIServer().start()
    try:
        status, _, body = post(server, "hello")
        assert status == 200
        assert body["choices"][0]["message"]["content"] == "echo: hello"
        assert body["usage"]["completion_tokens"] == 3 and body["usage"]["prompt_tokens"] > 0
    finally:
        server.stop()


def test_a_spent_window_answers_429_with_its_wait():
    server = OpenAIServer(rpm=120, window=30).start()  # 60 requests per 30 s window
    try:
        statuses = [post(server, str(i))[0] for i in range(61)]
        status, headers, body = post(server, "over")
        assert statuses[:60] == [200] * 60 and statuses[60] == 429 and status == 429
        assert 1 <= int(headers["Retry-After"]) <= 30
        assert 0 < int(headers["retry-after-ms"]) <= 30_000
        assert headers["x-ratelimit-reset-requests"].endswith("ms")
        assert body["error"]["code"] == "rate_limit_exceeded"
        assert server.stats.total == 62 and server.stats.by_status == {200: 60, 429: 2}
    finally:
        server.stop()


def test_injected_failures_are_seeded_and_scripted_answers_come_first():
    runs = []
    for _ in range(2):
        server = OpenAIServer(error_rate=0.3, seed=7).start()
        try:
            server.enqueue(404)
            runs.append([post(server, "x")[0] for _ in range(20)])
        finally:
            server.stop()
    assert runs[0] == runs[1] and runs[0][0] == 404
    assert 0 < runs[0].count(500) < 19
