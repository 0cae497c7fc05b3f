from __future__ import annotations

import json
from typing import Any

from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure


def _call_sync(model: Any, prompt: str, kwargs: dict[str, Any]) -> tuple[str, Any]:
    response = model.prompt(prompt, **kwargs)
    return response.text(), response.usage()


async def run(params: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    import llm

    handle = ctx.run.models.get(params.get("model"))
    kwargs: dict[str, Any] = {"system": params.get("system"), "schema": params.get("schema")}
    if params.get("temperature") is not None:
        kwargs["temperature"] = params["temperature"]
    # Not streamed: some OpenAI-compatible servers only report token usage on whole responses.
    kwargs["stream"] = False
    try:
        if handle.is_async:
            response = handle.model.prompt(params["prompt"], **kwargs)
            text, usage = await response.text(), await response.usage()
        else:
            text, usage = await ctx.in_thread(_call_sync, handle.model, params["prompt"], kwargs)
    except llm.ModelError as exc:
        raise NodeFailure(f"model {handle.model_id}: {exc}") from None
    parsed = None
    if params.get("schema") is not None:
        try:
            parsed = json.loads(text)
        except ValueError:
            raise NodeFailure(f"model {handle.model_id} did not return JSON for the schema: {text[:200]}") from None
    return {
        "response": text,
        "json": parsed,
        "usage": {"input": getattr(usage, "input", None), "output": getattr(usage, "output", None)},
    }
