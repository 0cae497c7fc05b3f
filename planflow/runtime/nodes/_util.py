"""Small helpers the built-in nodes share."""

from __future__ import annotations

import json
from typing import Any

from planflow.runtime.json_data import loads_data


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
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)
