"""A model that answers after a fixed delay, registered through llm's plugin hook (as llm's own
tests register models): an llm batch's cost without a provider."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import llm


class SlowModel(llm.AsyncModel):
    model_id = "bench-slow"

    def __init__(self, delay: float) -> None:
        self.delay = delay

    async def execute(self, prompt, stream, response, conversation):  # type: ignore[no-untyped-def, override]
        await asyncio.sleep(self.delay)
        yield f"ok: {prompt.prompt}"


class _SyncShadow(llm.Model):
    model_id = "bench-slow"

    def execute(self, prompt, stream, response, conversation):  # type: ignore[no-untyped-def, override]
        yield "sync"


@contextlib.contextmanager
def slow_model(delay: float) -> Iterator[Any]:
    model = SlowModel(delay)

    class Plugin:
        __name__ = "BenchSlowModel"

        @llm.hookimpl
        def register_models(self, register):  # type: ignore[no-untyped-def]
            register(_SyncShadow(), async_model=model)

    llm.plugins.pm.register(Plugin(), name="bench-slow-model")
    try:
        yield model
    finally:
        llm.plugins.pm.unregister(name="bench-slow-model")
