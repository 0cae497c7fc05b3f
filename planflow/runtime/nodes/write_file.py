from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.nodes._util import as_text
from planflow.runtime.paths import ensure_inside


def write_atomically(target: Path, data: bytes) -> None:
    """Temp file in the same folder, then rename: readers see the old file or the new one, and an
    interrupted run leaves no half-written file behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


async def run(params: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    ensure_inside(params, ctx)  # a path from another step's output must not escape the folder
    path = params["path"]
    target = ctx.run.path(path)
    data = as_text(params["content"]).encode("utf-8")
    try:
        if params.get("append") and target.exists():
            data = target.read_bytes() + data
        write_atomically(target, data)
    except OSError as exc:
        raise NodeFailure(f"cannot write {path}: {exc.strerror or exc}") from None
    return {"path": path, "bytes": len(data)}
