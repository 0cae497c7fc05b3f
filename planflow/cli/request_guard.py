"""Is this a request for the planner, or a mistyped command?

`planflow examples/pipeline/workflow.json` or `planflow runn x.json` used to go to the planner,
which with a paid model spends money and may plan and run something. The rule: a request is a
sentence of at least two words, is not the name of a file that exists, and does not start with
a near-miss of a subcommand (`runn`, `valdate`). Anything else gets "did you mean …" and no
model is called.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from pathlib import Path


def request_refusal(request: str, commands: Collection[str]) -> str | None:
    """Why `request` is not sent to the planner, or None when it reads as a request;
    `commands`: the CLI's subcommands (the group's own list, so none is missing here)."""
    text = request.strip()
    if not text:
        return 'the request is empty: say what to do, e.g. planflow "count the words in every .txt file here"'
    words = text.split()
    first = words[0]
    if len(words) == 1 and (_is_file(text) or text.endswith(".json")):
        return f"{text!r} is a file, not a request: did you mean `planflow run {text}`?"
    near = near_command(first, commands)
    if near and len(words) <= 3:
        rest = " ".join(words[1:])
        return f"{first!r} is not a command: did you mean `planflow {near}{' ' + rest if rest else ''}`?"
    if len(words) == 1:
        return (
            f"{text!r} is one word, not a request: a request says what to do in a sentence "
            f"(at least two words); commands are {', '.join(commands)} (planflow --help)"
        )
    return None


def subcommands(root: object) -> list[str]:
    """The names a user types, from the CLI group itself; `do` is the default, never typed."""
    return [name for name in getattr(root, "commands", {}) if name != "do"]


def near_command(word: str, commands: Collection[str]) -> str | None:
    """The subcommand `word` looks like a typo of (`runn` -> `run`), if any."""
    if word.lower() in commands:
        return None
    near = difflib.get_close_matches(word.lower(), list(commands), n=1, cutoff=0.75)
    return near[0] if near else None


def _is_file(text: str) -> bool:
    try:
        return Path(text).exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False
