"""Small helpers the built-in nodes share."""

from __future__ import annotations

from typing import Any

from planflow.runtime.json_data import dumps_data, loads_data


def parse_json_or_none(text: str) -> Any:
    """JSON when the text is JSON, else None (so `${x.json}` can feed a batch when it is a list)."""
    stripped = text.strip()
    if not stripped or stripped[0] not in '[{"-0123456789tfn':
        return None
    try:
        return loads_data(stripped)
    except (ValueError, RecursionError):  # nesting deeper than Python's stack is not JSON we can use
        return None


def as_text(value: Any) -> str:
    """A string as it is; anything else as JSON, where a half character (a file name's undecodable
    byte) is written as its escape, so the JSON is UTF-8 and reads back to the same value."""
    return value if isinstance(value, str) else dumps_data(value, indent=2)
