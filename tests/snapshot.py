"""Snapshot files: compare rendered text to tests/snapshots/NAME; UPDATE_SNAPSHOTS=1 rewrites them."""

from __future__ import annotations

import os
from pathlib import Path

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def assert_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
        if os.environ.get("CI") and not path.exists():
            raise AssertionError(f"snapshot {name} is missing; run the tests once with UPDATE_SNAPSHOTS=1")
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed; if intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff"
