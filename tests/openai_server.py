"""A local OpenAI-compatible `/v1/chat/completions` server with a provider's manners, to test
against the whole real path (llm -> openai client -> HTTP) instead of a fake model.

It enforces requests and tokens per window (a fixed window; `window` seconds, 60 by default, the
budget scaled to it, so tests can use short windows), answers 429 with `Retry-After`,
`retry-after-ms` and `x-ratelimit-reset-requests` when a budget is spent, fails a seeded share of
requests with 500, can wait before answering, and counts every request (by status, with arrival
times and the most in flight at once). Answers are deterministic (`echo: <last user message>`),
so outputs compare across runs. Loopback only (127.0.0.1), port chosen by the OS.

In a test: `OpenAIServer(rpm=120, window=1).start()` runs it in a thread of its own.
From a shell (bench): `python tests/openai_server.py --rpm 6000 --window 1 --error-rate 0.02`
prints `ready PORT`; `GET /stats` returns the counts as JSON, `POST /reset` zeroes them.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import logging
import math
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BYTES_PER_TOKEN = 4


@dataclass
class Scripted:
    """One answer to give instead of the normal one (for tests: a 429 with a given header…)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "scripted failure"
    code: str = "error"


@dataclass
class Stats:
    total: int = 0
    by_status: collections.Counter[int] = field(default_factory=collections.Counter)
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of each request
    in_flight_at_arrival: list[int] = field(default_factory=list)  # counting the one arriving
    answers: list[tuple[float, int]] = field(default_factory=list)  # (time.monotonic(), status)
    prompts: list[str] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "max_in_flight": self.max_in_flight,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


def tokens_of(text: str) -> int:
    return -(-len(text.encode()) // BYTES_PER_TOKEN)


class OpenAIServer:
    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        window: float = 60.0,
        error_rate: float = 0.0,
        seed: int = 0,
        latency: float = 0.0,
    ) -> None:
        self.rpm, self.tpm, self.window = rpm, tpm, window
        self.error_rate, self.latency = error_rate, latency
        self.random = random.Random(seed)
        self.stats = Stats()
        self.script: collections.deque[Scripted] = collections.deque()
        self._window_index = -1
        self._window_requests = 0
        self._window_tokens = 0
        self._started = time.monotonic()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # what the test writes in extra-openai-models.yaml
    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def enqueue(
        self, status: int, headers: dict[str, str] | None = None, message: str = "scripted failure", code: str = "error"
    ) -> None:
        """The next request gets this answer (before any budget or injected failure)."""
        self.script.append(Scripted(status, headers or {}, message, code))

    def reset(self) -> None:
        self.stats = Stats()

    # the budget ------------------------------------------------------------------------------
    def _over_budget(self, tokens: int) -> float | None:
        """Seconds until the window resets if this request does not fit in it, else None."""
        now = time.monotonic() - self._started
        index = int(now // self.window)
        if index != self._window_index:
            self._window_index, self._window_requests, self._window_tokens = index, 0, 0
        per_window = self.window / 60.0
        over = (self.rpm is not None and self._window_requests + 1 > self.rpm * per_window) or (
            self.tpm is not None and self._window_tokens + tokens > self.tpm * per_window
        )
        if over:
            return (index + 1) * self.window - now
        self._window_requests += 1
        self._window_tokens += tokens
        return None

    # handlers --------------------------------------------------------------------------------
    async def chat(self, request: web.Request) -> web.Response:
        stats = self.stats
        stats.total += 1
        stats.arrivals.append(time.monotonic())
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        stats.in_flight_at_arrival.append(stats.in_flight)
        try:
            body = await request.json()
            prompt = _last_user_text(body.get("messages", []))
            stats.prompts.append(prompt)
            if self.latency:
                await asyncio.sleep(self.latency)
            response = self._answer(body, prompt)
        finally:
            stats.in_flight -= 1
        stats.by_status[response.status] += 1
        stats.answers.append((time.monotonic(), response.status))
        return response

    def _answer(self, body: dict[str, Any], prompt: str) -> web.Response:
        if self.script:
            scripted = self.script.popleft()
            return _error(scripted.status, scripted.message, scripted.headers, scripted.code)
        text = _completion(body, prompt)
        prompt_tokens = tokens_of(json.dumps(body.get("messages", [])))
        completion_tokens = tokens_of(text)
        wait = self._over_budget(prompt_tokens + completion_tokens)
        if wait is not None:
            headers = {
                "Retry-After": str(max(1, math.ceil(wait))),
                "retry-after-ms": str(max(1, math.ceil(wait * 1000))),
                "x-ratelimit-reset-requests": f"{max(1, math.ceil(wait * 1000))}ms",
            }
            return _error(429, "Rate limit reached for requests", headers, "rate_limit_exceeded")
        if self.error_rate and self.random.random() < self.error_rate:
            return _error(500, "injected server error", {}, "server_error")
        self.stats.prompt_tokens += prompt_tokens
        self.stats.completion_tokens += completion_tokens
        return web.json_response(
            {
                "id": f"chatcmpl-{self.stats.total}",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "unknown"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        )

    async def stats_handler(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats.to_dict())

    async def reset_handler(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_get("/stats", self.stats_handler)
        app.router.add_post("/reset", self.reset_handler)
        return app

    # running ---------------------------------------------------------------------------------
    async def serve(self, port: int = 0) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def start(self) -> OpenAIServer:
        """Serve from a thread of its own; returns once the port is known."""
        ready = threading.Event()

        def main() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self.serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=main, name="openai-test-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the test server did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
            return str(content)
    return ""


def _completion(body: dict[str, Any], prompt: str) -> str:
    if (body.get("response_format") or {}).get("type") == "json_schema":
        return json.dumps({"echo": prompt})
    return f"echo: {prompt}"


def _error(status: int, message: str, headers: dict[str, str], code: str = "error") -> web.Response:
    body = {"error": {"message": message, "type": code, "code": code}}
    return web.json_response(body, status=status, headers=headers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rpm", type=int)
    parser.add_argument("--tpm", type=int)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    # a client killed mid-request (the bench's kill -9) is part of this server's life, not news
    logging.getLogger("aiohttp").setLevel(logging.CRITICAL)
    server = OpenAIServer(args.rpm, args.tpm, args.window, args.error_rate, args.seed, args.latency)

    async def run() -> None:
        await server.serve(args.port)
        print(f"ready {server.port}", flush=True)
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
