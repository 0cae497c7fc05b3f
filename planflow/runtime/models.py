"""Finding `llm` models for llm nodes: async where the model has one, checked before items run."""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any

from planflow.runtime.errors import ModelUnavailable

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
        self._warm_up: threading.Thread | None = None
        self._warm_up_errors: list[BaseException] = []

    @property
    def default(self) -> str | None:
        """The model named for this run (-m), if any; a remote worker rebuilds its cache from it."""
        return self._default

    def get(self, model_id: str | None, checking: bool = False) -> ModelHandle:
        """The model, ready to use; `checking` (the preflight): resolved and its key checked, but
        the imports its requests need may still be deferred (see warm_up)."""
        name = model_id or default_model_id(self._default)
        if name not in self._handles:
            self._handles[name] = _resolve(name)
        if not checking:
            self._finish_imports()
        return self._handles[name]

    def _finish_imports(self) -> None:
        # A lazy module is not safe to finish from two threads at once (Python 3.11): a sync
        # model's items would, each in its own pool thread. So it is finished here, first.
        if self._warm_up is None and _deferred_openai():
            _load_openai(self._warm_up_errors)
        elif self._warm_up is not None:
            self._warm_up.join()
        if self._warm_up_errors:
            raise ModelUnavailable(f"cannot import openai: {self._warm_up_errors[0]}")

    def warm_up(self) -> None:
        """Once the preflight has resolved the run's models: finish the imports their first
        request needs (`openai`, deferred by _defer_openai) on a thread, while the steps before
        the first llm step run. The next get() waits for it."""
        if self._warm_up is None and self._handles and _deferred_openai():
            self._warm_up = threading.Thread(
                target=_load_openai, args=(self._warm_up_errors,), name="planflow-model-warm-up", daemon=True
            )
            self._warm_up.start()


def _defer_openai() -> None:
    """llm's built-in OpenAI plugin imports `openai` when plugins load, but uses it only to make
    a request; the import is most of an llm run's start-up (1-3 s: every openai.types model).
    Make it lazy, so resolving and checking models before anything runs does not wait for it."""
    if "openai" in sys.modules:
        return
    spec = importlib.util.find_spec("openai")
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["openai"] = module
    loader.exec_module(module)


def _deferred_openai() -> bool:
    module = sys.modules.get("openai")
    return module is not None and type(module).__name__ == "_LazyModule"


def _load_openai(errors: list[BaseException]) -> None:
    try:
        sys.modules["openai"].__name__  # noqa: B018 - any attribute finishes a lazy module's import
    except BaseException as exc:  # kept for get(), on the run's thread
        errors.append(exc)


def _resolve(name: str) -> ModelHandle:
    _defer_openai()
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
