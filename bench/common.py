"""Shared pieces for the benchmarks: a no-op node type, a fake async model, workflow builders."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from planflow.ir import NodeTypeSpec, OutputField, ParamSpec, validate_document
from planflow.runtime.context import RunContext
from planflow.runtime.engine import run_workflow
from planflow.runtime.registry import NodeRegistry, default_registry

NOOP = NodeTypeSpec(
    name="noop",
    summary="Return the value it is given (benchmarks only).",
    params=(ParamSpec("value", "any", "Anything."), ParamSpec("work_bytes", "integer", "Scratch to allocate.")),
    outputs=(OutputField("value", "any", "The value."),),
)


async def noop(params: dict[str, Any], ctx: Any) -> dict[str, Any]:
    if params.get("work_bytes"):
        scratch = bytearray(params["work_bytes"])  # per-item intermediate state, dropped at once
        del scratch
    return {"value": params.get("value")}


def registry_with_noop() -> NodeRegistry:
    registry = NodeRegistry()
    for name, spec in default_registry().specs().items():
        registry.register(spec, default_registry().get(name).target)
    registry.register(NOOP, noop)
    return registry


def batch_workflow(
    node_type: str, params: dict[str, Any], count: int, parallel: bool, limit: int, registry: NodeRegistry
) -> Any:
    doc = {
        "ir_version": "0.1.0",
        "inputs": {"items": {"type": "array", "default": list(range(count))}},
        "nodes": [
            {
                "id": "b",
                "type": node_type,
                "params": params,
                "batch": {"items": "${items}", "parallel": parallel, "max_concurrent": limit},
            }
        ],
    }
    result = validate_document(doc, registry.specs())
    assert result.valid, result.issues
    return result.workflow


def timed_run(workflow: Any, registry: NodeRegistry, run: RunContext | None = None) -> float:
    run = run or RunContext()
    started = time.perf_counter()
    result = asyncio.run(run_workflow(workflow, {}, run, registry))
    elapsed = time.perf_counter() - started
    assert result.status == "ok", result.error
    assert result.nodes["b"]["success_count"] == workflow.inputs["items"].default.__len__()
    return elapsed


def chain_document(n: int) -> dict[str, Any]:
    """n shell nodes in a line, each using its parent's output: the validator's long case."""
    nodes = [{"id": "n0", "type": "shell", "params": {"command": "echo 0"}}]
    nodes += [
        {"id": f"n{i}", "type": "shell", "params": {"command": f"echo ${{n{i - 1}.stdout}}"}} for i in range(1, n)
    ]
    edges = [{"from": f"n{i - 1}", "to": f"n{i}"} for i in range(1, n)]
    return {"ir_version": "0.1.0", "nodes": nodes, "edges": edges}


def distinct_shell_document(n: int) -> dict[str, Any]:
    """n shell nodes in a line whose commands all differ, so each is parsed and placed anew: the
    shell analysis's worst case (equal commands share one analysis)."""
    doc = chain_document(n)
    for i, node in enumerate(doc["nodes"][1:], 1):
        node["params"]["command"] = f"grep -c 'pattern {i}' ${{n{i - 1}.stdout}} | sort > out{i}.txt || true"
    return doc


def invalid_document(n: int) -> dict[str, Any]:
    """n nodes, each with an unknown param and a reference to nothing: two issues per node,
    each with a suggestion to look for."""
    nodes = [
        {"id": f"n{i}", "type": "shell", "params": {"command": f"echo ${{missing{i}.x}}", f"bogus{i}": 1}}
        for i in range(n)
    ]
    return {"ir_version": "0.1.0", "nodes": nodes}
