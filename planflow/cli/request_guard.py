"""Is this a request for the planner, or a mistyped command?

`planflow examples/pipeline/workflow.json` or `planflow runn x.json` used to go to the planner,
which with a paid model spends money and may plan and run something. The rule: a request is a
sentence of at least two words, is not the name of a file that exists, and does not start with
a near-miss of a subcommand (`runn`, `valdate`). Anything else gets "did you mean …" and no
model is called.
"""

from __future__ import annotations

import difflib
from pathlib import Path

SUBCOMMANDS = ("run", "plan", "show", "save", "list", "validate", "schema", "runs", "resume", "node-types")


def request_refusal(request: str) -> str | None:
    """Why `request` is not sent to the planner, or None when it reads as a request."""
    text = request.strip()
    if not text:
        return 'the request is empty: say what to do, e.g. planflow "count the words in every .txt file here"'
    words = text.split()
    first = words[0]
    if len(words) == 1 and (_is_file(text) or text.endswith(".json")):
        return f"{text!r} is a file, not a request: did you mean `planflow run {text}`?"
    near = near_command(first)
    if near and len(words) <= 3:
        rest = " ".join(words[1:])
        return f"{first!r} is not a command: did you mean `planflow {near}{' ' + rest if rest else ''}`?"
    if len(words) == 1:
        return (
            f"{text!r} is one word, not a request: a request says what to do in a sentence "
            f"(at least two words); commands are {', '.join(SUBCOMMANDS)} (planflow --help)"
        )
    return None


def near_command(word: str) -> str | None:
    """The subcommand `word` looks like a typo of (`runn` -> `run`), if any."""
    if word.lower() in SUBCOMMANDS:
        return None
    near = difflib.get_close_matches(word.lower(), SUBCOMMANDS, n=1, cutoff=0.75)
    return near[0] if near else None


def _is_file(text: str) -> bool:
    try:
        return Path(text).exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False
