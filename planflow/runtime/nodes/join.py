"""The join node: a batch's items rendered one by one and joined into one text. The engine
renders `text` per item (the batch alias in scope) and the other params once; this joins."""

from __future__ import annotations

from typing import Any

from planflow.runtime.context import NodeContext


async def run(params: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    rendered: list[str] = params["each"]  # per item, in input order; null items already dealt with
    body = params.get("separator", "\n").join(rendered)
    return {
        "text": f"{params.get('header', '')}{body}{params.get('footer', '')}",
        "count": len(rendered),
        "skipped": params.get("skipped", 0),
    }
