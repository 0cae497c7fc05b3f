from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any

from planflow.ir.node_spec import glob_problem
from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.paths import ensure_inside


async def run(params: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    ensure_inside(params, ctx)  # a path from another step's output must not escape the folder
    folder = params.get("dir", ".")
    pattern = _pattern_inside(params.get("pattern", "*"))
    excluded = _exclude_globs(params.get("exclude"))
    root = ctx.run.path(folder)
    if root.is_file():
        raise NodeFailure(
            f"{folder} is a file, not a folder: list_files lists a folder's files "
            "(read it with read_file, or set dir to its folder and pattern to its name)"
        )
    if not root.is_dir():
        raise NodeFailure(f"no such folder: {folder}")
    matches = root.rglob(pattern) if params.get("recursive") else root.glob(pattern)
    inside = (p.relative_to(root) for p in matches if p.is_file())
    # Paths keep the folder as the user wrote it, so they work from the same place.
    files = sorted(os.path.join(folder, str(rel)) for rel in inside if not _excluded(rel, excluded))
    return {"files": files, "count": len(files)}


def _pattern_inside(pattern: Any) -> str:
    """A glob names files inside dir: `..` or an absolute pattern (perhaps from data) would list
    names outside it, and pathlib refuses an empty one in its own words."""
    problem = glob_problem(pattern) if isinstance(pattern, str) else "must be a glob such as *.md"
    if problem:
        raise NodeFailure(f"params.pattern {pattern!r} {problem}")
    return pattern


def _exclude_globs(value: Any) -> list[str]:
    """`exclude` as a list of globs; a template may have rendered it to anything."""
    if value is None or value == "":
        return []
    globs = [value] if isinstance(value, str) else value
    if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
        raise NodeFailure(f"param 'exclude' must be a glob or a list of globs, got {value!r}")
    return globs


def _excluded(rel: Path, globs: list[str]) -> bool:
    """A glob leaves a file out when it matches its name (`*.summary.txt`) or its path inside the
    folder (`drafts/*`), so a rerun need not list the files an earlier run wrote."""
    path = rel.as_posix()
    return any(fnmatch.fnmatchcase(rel.name, g) or fnmatch.fnmatchcase(path, g) for g in globs)
