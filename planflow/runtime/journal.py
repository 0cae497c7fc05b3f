"""The run journal: one SQLite file in $PLANFLOW_HOME, written by the driver only.

Each run gets a row; each finished node's output and each finished batch item's result are
committed as they complete, so a kill -9 at any moment leaves a readable file that has lost at
most the items in flight. WAL lets `planflow runs` read while a run writes; synchronous=NORMAL
skips the fsync per commit (a process crash loses nothing committed; only a power cut can).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planflow.errors import PlanflowError
from planflow.home import planflow_home
from planflow.runtime.json_data import escaped

JOURNAL_FILE = "runs.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,          -- what the user named: a file, a saved name, or "(planned)"
    source TEXT,                     -- the file it was read from, to notice a change on resume
    document TEXT NOT NULL,          -- the workflow as run (JSON)
    workflow_hash TEXT NOT NULL,
    inputs TEXT NOT NULL,            -- the inputs as given (JSON)
    inputs_hash TEXT NOT NULL,
    options TEXT NOT NULL,           -- model, executor, allow_outside… (JSON)
    status TEXT NOT NULL,            -- running, ok, partial, failed, stopped, interrupted
    error TEXT,                      -- {"node", "message"} (JSON)
    started REAL NOT NULL,
    finished REAL,
    attempts INTEGER NOT NULL DEFAULT 1,
    pid INTEGER,
    llm_calls INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL
);
CREATE TABLE IF NOT EXISTS nodes (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    node_id TEXT NOT NULL,
    definition_hash TEXT NOT NULL,   -- the node as written; a changed node is not reused
    output TEXT NOT NULL,
    started REAL,
    finished REAL NOT NULL,
    PRIMARY KEY (run_id, node_id)
);
CREATE TABLE IF NOT EXISTS items (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    node_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    item_hash TEXT NOT NULL,         -- the item itself; a different item at this index is rerun
    ok INTEGER NOT NULL,
    result TEXT,                     -- the item's output (JSON), when ok
    error TEXT,
    started REAL,
    finished REAL NOT NULL,
    input_tokens INTEGER,
    output_tokens INTEGER,
    PRIMARY KEY (run_id, node_id, idx)
);
"""


# A run's row and its items ok and failed, in the column order _row reads.
_RUN_WITH_COUNTS = (
    "SELECT r.*, (SELECT COUNT(*) FROM items i WHERE i.run_id = r.id AND i.ok = 1),"
    " (SELECT COUNT(*) FROM items i WHERE i.run_id = r.id AND i.ok = 0) FROM runs r"
)


class JournalError(PlanflowError):
    """The journal cannot be opened or read (unwritable home, a corrupt file, an unknown id)."""


