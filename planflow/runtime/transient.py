"""Transient failures are the runtime's job: which errors from a model or an HTTP request are
worth another try, how long to wait, and the loop that retries them within a per-item deadline.

These retries are not the item's `max_retries` (executor.with_retries), which counts the
item's own failures: a 429 says "later", not "wrong", so it must not use up an attempt.

What is transient: HTTP 408, 425, 429 and 5xx (except 501 and 505), 409 from a model (OpenAI's
lock timeout; for an http step 409 is a real conflict), timeouts and dropped connections.
What is permanent, never retried: every other 4xx (400, 401, 403, 404, 422…), and a model
answer that does not match its schema, and a 429 `insufficient_quota` (no credit left). A
response's `x-should-retry: true|false` overrides all of that. Anything else (an exception this
module cannot read) is left to the item's own `max_retries`.

Errors are read by shape, not by class, so every SDK built the same way is covered without
importing it: `status_code` (openai, anthropic, groq, mistral, ollama) or `code`/`status`
(google-genai, aiohttp) and `response.headers`; timeouts and connection errors by their
class names along the MRO (openai's APIConnectionError/APITimeoutError, httpx's
TransportError family, aiohttp's ClientConnectionError family) and the builtins. The whole
`__cause__`/`__context__` chain is read, so a plugin that wraps the SDK error in
`llm.ModelError` is read through.
"""

from __future__ import annotations

import asyncio
import email.utils
import os
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any, TypeVar

from planflow.runtime.errors import InputError, NodeFailure, RunStop

T = TypeVar("T")

DEADLINE_VARIABLE = "PLANFLOW_RETRY_DEADLINE"
DEFAULT_DEADLINE_SECONDS = 600.0
BASE_SECONDS = 0.5
CAP_SECONDS = 30.0

_NOT_TRANSIENT_5XX = frozenset({501, 505})
MODEL_TRANSIENT_4XX = frozenset({408, 409, 425, 429})
HTTP_TRANSIENT_4XX = frozenset({408, 425, 429})

_TRANSIENT_CLASS_NAMES = frozenset(
    {
        "TimeoutError",
        "ConnectionError",
        "APIConnectionError",
        "APITimeoutError",
        "TransportError",  # httpx / httpx2: ConnectError, ReadTimeout, RemoteProtocolError…
        "TimeoutException",
        "ClientConnectionError",  # aiohttp: ServerDisconnectedError, ClientConnectorError…
        "ClientPayloadError",
        "IncompleteReadError",
        "ServiceUnavailable",
        "DeadlineExceeded",  # google.api_core
    }
)

# the same answer again will fail the same way: a body in an encoding it does not decode from
_PERMANENT_CLASS_NAMES = frozenset({"ContentEncodingError"})


class PermanentFailure(NodeFailure):
    """A request the other side refused for good (400, 401, 404…): no retry can help."""

    retryable = False


class GaveUp(NodeFailure):
    """Transient failures outlasted the per-item deadline. The item's own `max_retries` may
    still try it again, with a fresh deadline."""


class StatusFailure(NodeFailure):
    """An HTTP answer of 400 or more, with what the classifier needs to read it."""

    def __init__(self, message: str, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(message)
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}


@dataclass(frozen=True)
class Verdict:
    transient: bool
    reason: str  # "HTTP 429", "APITimeoutError"…, for the final message
    status: int | None = None
    retry_after: float | None = None  # seconds the other side asked us to wait

    @property
    def rate_limited(self) -> bool:
        return self.status == 429


@dataclass(frozen=True)
class RetryPolicy:
    deadline: float = DEFAULT_DEADLINE_SECONDS  # per item, from its first attempt
    base: float = BASE_SECONDS
    cap: float = CAP_SECONDS

    @classmethod
    def from_environment(cls) -> RetryPolicy:
        value = os.environ.get(DEADLINE_VARIABLE, "").strip()
        if not value:
            return cls()
        try:
            deadline = float(value)
        except ValueError:
            deadline = -1.0
        if not deadline >= 0 or deadline == float("inf"):
            raise InputError(f"{DEADLINE_VARIABLE} must be a number of seconds (0 or more), got {value!r}")
        return cls(deadline=deadline)

    def wait(self, retry: int, retry_after: float | None, rng: random.Random | None = None) -> float:
        """Full jitter (uniform(0, min(cap, base * 2**retry))), so items refused together do not
        come back together; where the server said how long, at least that, plus up to `base`."""
        uniform = (rng or random).uniform
        if retry_after is not None:
            return retry_after + uniform(0, self.base)
        return uniform(0, min(self.cap, self.base * 2 ** min(retry, 30)))


# reading an error -----------------------------------------------------------------------------


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        # `raise X from None` says the earlier error is not the reason: do not read through it
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return seen


