from __future__ import annotations

from typing import Any

from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.json_data import loads_data, utf8_text, without_half_characters
from planflow.runtime.models import ModelHandle
from planflow.runtime.prices import provider_model_name
from planflow.runtime.transient import PermanentFailure, retry_transient


def _call_sync(model: Any, prompt: str, kwargs: dict[str, Any]) -> tuple[str, Any]:
    response = model.prompt(prompt, **kwargs)
    return response.text(), response.usage()


async def _ask(handle: ModelHandle, prompt: str, kwargs: dict[str, Any], ctx: NodeContext) -> tuple[str, Any]:
    if handle.is_async:
        response = handle.model.prompt(prompt, **kwargs)
        return await response.text(), await response.usage()
    return await ctx.in_thread(_call_sync, handle.model, prompt, kwargs)


async def run(params: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    import llm

    handle = ctx.run.models.get(params.get("model"))
    gate = ctx.run.llm
    # a listed file's undecodable byte cannot go into a UTF-8 request: the model reads U+FFFD
    kwargs: dict[str, Any] = {"system": utf8_text(params.get("system")), "schema": params.get("schema")}
    if params.get("temperature") is not None:
        kwargs["temperature"] = params["temperature"]
    # Not streamed: some OpenAI-compatible servers only report token usage on whole responses.
    kwargs["stream"] = False
    prompt = utf8_text(params["prompt"])
    name = provider_model_name(handle.model_id, handle.model)
    sent_text = (kwargs["system"] or "") + prompt

    async def attempt() -> tuple[str, Any]:
        async with gate.call(handle.model_id, name, ctx.concurrency, sent_text) as record:
            text, usage = await _ask(handle, prompt, kwargs, ctx)
            record.used(getattr(usage, "input", None), getattr(usage, "output", None))
        return text, usage

    try:
        text, usage = await retry_transient(attempt, f"model {handle.model_id}", gate.retry, describe=_short)
    except llm.ModelError as exc:
        raise NodeFailure(f"model {handle.model_id}: {exc}") from None
    text = without_half_characters(text)  # a reply cut mid-character arrives JSON-escaped as half of one
    parsed = None
    if params.get("schema") is not None:
        try:
            parsed = loads_data(text)
        except (ValueError, RecursionError):
            raise PermanentFailure(
                f"model {handle.model_id} did not return JSON for the schema: {text[:200]}"
            ) from None
    return {
        "response": text,
        "json": parsed,
        "usage": {"input": getattr(usage, "input", None), "output": getattr(usage, "output", None)},
    }


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:299] + "…"
