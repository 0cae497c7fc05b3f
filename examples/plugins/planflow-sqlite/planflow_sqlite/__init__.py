"""An example planflow plugin: `sqlite_query`, a read-only query on an SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from planflow import hookimpl
from planflow.ir.node_spec import NodeTypeSpec, OutputField, ParamSpec
from planflow.runtime.errors import NodeFailure
from planflow.runtime.paths import ensure_inside

SQLITE_QUERY = NodeTypeSpec(
    name="sqlite_query",
    summary="Run a read-only SQL query on an SQLite database file.",
    when_to_use="Read rows from an SQLite file. Put values in params (bound with ?), never in the query.",
    cpu_bound=True,  # it reads the file on the machine it runs on
    params=(
        ParamSpec("database", "string", "Path of the SQLite file.", required=True, is_path=True),
        ParamSpec("query", "string", "One SQL statement; ? marks each value from params.", required=True),
        ParamSpec("params", "array", "Values bound to the query's ? marks, in order."),
    ),
    outputs=(
        OutputField("rows", "array", "Each row as an object: column name -> value."),
        OutputField("columns", "array", "The column names.", item_type="string"),
        OutputField("count", "integer", "How many rows."),
    ),
)


def _query(path: Path, query: str, values: list[Any]) -> dict[str, Any]:
    if not path.is_file():
        raise NodeFailure(f"no such database file: {path}")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:  # read-only: no query can write
            cursor = db.execute(query, values)
            columns = [c[0] for c in cursor.description or ()]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    except sqlite3.Error as exc:
        raise NodeFailure(f"{path}: {type(exc).__name__}: {exc}") from None
    return {"rows": rows, "columns": columns, "count": len(rows)}


async def run(params: dict[str, Any], ctx: Any) -> dict[str, Any]:
    ensure_inside(params, ctx)  # a database path taken from another step's output stays inside
    path = ctx.run.path(params["database"])
    return await ctx.in_thread(_query, path, params["query"], list(params.get("params") or []))


@hookimpl
def register_node_types(register: Any) -> None:
    register(SQLITE_QUERY, "planflow_sqlite:run")