def _status_of(exc: BaseException) -> int | None:
    if isinstance(exc, StatusFailure):
        return exc.status
    for name in ("status_code", "status", "code"):
        value = getattr(exc, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
            return value
    response = getattr(exc, "response", None)
    value = getattr(response, "status_code", None)
    return value if isinstance(value, int) and 100 <= value <= 599 else None


def _headers_of(exc: BaseException) -> Mapping[str, str]:
    if isinstance(exc, StatusFailure):
        return exc.headers
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        headers = getattr(exc, "headers", None)
    try:
        return {str(k).lower(): str(v) for k, v in headers.items()} if headers is not None else {}
    except (AttributeError, TypeError):
        return {}


def _out_of_quota(exc: BaseException) -> bool:
    """OpenAI answers 429 `insufficient_quota` when the account has no credit left: waiting
    cannot help, so it is permanent."""
    return "insufficient_quota" in f"{getattr(exc, 'code', '')} {getattr(exc, 'body', '')}"


def _is_network_error(exc: BaseException) -> bool:
    return any(cls.__name__ in _TRANSIENT_CLASS_NAMES for cls in type(exc).__mro__)


def classify(exc: BaseException, transient_4xx: frozenset[int] = MODEL_TRANSIENT_4XX) -> Verdict | None:
    """Transient, permanent, or None: not ours to judge (left to the item's max_retries)."""
    if isinstance(exc, RunStop | PermanentFailure | GaveUp):
        return None
    chain = _chain(exc)
    for link in chain:
        if type(link).__name__ in _PERMANENT_CLASS_NAMES:
            return Verdict(False, f"{type(link).__name__}: {getattr(link, 'message', link)}")
    for link in chain:
        status = _status_of(link)
        if status is not None and status >= 400:
            transient = status in transient_4xx or (status >= 500 and status not in _NOT_TRANSIENT_5XX)
            if status == 429 and _out_of_quota(link):
                return Verdict(False, "HTTP 429 (insufficient_quota: the account is out of credit)", status)
            headers = _headers_of(link)
            said = headers.get("x-should-retry")  # OpenAI's and Anthropic's servers may say, and win
            transient = said == "true" if said in ("true", "false") else transient
            wait = server_wait(headers) if transient else None
            return Verdict(transient, f"HTTP {status}", status, wait)
        if _is_network_error(link):
            return Verdict(True, type(link).__name__)
    return None


def classify_http(exc: BaseException) -> Verdict | None:
    return classify(exc, HTTP_TRANSIENT_4XX)


# what the server asked for ----------------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def parse_duration(text: str) -> float | None:
    """`1s`, `6m0s`, `20ms`, `1h2m3.5s` or a bare number of seconds -> seconds."""
    text = text.strip().lower()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return sum(float(n) * scale[u] for n, u in parts)


def _retry_after(value: str, now: float | None = None) -> float | None:
    """Retry-After: delta-seconds or an HTTP date."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


def server_wait(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait a response asks for: `retry-after-ms`, else `Retry-After`, else the later of
    `x-ratelimit-reset-requests` / `-tokens`; None when it says nothing readable."""
    headers = {k.lower(): v for k, v in headers.items()}
    if "retry-after-ms" in headers:
        try:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    if "retry-after" in headers:
        seconds = _retry_after(headers["retry-after"], now)
        if seconds is not None:
            return seconds
    resets = [
        parse_duration(headers[k]) for k in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens") if k in headers
    ]
    known = [r for r in resets if r is not None]
    return max(known) if known else None


# the loop -----------------------------------------------------------------------------------------


def _attempts(n: int) -> str:
    return f"{n} attempt{'s' if n != 1 else ''}"


async def retry_transient(
    call: Callable[[], Awaitable[T]],
    what: str,
    policy: RetryPolicy,
    classifier: Callable[[BaseException], Verdict | None] = classify,
    describe: Callable[[BaseException], str] = str,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> T:
    """`call` until it succeeds, fails for good, or the deadline would pass during the next wait.
    `what` starts every message ("model gpt-4o-mini", "GET https://…")."""
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except Exception as exc:
            verdict = classifier(exc)
            if verdict is None:
                raise
            detail = describe(exc)
            if verdict.reason not in detail:
                detail = f"{verdict.reason}: {detail}"
            if not verdict.transient:
                raise PermanentFailure(f"{what}: {detail} (permanent, not retried; {_attempts(attempt)})") from None
            wait = policy.wait(attempt - 1, verdict.retry_after)
            elapsed = time.monotonic() - started
            if elapsed + wait > policy.deadline:
                raise GaveUp(
                    f"{what}: {detail}; gave up after {_attempts(attempt)} in {elapsed:.1f} s "
                    f"(transient failures are retried for up to {policy.deadline:g} s per item, {DEADLINE_VARIABLE})"
                ) from None
            await sleep(wait)
