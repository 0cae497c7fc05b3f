"""Model answers used by the planner tests, as JSON text."""

from __future__ import annotations

import json

GOOD = {
    "ir_version": "0.1.0",
    "description": "Count words in each text file",
    "inputs": {"folder": {"type": "string", "default": "texts"}},
    "nodes": [
        {
            "id": "find",
            "type": "list_files",
            "purpose": "Find the files",
            "params": {"dir": "${folder}", "pattern": "*.txt"},
        },
        {
            "id": "count",
            "type": "shell",
            "purpose": "Count words in each",
            "batch": {"items": "${find.files}", "as": "f", "parallel": True, "max_concurrent": 4},
            "params": {"command": "wc -w < ${f}"},
        },
    ],
    "edges": [{"from": "find", "to": "count"}],
    "outputs": {"counts": {"source": "${count.results}"}},
}


def text(doc: dict) -> str:
    return json.dumps(doc)


def variant(**changes) -> dict:
    doc = json.loads(json.dumps(GOOD))
    for path, value in changes.items():
        target = doc
        parts = path.split("__")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if value is None:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return doc
