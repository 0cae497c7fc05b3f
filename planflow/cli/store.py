"""Saved workflows under the user directory, so a plan can be rerun by name with new inputs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from planflow.cli.workflow_source import saved_dir
from planflow.errors import PlanflowError
from planflow.exit_status import ExitStatus
from planflow.runtime.atomic_write import write_atomically

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class StoreError(PlanflowError):
    """An unusable or taken name, or a store that cannot be written."""

    exit_status = ExitStatus.USAGE


def saved_path(name: str, replace: bool = True) -> Path:
    """Where NAME is saved; a StoreError for an unusable name, or for one already taken unless
    `replace` (so a plan is never saved over another by accident)."""
    if not NAME.match(name) or name.endswith(".json"):
        raise StoreError(f"'{name}' is not a usable name: use letters, digits, '_', '-' or '.' (no '.json')")
    target = saved_dir() / f"{name}.json"
    if not replace and target.exists():
        raise StoreError(f"a saved workflow named '{name}' exists already ({target}); pass --force to replace it")
    return target


def save_workflow(document: dict[str, Any], name: str, replace: bool = True) -> Path:
    target = saved_path(name, replace)
    try:
        data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
    except UnicodeEncodeError:  # a lone surrogate (legal as a JSON escape) has no UTF-8 form
        data = (json.dumps(document, indent=2) + "\n").encode()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, data)
    except OSError as exc:
        raise StoreError(
            f"cannot save {name} to {target}: {exc.strerror or exc} (PLANFLOW_HOME sets the folder)"
        ) from None
    return target


def list_saved() -> list[tuple[str, str]]:
    """(name, description) of each saved workflow, by name."""
    found = []
    for path in sorted(saved_dir().glob("*.json")):
        try:
            description = json.loads(path.read_text(encoding="utf-8")).get("description") or ""
        except (ValueError, OSError, AttributeError):
            description = "(unreadable)"
        found.append((path.stem, description))
    return found
