from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

from planflow.ir import validate_document
from planflow.runtime.context import RunContext
from planflow.runtime.engine import RunResult, run_workflow
from planflow.runtime.models import ModelCache
from planflow.runtime.registry import default_registry


def workflow(
    *nodes: dict[str, Any],
    edges: list[tuple[str, str]] | None = None,
    inputs: dict[str, Any] | None = None,
    outputs: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A workflow document; edges default to a chain in the order given."""
    if edges is None:
        edges = [(a["id"], b["id"]) for a, b in itertools.pairwise(nodes)]
    doc: dict[str, Any] = {
        "ir_version": "0.1.0",
        "nodes": list(nodes),
        "edges": [{"from": a, "to": b} for a, b in edges],
    }
    if inputs:
        doc["inputs"] = inputs
    if outputs:
        doc["outputs"] = {k: {"source": v} for k, v in outputs.items()}
    return doc


def run_doc(
    doc: dict[str, Any],
    inputs: dict[str, Any] | None = None,
    cwd: Path | None = None,
    model: str | None = None,
    **context: Any,
) -> RunResult:
    result = validate_document(doc, default_registry().specs())
    assert result.valid, [str(i) for i in result.issues]
    run = RunContext(cwd=cwd or Path.cwd(), models=ModelCache(model), **context)
    return asyncio.run(run_workflow(result.workflow, inputs or {}, run))
