from __future__ import annotations

from typing import Any

from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.nodes._util import parse_json_or_none
from planflow.runtime.paths import ensure_inside


async def run(params: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    ensure_inside(params, ctx)  # a path from another step's output must not escape the folder
    path = params["path"]
    try:
        content = ctx.run.path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NodeFailure(f"no such file: {path}") from None
    except IsADirectoryError:
        raise NodeFailure(f"{path} is a folder, not a file") from None
    except UnicodeDecodeError:
        raise NodeFailure(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise NodeFailure(f"cannot read {path}: {exc.strerror}") from None
    return {"content": content, "path": path, "json": parse_json_or_none(content)}
