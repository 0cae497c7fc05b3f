"""JSON from data (a file, a command, a web page, a model, a user's input) as values a run can
carry everywhere.

Python holds a file name's undecodable byte as a stand-in character (surrogateescape:
U+DC80..U+DCFF, `\\udcff` for 0xff), which shell, write_file and the journal carry back to the
byte. Any other lone surrogate is half a character (a reply cut mid-emoji, `\\ud83d`): no UTF-8
file, pipe or database can hold it, so it becomes U+FFFD, as undecodable text already does.
"""

from __future__ import annotations

import json
import re
from typing import Any

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
HALF_CHARACTER = re.compile("[\ud800-\udc7f\udd00-\udfff]")  # lone surrogates that stand for no byte
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # how one reaches JSON text


def loads_data(text: str) -> Any:
    """json.loads, with any JSON-escaped half character made U+FFFD (a byte's escape stays the byte)."""
    value = json.loads(text)
    return _replace(value, HALF_CHARACTER) if _SURROGATE_ESCAPE.search(text) else value


def dumps_data(value: Any, indent: int | None = None) -> str:
    """JSON text that any UTF-8 sink holds: readable non-ASCII, and a file name's undecodable
    byte as its escape, so it reads back (through loads_data) to the same value."""
    return LONE_SURROGATE.sub(_escape, json.dumps(value, ensure_ascii=False, indent=indent))


def without_half_characters(value: Any) -> Any:
    """Text as loads_data leaves it: half characters made U+FFFD, bytes kept."""
    return _replace(value, HALF_CHARACTER)


def utf8_text(value: Any) -> Any:
    """Text a UTF-8 request can carry (a model's prompt): every lone surrogate, a byte's too, made U+FFFD."""
    return _replace(value, LONE_SURROGATE)


def escaped(text: str) -> str:
    """Text to show or store as text: each lone surrogate as its backslash escape (`\\udcff`)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _replace(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace(v, pattern) for v in value]
    if isinstance(value, dict):
        return {_replace(k, pattern): _replace(v, pattern) for k, v in value.items()}
    return value
