"""Did the model reject the structured-output request itself, or fail for another reason?

Only the first is worth a second call asking for plain JSON. Servers word it their own way
(llama.cpp: "Input should be 'text' or 'json_object'", OpenAI: "Invalid schema for
response_format…"), so the rule reads the error's text for the request's own vocabulary, after
ruling out what is plainly not about the schema: auth, not found, rate limits, timeouts and
dropped connections.
"""

from __future__ import annotations

from collections.abc import Iterator

_NOT_ABOUT_THE_SCHEMA = {401, 403, 404, 408, 429}
_SCHEMA_WORDS = ("schema", "response_format", "json_object", "structured output", "grammar")
_TRANSPORT_WORDS = ("connection", "timeout", "timed out")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def rejects_schema(exc: BaseException) -> bool:
    for link in _chain(exc):
        status = getattr(link, "status_code", None) or getattr(getattr(link, "response", None), "status_code", None)
        if status in _NOT_ABOUT_THE_SCHEMA:
            return False
        if any(word in type(link).__name__.lower() for word in _TRANSPORT_WORDS):
            return False
    text = " ".join(str(link) for link in _chain(exc)).lower()
    return any(word in text for word in _SCHEMA_WORDS)
