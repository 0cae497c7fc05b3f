"""JSON from data (a file, a command, a web page, a model, a user's input) as values a run can
carry everywhere: no half characters, which no UTF-8 file, pipe or database can hold."""

from __future__ import annotations

import json
import re
from typing import Any

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # how one reaches JSON text


def loads_data(text: str) -> Any:
    """json.loads, with any JSON-escaped half character ("\\ud800") made U+FFFD."""
    value = json.loads(text)
    return without_lone_surrogates(value) if _SURROGATE_ESCAPE.search(text) else value


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
