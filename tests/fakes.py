"""Test doubles: fake `llm` models registered the way plugins register, and a loopback HTTP server."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import llm


class FakeAsyncModel(llm.AsyncModel):
    """Answers `echo: <prompt>` after `delay` seconds; counts calls and peak concurrency."""

    model_id = "fake-async"
    supports_schema = True

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[dict[str, Any]] = []
        self.in_flight = 0
        self.peak = 0

    async def execute(self, prompt, stream, response, conversation):  # type: ignore[override]
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            self.calls.append(
                {"prompt": prompt.prompt, "system": prompt.system, "schema": prompt.schema, "stream": stream}
            )
            if "FAIL" in prompt.prompt:
                raise llm.ModelError("the fake model was told to fail")
            response.set_usage(input=len(prompt.prompt.split()), output=2)
            if prompt.schema:
                yield json.dumps({"echo": prompt.prompt})
            else:
                yield f"echo: {prompt.prompt}"
        finally:
            self.in_flight -= 1


class FakeSyncModel(llm.Model):
    """A model with no async variant: the runtime must use a pool sized to max_concurrent."""

    model_id = "fake-sync"

    def __init__(self, delay: float = 0.0, gather: int = 0) -> None:
        """`gather`: each call waits (10 s at most) until that many are in flight at once, so a
        test of the pool's size syncs on the calls themselves, not on a sleep's timing."""
        self.delay = delay
        self.gather = gather
        self.lock = threading.Condition()
        self.in_flight = 0
        self.peak = 0

    def execute(self, prompt, stream, response, conversation):  # type: ignore[override]
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.lock.notify_all()
            if self.gather:
                self.lock.wait_for(lambda: self.peak >= self.gather, timeout=10)
        try:
            time.sleep(self.delay)
            yield f"sync: {prompt.prompt}"
        finally:
            with self.lock:
                self.in_flight -= 1


class KeyedModel(llm.AsyncKeyModel):
    model_id = "fake-keyed"
    needs_key = "fakeprovider"
    key_env_var = "FAKEPROVIDER_KEY"

    async def execute(self, prompt, stream, response, conversation, key):  # type: ignore[override]
        yield f"keyed: {key}"


@contextmanager
def registered_models(*models: Any) -> Iterator[None]:
    """Register fake models through llm's plugin hook, as llm's own tests do."""

    class FakeModelsPlugin:
        __name__ = "FakeModelsPlugin"

        @llm.hookimpl
        def register_models(self, register):  # type: ignore[no-untyped-def]
            for model in models:
                if isinstance(model, (llm.AsyncModel, llm.AsyncKeyModel)):
                    register(_SyncShadow(model.model_id), async_model=model)
                else:
                    register(model)

    llm.plugins.pm.register(FakeModelsPlugin(), name="planflow-fake-models")
    try:
        yield
    finally:
        llm.plugins.pm.unregister(name="planflow-fake-models")


class _SyncShadow(llm.Model):
    """llm registers models in sync/async pairs; the sync half of an async-only fake."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def execute(self, prompt, stream, response, conversation):  # type: ignore[override]
        raise AssertionError("the runtime should have used the async model")


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: str, content_type: str = "text/plain") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.startswith("/status/"):
            code = int(self.path.split("/")[2])
            self._send(code, f"status {code} body")
        elif self.path.startswith("/json"):
            self._send(200, json.dumps({"path": self.path, "ok": True}), "application/json")
        elif self.path.startswith("/page/"):
            self._send(200, f"<h1>page {urllib.parse.unquote(self.path.split('/')[2])}</h1>", "text/html")
        else:
            self._send(404, "not found")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length).decode()
        self._send(200, json.dumps({"received": body, "header": self.headers.get("X-Test")}), "application/json")


@contextmanager
def http_server() -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 with a free port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QueueModel(llm.Model):
    """Answers with queued replies in order, like llm's own MockModel; records what it was asked."""

    model_id = "queue"
    supports_schema = True

    def __init__(self, *replies: str, supports_schema: bool = True) -> None:
        self.replies = list(replies)
        self.supports_schema = supports_schema
        self.asked: list[dict[str, Any]] = []

    def enqueue(self, *replies: str) -> None:
        self.replies.extend(replies)

    def execute(self, prompt, stream, response, conversation):  # type: ignore[override]
        self.asked.append(
            {
                "prompt": prompt.prompt,
                "system": prompt.system,
                "schema": prompt.schema,
                "history": len(conversation.responses) if conversation else 0,
            }
        )
        if not self.replies:
            raise AssertionError("QueueModel ran out of replies")
        reply = self.replies.pop(0)
        response.set_usage(input=len((prompt.prompt or "").split()), output=len(reply.split()))
        yield reply


class SchemaRejectingModel(QueueModel):
    """Like llama.cpp's server: a request with a JSON schema fails with a provider error."""

    model_id = "rejects-schema"

    def execute(self, prompt, stream, response, conversation):  # type: ignore[override]
        if prompt.schema is not None:
            self.asked.append({"prompt": prompt.prompt, "schema": prompt.schema, "rejected": True})
            raise RuntimeError("Error code: 500 - Input should be 'text' or 'json_object'")
        yield from super().execute(prompt, stream, response, conversation)
