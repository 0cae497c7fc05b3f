"""The OpenAI plugin's client, adjusted for batches: no retries of its own, and one client per
event loop instead of one per call.

The openai client retries 408/409/429/5xx twice by itself, out of the runtime's sight: those
requests skip the rate limits, the budgets and the 429 back-off, and are not counted. With
`max_retries=0` every request goes through the gate (pacing.py) and transient.py retries it.
llm's OpenAI models also build a new client (and connection pool) for every prompt; reusing one
per loop keeps connections alive across a batch's items.

Applied to any model with llm's `get_client(key, *, async_=False)` (the OpenAI plugin and the
plugins built on it); other models are left as they are.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any


def take_over_retries(model: Any) -> None:
    original = getattr(model, "get_client", None)
    if original is None or getattr(original, "_planflow_owned", False):
        return
    sync_clients: dict[Any, Any] = {}
    async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Any, Any]] = weakref.WeakKeyDictionary()

    def get_client(key: Any = None, *, async_: bool = False) -> Any:
        clients = async_clients.setdefault(asyncio.get_running_loop(), {}) if async_ else sync_clients
        if key not in clients:
            client = original(key, async_=async_)
            with_options = getattr(client, "with_options", None)
            clients[key] = with_options(max_retries=0) if with_options else client
        return clients[key]

    get_client._planflow_owned = True  # type: ignore[attr-defined]
    model.get_client = get_client
