"""write_file: `path`, `content` (non-strings written as JSON), optional `append` -> `path`, `bytes`."""

from __future__ import annotations

from typing import Any

from planflow.runtime.atomic_write import write_atomically
from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.nodes._util import as_text
from planflow.runtime.paths import ensure_inside

__all__ = ["run"]


async def run(params: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    ensure_inside(params, ctx)  # a path from another step's output must not escape the folder
    path = params["path"]
    if not str(path).strip():
        raise NodeFailure("params.path is empty: there is no file to write")
    target = ctx.run.path(path)
    if target.is_dir():
        raise NodeFailure(f"cannot write {path}: it is a folder; give the path of a file inside it")
    try:  # surrogateescape: a file name's undecodable bytes are written back as those bytes
        data = as_text(params["content"]).encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise NodeFailure(f"params.content holds half a character ({exc.object[exc.start]!r}), not text") from None
    try:
        if params.get("append") and target.exists():
            data = target.read_bytes() + data
        write_atomically(target, data)
    except OSError as exc:
        raise NodeFailure(f"cannot write {path}: {exc.strerror or exc}") from None
    return {"path": path, "bytes": len(data)}
