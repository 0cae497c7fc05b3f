"""A loopback OpenAI-compatible server that counts every request, and `llm` models pointed at it
through `extra-openai-models.yaml`: the whole real path (llm -> openai client -> HTTP), so "no
model was called" is checked where a call would land, not on a fake."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PRICED_MODEL = "counted-mini"  # its model_name is gpt-4o-mini, which genai-prices knows
PRICED_NAME = "gpt-4o-mini"
UNPRICED_MODEL = "counted-local"  # its model_name is a local model no price database lists
UNPRICED_NAME = "local-thing-7b"

_COMPLETION = {
    "id": "chatcmpl-counted",
    "object": "chat.completion",
    "created": 0,
    "model": PRICED_NAME,
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


@dataclass
class CountingServer:
    base: str
    paths: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.paths)


@contextmanager
def counting_models() -> Iterator[CountingServer]:
    """Start the server and declare both models in $LLM_USER_PATH (tests/conftest.py sets it)."""
    seen: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            with lock:
                seen.append(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            body = json.dumps(_COMPLETION).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    user_path = Path(os.environ["LLM_USER_PATH"])
    user_path.mkdir(parents=True, exist_ok=True)
    (user_path / "extra-openai-models.yaml").write_text(
        f"- model_id: {PRICED_MODEL}\n  model_name: {PRICED_NAME}\n  api_base: {base}\n"
        f"- model_id: {UNPRICED_MODEL}\n  model_name: {UNPRICED_NAME}\n  api_base: {base}\n"
    )
    try:
        yield CountingServer(base, seen)
    finally:
        server.shutdown()
        server.server_close()
