"""Finding `llm` models for llm nodes: async where the model has one, checked before items run."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from planflow.runtime.errors import ModelUnavailable
from planflow.runtime.llm_clients import take_over_retries

CONFIGURE_HINT = (
    "configure one with `llm keys set openai`, an llm plugin such as "
    "llm-ollama or llm-anthropic, or an OpenAI-compatible server in llm's "
    "extra-openai-models.yaml; then pass -m MODEL or set PLANFLOW_MODEL"
)


@dataclass(frozen=True)
class ModelHandle:
    model_id: str
    model: Any  # llm.AsyncModel or llm.Model
    is_async: bool


def default_model_id(explicit: str | None = None) -> str:
    """-m, else PLANFLOW_MODEL, else llm's own default."""
    if explicit:
        return explicit
    if os.environ.get("PLANFLOW_MODEL"):
        return os.environ["PLANFLOW_MODEL"]
    import llm

    return llm.get_default_model()


class ModelCache:
    """Resolves each model id once per run and checks it has its key."""

    def __init__(self, default: str | None = None) -> None:
        self._default = default
        self._handles: dict[str, ModelHandle] = {}

    @property
    def default(self) -> str | None:
        """The model named for this run (-m), if any; a remote worker rebuilds its cache from it."""
        return self._default

    def get(self, model_id: str | None) -> ModelHandle:
        name = model_id or default_model_id(self._default)
        if name not in self._handles:
            self._handles[name] = _resolve(name)
        return self._handles[name]


def _resolve(name: str) -> ModelHandle:
    import llm

    model: Any
    try:
        model, is_async = llm.get_async_model(name), True
    except llm.UnknownModelError:
        try:
            model, is_async = llm.get_model(name), False
        except llm.UnknownModelError:
            raise ModelUnavailable(f"unknown model '{name}' (`llm models` lists them); {CONFIGURE_HINT}") from None
    try:
        model.get_key()  # raises when the model needs a key and none is set
    except llm.NeedsKeyException as exc:
        raise ModelUnavailable(f"model '{name}': {exc}") from None
    take_over_retries(model)  # every request through the run's gate; see llm_clients.py
    return ModelHandle(name, model, is_async)


def get_sync_model(model_id: str | None = None) -> tuple[str, Any]:
    """A model for one-at-a-time calls (the planner), with its key checked."""
    import llm

    name = default_model_id(model_id)
    try:
        model = llm.get_model(name)
    except llm.UnknownModelError:
        raise ModelUnavailable(f"unknown model '{name}' (`llm models` lists them); {CONFIGURE_HINT}") from None
    try:
        model.get_key()
    except llm.NeedsKeyException as exc:
        raise ModelUnavailable(f"model '{name}': {exc}; {CONFIGURE_HINT}") from None
    return name, model