def digest(value: Any) -> str:
    """A stable hash of a JSON value (keys sorted), to notice a changed workflow, input or item."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _dumps(value: Any) -> str:
    # ASCII escapes: data from a file or a web page may hold a lone surrogate ("\ud800"), which
    # JSON allows and SQLite's UTF-8 cannot store; escaped, it round-trips exactly.
    return json.dumps(value, ensure_ascii=True, default=str)


def _storable(text: str | None) -> str | None:
    """Text for a plain column (a label, a path, a message): a name's undecodable byte is kept as
    its escape (`\\udcff`, as the CLI prints it), since SQLite stores only UTF-8; these are shown,
    not run (a run's document, inputs and results are JSON, escaped losslessly by `_dumps`)."""
    return None if text is None else escaped(text)


@dataclass(frozen=True)
class RunRow:
    id: str
    workflow: str
    source: str | None
    document: dict[str, Any]
    workflow_hash: str
    inputs: dict[str, Any]
    inputs_hash: str
    options: dict[str, Any]
    status: str
    error: dict[str, Any] | None
    started: float
    finished: float | None
    attempts: int
    pid: int | None
    llm_calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    items_ok: int = 0
    items_failed: int = 0

    @property
    def alive(self) -> bool:
        """Still running in a live process (a kill -9 leaves status 'running' with a dead pid)."""
        if self.status != "running" or not self.pid:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return self.pid != os.getpid()

    @property
    def shown_status(self) -> str:
        return "died" if self.status == "running" and not self.alive else self.status

    def summary(self) -> dict[str, Any]:
        """The row as `planflow runs --json` prints it."""
        duration = (self.finished or time.time()) - self.started
        return {
            "id": self.id,
            "workflow": self.workflow,
            "status": self.shown_status,
            "started": self.started,
            "duration_s": round(duration, 3),
            "attempts": self.attempts,
            "items_ok": self.items_ok,
            "items_failed": self.items_failed,
            "llm_calls": self.llm_calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
            "error": self.error,
        }


class Journal:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or planflow_home() / JOURNAL_FILE
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"cannot open the run journal {self.path}: {exc}") from None

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise JournalError(f"cannot write the run journal {self.path}: {exc}") from None

    # --- a run's life -------------------------------------------------------------------------

    def new_run(
        self,
        workflow: str,
        source: str | None,
        document: dict[str, Any],
        inputs: dict[str, Any],
        options: dict[str, Any],
    ) -> str:
        run_id = secrets.token_hex(4)
        with self._write() as db:
            db.execute(
                "INSERT INTO runs (id, workflow, source, document, workflow_hash, inputs, inputs_hash, options,"
                " status, started, pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
                (
                    run_id,
                    _storable(workflow),
                    _storable(source),
                    _dumps(document),
                    digest(document),
                    _dumps(inputs),
                    digest(inputs),
                    _dumps(options),
                    time.time(),
                    os.getpid(),
                ),
            )
        return run_id

    def reopen(self, run_id: str, document: dict[str, Any]) -> None:
        """A resume: the run is running again, in this process, with this (maybe forced) workflow."""
        with self._write() as db:
            db.execute(
                "UPDATE runs SET status = 'running', finished = NULL, error = NULL, attempts = attempts + 1,"
                " pid = ?, document = ?, workflow_hash = ? WHERE id = ?",
                (os.getpid(), _dumps(document), digest(document), run_id),
            )

    def node_finished(self, run_id: str, node_id: str, definition_hash: str, output: Any, started: float) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO nodes VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, node_id, definition_hash, _dumps(output), started, time.time()),
            )

    def item_finished(
        self,
        run_id: str,
        node_id: str,
        index: int,
        item_hash: str,
        result: Any,
        error: str | None,
        started: float | None,
        totals: dict[str, Any] | None = None,
    ) -> None:
        usage = result.get("usage") if isinstance(result, dict) else None
        tokens = (usage.get("input"), usage.get("output")) if isinstance(usage, dict) else (None, None)
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    node_id,
                    index,
                    item_hash,
                    int(error is None),
                    None if error is not None else _dumps(result),
                    _storable(error),
                    started,
                    time.time(),
                    *tokens,
                ),
            )
            if totals is not None:
                self._set_totals(db, run_id, totals)

    def finish(self, run_id: str, status: str, error: dict[str, Any] | None, totals: dict[str, Any] | None) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE runs SET status = ?, error = ?, finished = ?, pid = NULL WHERE id = ?",
                (status, None if error is None else _dumps(error), time.time(), run_id),
            )
            if totals is not None:
                self._set_totals(db, run_id, totals)

    @staticmethod
    def _set_totals(db: sqlite3.Connection, run_id: str, totals: dict[str, Any]) -> None:
        db.execute(
            "UPDATE runs SET llm_calls = ?, input_tokens = ?, output_tokens = ?, cost_usd = ? WHERE id = ?",
            (
                int(totals.get("llm_calls") or 0),
                int(totals.get("input_tokens") or 0),
                int(totals.get("output_tokens") or 0),
                totals.get("cost_usd"),
                run_id,
            ),
        )

    # --- reading ------------------------------------------------------------------------------

    def runs(self, limit: int = 50) -> list[RunRow]:
        rows = self._read(f"{_RUN_WITH_COUNTS} ORDER BY r.started DESC LIMIT ?", (limit,))
        return [_row(r) for r in rows]

    def run(self, run_id: str) -> RunRow | None:
        rows = self._read(f"{_RUN_WITH_COUNTS} WHERE r.id = ?", (run_id,))
        return _row(rows[0]) if rows else None

    def finished_nodes(self, run_id: str) -> dict[str, tuple[str, Any]]:
        """node id -> (definition hash, output)."""
        rows = self._read("SELECT node_id, definition_hash, output FROM nodes WHERE run_id = ?", (run_id,))
        return {node_id: (definition, json.loads(output)) for node_id, definition, output in rows}

    def finished_items(self, run_id: str, node_id: str) -> dict[int, tuple[str, Any]]:
        """index -> (item hash, result) for the items that succeeded."""
        rows = self._read(
            "SELECT idx, item_hash, result FROM items WHERE run_id = ? AND node_id = ? AND ok = 1", (run_id, node_id)
        )
        return {index: (item_hash, json.loads(result)) for index, item_hash, result in rows}

    def node_rows(self, run_id: str) -> list[dict[str, Any]]:
        """Per node: when it finished, and its items ok/failed (for `runs show`)."""
        nodes = self._read("SELECT node_id, started, finished FROM nodes WHERE run_id = ?", (run_id,))
        items = self._read(
            "SELECT node_id, SUM(ok), SUM(1 - ok), SUM(COALESCE(input_tokens, 0)), SUM(COALESCE(output_tokens, 0)),"
            " MIN(started), MAX(finished) FROM items WHERE run_id = ? GROUP BY node_id",
            (run_id,),
        )
        shown: dict[str, dict[str, Any]] = {}
        for node_id, started, finished in nodes:
            shown[node_id] = {"node": node_id, "finished": True, "duration_s": _duration(started, finished)}
        for node_id, ok, failed, tokens_in, tokens_out, first, last in items:
            row = shown.setdefault(node_id, {"node": node_id, "finished": False, "duration_s": _duration(first, last)})
            row.update(items_ok=ok, items_failed=failed, input_tokens=tokens_in, output_tokens=tokens_out)
        return list(shown.values())

    def _read(self, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(query, args).fetchall()
        except sqlite3.Error as exc:
            raise JournalError(f"cannot read the run journal {self.path}: {exc}") from None


def _duration(started: float | None, finished: float | None) -> float | None:
    return round(finished - started, 3) if started is not None and finished is not None else None


def _row(r: tuple[Any, ...]) -> RunRow:
    (rid, workflow, source, document, workflow_hash, inputs, inputs_hash, options, status, error) = r[:10]
    started, finished, attempts, pid, calls, tokens_in, tokens_out, cost, items_ok, items_failed = r[10:]
    return RunRow(
        rid,
        workflow,
        source,
        json.loads(document),
        workflow_hash,
        json.loads(inputs),
        inputs_hash,
        json.loads(options),
        status,
        json.loads(error) if error else None,
        started,
        finished,
        attempts,
        pid,
        calls,
        tokens_in,
        tokens_out,
        cost,
        items_ok or 0,
        items_failed or 0,
    )
