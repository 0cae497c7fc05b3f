"""The local llama.cpp model as an `llm` model, for recording cassettes (evals and the integration tests only).

llama.cpp's OpenAI-compatible server rejects `response_format: {"type": "json_schema", …}` but
accepts `{"type": "json_object", "schema": …}`; these subclasses of llm's own OpenAI models
rewrite the one into the other. See ../shared/local-model.md for starting the server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import llm
from llm.default_plugins.openai_models import AsyncChat, Chat

LOCAL_MODEL_ID = "local-qwen"
API_BASE = os.environ.get("PLANFLOW_LOCAL_API_BASE", "http://127.0.0.1:8765/v1")


class _JsonObjectSchema:
    def build_kwargs(self, prompt: Any, stream: bool) -> dict[str, Any]:
        kwargs = super().build_kwargs(prompt, stream)  # type: ignore[misc]
        response_format = kwargs.get("response_format")
        if response_format and response_format.get("type") == "json_schema":
            kwargs["response_format"] = {"type": "json_object", "schema": response_format["json_schema"]["schema"]}
        return kwargs


class LlamaCppChat(_JsonObjectSchema, Chat):
    pass


class LlamaCppAsyncChat(_JsonObjectSchema, AsyncChat):
    pass


@contextmanager
def local_model(model_id: str = LOCAL_MODEL_ID, model_name: str = "qwen05") -> Iterator[str]:
    """Register the local server's model with llm for the duration; yields its model id."""
    sync = LlamaCppChat(model_id, model_name=model_name, api_base=API_BASE, supports_schema=True)
    async_ = LlamaCppAsyncChat(model_id, model_name=model_name, api_base=API_BASE, supports_schema=True)
    sync.needs_key = async_.needs_key = None  # type: ignore[assignment]  # a local server takes no key

    class LocalModelPlugin:
        __name__ = "LocalModelPlugin"

        @llm.hookimpl
        def register_models(self, register):  # type: ignore[no-untyped-def]
            register(sync, async_model=async_)

    llm.plugins.pm.register(LocalModelPlugin(), name="planflow-local-model")
    try:
        yield model_id
    finally:
        llm.plugins.pm.unregister(name="planflow-local-model")
