from __future__ import annotations

from typing import Any

from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.nodes._util import parse_json_or_none


async def run(params: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    import httpx

    url = params["url"]
    method = str(params.get("method", "GET")).upper()
    try:
        response = await ctx.run.http_client().request(
            method,
            url,
            headers=params.get("headers"),
            params=params.get("params"),
            json=params.get("json"),
            content=params.get("body"),
            timeout=params.get("timeout", 30),
        )
    except httpx.InvalidURL as exc:
        raise NodeFailure(f"invalid URL {url!r}: {exc}") from None
    except httpx.HTTPError as exc:
        raise NodeFailure(f"{method} {url} failed: {type(exc).__name__}: {exc}") from None
    body = response.text
    if response.status_code >= 400:
        raise NodeFailure(f"{method} {url} returned HTTP {response.status_code}: {body[:200]}")
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        "body": body,
        "json": parse_json_or_none(body),
    }
