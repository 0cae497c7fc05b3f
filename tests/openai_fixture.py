"""Fixtures for the local OpenAI-compatible server (tests/openai_server.py), registered in
conftest.py: `openai_server` runs one per test, `scale_model` points llm's own OpenAI plugin at
it through extra-openai-models.yaml in the per-test LLM_USER_PATH and returns the model id."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.openai_server import OpenAIServer

MODEL_ID = "scale-test"
MODEL_NAME = "gpt-4o-mini"  # a name with a known price and tokenizer


def register_server_model(server: OpenAIServer, model_id: str = MODEL_ID, model_name: str = MODEL_NAME) -> str:
    """An extra-openai-models.yaml entry for the server; with an api_base and no api_key_name,
    llm asks for no key."""
    user_dir = Path(os.environ["LLM_USER_PATH"])
    user_dir.mkdir(parents=True, exist_ok=True)
    (user_dir / "extra-openai-models.yaml").write_text(
        f"- model_id: {model_id}\n  model_name: {model_name}\n  api_base: {server.api_base}\n"
    )
    return model_id


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def scale_model(openai_server: OpenAIServer) -> str:
    return register_server_model(openai_server)
