"""Find the JSON object in a model's answer: bare, fenced, or with prose around it."""

from __future__ import annotations

import json
import re
from typing import Any

from planflow.ir.limits import parse_int

FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)```", re.DOTALL)


class NoJSONFound(ValueError):
    """The answer holds no JSON object; the message says where parsing stopped."""


def extract_json(text: str) -> Any:
    candidates = [text.strip(), *(m.strip() for m in FENCE.findall(text))]
    start = text.find("{")
    if start >= 0:
        candidates.append(text[start:])
    # Huge integers stay unconverted (the validator reports them) instead of raising here.
    decoder = json.JSONDecoder(parse_int=parse_int)
    first_error: json.JSONDecodeError | None = None
    for candidate in candidates:
        if not candidate.startswith("{"):
            continue
        try:
            value, _ = decoder.raw_decode(candidate)  # stops at the object's end, ignoring prose after it
            return value
        except json.JSONDecodeError as exc:
            first_error = first_error or exc
        except RecursionError:
            raise NoJSONFound("the answer's JSON is nested too deeply") from None
    if first_error is not None:
        raise NoJSONFound(f"malformed JSON at line {first_error.lineno}, column {first_error.colno}: {first_error.msg}")
    raise NoJSONFound("the answer holds no JSON object")
