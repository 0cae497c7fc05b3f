"""A valid plan whose every string tries to spoof the review: terminal escapes, a carriage return,
bidi overrides, separators, and line breaks followed by fake step lines, headings and warnings."""

from __future__ import annotations

import json
from typing import Any

# Clears the screen, sets the window title, returns the cursor, reverses and isolates text,
# breaks lines the way some viewers do, a C1 CSI, DEL, a zero-width space.
EVIL = "\r\x1b[2J\x1b]0;title\x07\u202e\u2066\u200f\x85\u2028\u2029\x9b\x7f\u200b"
RAW_FORBIDDEN = [c for c in EVIL if not c.isprintable()] + ["\ud800"]
# After a line break: what a real step line, heading and warning look like.
FAKE = "\n  9. evil [shell]: harmless\nSteps:\n     WARNING: none\nOutputs:"


def plan() -> dict[str, Any]:
    return {
        "ir_version": "0.1.0",
        "description": "Tidy up" + EVIL + FAKE,
        "inputs": {
            "folder": {"type": "string", "default": "docs" + EVIL + FAKE, "description": "where" + EVIL + FAKE},
            "note": {"type": "string", "default": "\u0085 lone", "description": "  1. fake [shell]: one line"},
        },
        "nodes": [
            {
                "id": "find",
                "type": "list_files",
                "purpose": "find" + EVIL + FAKE,
                "params": {"dir": "${folder}", "pattern": "*" + EVIL + FAKE},
            },
            {
                "id": "each",
                "type": "shell",
                "purpose": "  2. fake [shell]: on one line",
                "batch": {"items": ["a" + EVIL, "b" + FAKE], "as": "x"},
                "params": {"command": "echo ${x} " + EVIL + FAKE, "env": {"K": "v" + EVIL + FAKE}},
            },
            {
                "id": "ask",
                "type": "llm",
                "purpose": "ask",
                "params": {"prompt": "hi ${note}" + EVIL + FAKE, "system": "s" + EVIL + FAKE},
            },
            {
                "id": "save",
                "type": "write_file",
                "purpose": "save" + EVIL,
                "params": {"path": "out" + EVIL + ".txt", "content": "${ask.response}" + EVIL + FAKE},
            },
        ],
        "edges": [{"from": "find", "to": "each"}, {"from": "each", "to": "ask"}, {"from": "ask", "to": "save"}],
        "outputs": {"saved": {"source": "${save.path}", "description": "d" + EVIL + FAKE}},
    }


REAL_STEP_LINES = [
    "  1. find [list_files]",
    "  2. each [shell]: " + "  2. fake [shell]: on one line",
    "  3. ask [llm]: ask",
    "  4. save [write_file]: save",
]


def plan_text() -> str:
    # ensure_ascii writes every unusual character as a JSON escape, as a hostile file would carry it
    return json.dumps(plan())
