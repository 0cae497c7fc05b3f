"""Small pieces of wording the checks' messages and hints share."""

from __future__ import annotations

import difflib


def did_you_mean(name: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def suggestion(name: str | None) -> str | None:
    return f"did you mean '{name}'?" if name is not None else None


def article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"
