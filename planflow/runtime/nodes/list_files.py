from __future__ import annotations

import os
from typing import Any

from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.paths import ensure_inside


async def run(params: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    ensure_inside(params, ctx)  # a path from another step's output must not escape the folder
    folder = params.get("dir", ".")
    pattern = params.get("pattern", "*")
    root = ctx.run.path(folder)
    if root.is_file():
        raise NodeFailure(
            f"{folder} is a file, not a folder: list_files lists a folder's files "
            "(read it with read_file, or set dir to its folder and pattern to its name)"
        )
    if not root.is_dir():
        raise NodeFailure(f"no such folder: {folder}")
    matches = root.rglob(pattern) if params.get("recursive") else root.glob(pattern)
    # Paths keep the folder as the user wrote it, so they work from the same place.
    files = sorted(os.path.join(folder, str(p.relative_to(root))) for p in matches if p.is_file())
    return {"files": files, "count": len(files)}
