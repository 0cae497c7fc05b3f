"""The http node, on aiohttp.

Not httpx: at 100 requests in flight, httpcore 1.0.9's pool rescans every connection for every
queued request (encode/httpcore#1035, unmerged), and even the fixed fork spends about 1 ms of
CPU per request here. Measured with bench/run.py concurrency: 2,000 requests x 50 ms at 100 in
flight took about 20 s with httpx, 2.1 s with httpx2 and 1.1 s with aiohttp (ideal 1.0 s).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.json_data import LONE_SURROGATE as _SURROGATE
from planflow.runtime.json_data import escaped
from planflow.runtime.nodes._util import parse_json_or_none
from planflow.runtime.specs import DEFAULT_MAX_BYTES
from planflow.runtime.transient import PermanentFailure, StatusFailure, classify_http, retry_transient

if TYPE_CHECKING:
    import aiohttp


_ERROR_BODY_BYTES = 1 << 16  # a failing status shows only the start of its body


def _too_large(method: str, url: str, cap: int, size: str) -> NodeFailure:
    return NodeFailure(
        f"{method} {url}: the response body ({size}) exceeds max_bytes ({cap} bytes); "
        "raise the http node's max_bytes param to accept it"
    )


async def _read_capped(response: aiohttp.ClientResponse, cap: int, method: str, url: str) -> bytearray:
    """The body a chunk at a time, failing at the cap rather than after holding it all. The
    chunks are decompressed ones, so a small compressed bomb is caught too."""
    declared = response.content_length
    if method == "HEAD" or response.status in (204, 304):
        return bytearray()  # no body follows, whatever length the headers declare for the resource
    if response.status < 400 and declared is not None and declared > cap:
        raise _too_large(method, url, cap, f"{declared} bytes declared")
    limit = min(cap, _ERROR_BODY_BYTES) if response.status >= 400 else cap
    body = bytearray()
    async for chunk in response.content.iter_chunked(1 << 16):
        body += chunk
        if len(body) > limit:
            if response.status >= 400:
                return body[:limit]
            raise _too_large(method, url, cap, f"more than {cap} bytes")
    return body


def _decode(body: bytearray, charset: str | None) -> str:
    """The declared charset, else UTF-8 (what aiohttp's text() falls back to)."""
    if charset:
        try:
            return body.decode(charset, errors="replace")
        except LookupError:
            pass
    return body.decode("utf-8", errors="replace")


def _body(body: Any) -> Any:
    """A text body as UTF-8, a file name's undecodable bytes as those bytes (as shell does)."""
    if isinstance(body, str) and _SURROGATE.search(body):
        try:
            return body.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raise PermanentFailure("params.body holds half a character, which no request can carry") from None
    return body


def _query(params: dict[str, Any] | None) -> dict[str, str] | None:
    if not params:
        return None
    return {
        k: v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v) for k, v in params.items()
    }


async def run(params: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    """One request, with 408/425/429/5xx, timeouts and dropped connections retried
    (transient.py); a refused URL, a bad URL, a body over the cap and other 4xx are not."""
    import aiohttp

    url = params["url"]
    method = str(params.get("method", "GET")).upper()
    _refuse_undecodable(params)
    refusal = ctx.run.url_policy(url) if ctx.run.url_policy else None
    if refusal:
        raise NodeFailure(f"{method} {url} refused: {refusal}")
    try:
        return await retry_transient(
            lambda: _request(params, ctx, method, url), f"{method} {url}", ctx.run.llm.retry, classify_http, _describe
        )
    except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as exc:  # not transient by its class
        raise NodeFailure(f"{method} {url} failed: {type(exc).__name__}: {exc}") from None


def _refuse_undecodable(params: dict[str, Any]) -> None:
    """A value holding a byte that is not UTF-8 (a listed file's name) cannot be a URL, query or
    header: yarl would silently drop it and ask for another resource, so the item fails instead."""
    for name in ("url", "params", "headers"):
        value = params.get(name)
        texts = [value] if isinstance(value, str) else [t for kv in (value or {}).items() for t in kv]
        for text in texts:
            if isinstance(text, str) and _SURROGATE.search(text):
                raise PermanentFailure(
                    f"params.{name} holds a byte that is not UTF-8 ({escaped(text)!r}); "
                    "a request cannot carry it as text"
                )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, NodeFailure | TimeoutError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


async def _request(params: dict[str, Any], ctx: NodeContext, method: str, url: str) -> dict[str, Any]:
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=params.get("timeout", 30))
    cap = params.get("max_bytes") or DEFAULT_MAX_BYTES
    try:
        async with ctx.run.http_session().request(
            method,
            url,
            headers=params.get("headers"),
            params=_query(params.get("params")),
            json=params.get("json"),
            data=_body(params.get("body")),
            timeout=timeout,
        ) as response:
            status = response.status
            raw = await _read_capped(response, cap, method, url)
            body = _decode(raw, response.charset)
            headers: dict[str, str] = {}
            for key, value in response.headers.items():
                key = key.lower()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
    except (aiohttp.InvalidURL, ValueError) as exc:
        raise PermanentFailure(f"invalid URL {url!r}: {exc}") from None
    except TimeoutError:
        raise TimeoutError(f"timed out after {params.get('timeout', 30)} s") from None
    # ClientError, OSError, IncompleteReadError propagate: transient.py reads them by class
    if status >= 400:
        # no method and URL: retry_transient's message starts with them
        raise StatusFailure(f"returned HTTP {status}: {body[:200]}", status, headers)
    return {"status": status, "headers": headers, "body": body, "json": parse_json_or_none(body), "size": len(raw)}
