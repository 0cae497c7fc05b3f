"""Small helpers the built-in nodes share."""

from __future__ import annotations

import json
import re
from typing import Any

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # how one reaches JSON text


def parse_json_or_none(text: str) -> Any:
    """JSON when the text is JSON, else None (so `${x.json}` can feed a batch when it is a list)."""
    stripped = text.strip()
    if not stripped or stripped[0] not in '[{"-0123456789tfn':
        return None
    try:
        value = json.loads(stripped)
        return without_lone_surrogates(value) if _SURROGATE_ESCAPE.search(stripped) else value
    except (ValueError, RecursionError):  # nesting deeper than Python's stack is not JSON we can use
        return None


def without_lone_surrogates(value: Any) -> Any:
    """JSON may escape half a character ("\\ud800", a reply cut mid-emoji); no UTF-8 file, pipe or
    database can hold one, so it becomes U+FFFD, as undecodable bytes do when text is read."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    return value


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)
