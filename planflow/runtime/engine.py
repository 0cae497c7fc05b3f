"""Compile a validated workflow to PocketFlow and run it. The only module that imports pocketflow.

Each IR node becomes an AsyncNode (prep: resolve templates from the shared store; exec: run once
or as a batch through our wrapper; post: store the output). Nodes are chained in dependency
order; nodes of the same depth that do not depend on each other run together in one stage.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import math
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pocketflow import AsyncFlow, AsyncNode

from planflow.ir.models import Node, Workflow
from planflow.ir.shell_checks import analyze_node_command
from planflow.ir.templates import (
    Ref,
    UnresolvedReference,
    compile_value,
    context_lookup,
    follow_path,
    to_text,
)
from planflow.runtime.batch import BatchState, describe, run_batch
from planflow.runtime.context import NodeContext, RunContext
from planflow.runtime.errors import RunFailed, TemplateFailure
from planflow.runtime.inputs import resolve_inputs
from planflow.runtime.paths import PathPolicy, data_derived_paths, shown_roots
from planflow.runtime.registry import NodeRegistry, NodeType, default_registry
from planflow.runtime.shell_binding import BoundCommand, UnsafeCommand, bind_analysis

Status = Literal["ok", "failed", "interrupted"]


@dataclass
class RunResult:
    status: Status
    outputs: dict[str, Any] = field(default_factory=dict)
    nodes: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "outputs": self.outputs, "nodes": self.nodes, "error": self.error}


class _ParamResolver:
    """A node's params, parsed once, resolved per item; shell params are bound, not spliced."""

    def __init__(self, node: Node, node_type: NodeType, integer_inputs: frozenset[str] = frozenset()) -> None:
        self._compiled: dict[str, Callable[[Callable[[Ref], Any]], Any]] = {}
        self._text_params: set[str] = set()
        # Templated values of params that must be finite and > 0 (timeouts) are checked per item:
        # the validator can only check literals.
        self._positive = {p.name for p in node_type.spec.params if p.positive and "${" in str(node.params.get(p.name))}
        for param in node_type.spec.params:
            if param.name not in node.params and param.default is not None:
                self._compiled[param.name] = compile_value(param.default)
            if param.types == ("string",) and param.substitution == "text":
                self._text_params.add(param.name)
        for name, value in node.params.items():
            spec = node_type.spec.param(name)
            if spec is not None and spec.substitution == "shell" and isinstance(value, str):
                self._compiled[name] = _bind_shell(node, value, integer_inputs).resolve
            else:
                self._compiled[name] = compile_value(value)

    def resolve(self, lookup: Callable[[Ref], Any]) -> dict[str, Any]:
        params = {}
        for name, resolver in self._compiled.items():
            try:
                value = resolver(lookup)
            except UnresolvedReference as exc:
                raise TemplateFailure(f"params.{name}: {exc}") from None
            # "${item}" keeps the item's type; a param declared as text gets its text form
            params[name] = to_text(value) if name in self._text_params and not isinstance(value, str) else value
            if name in self._positive and not _positive_number(value):
                raise TemplateFailure(f"params.{name} must be a number greater than 0, got {to_text(value)[:40]!r}")
        return params


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _bind_shell(node: Node, command: str, integer_inputs: frozenset[str]) -> BoundCommand:
    """Bind a shell command; raises UnsafeCommand where a value would run as code."""
    return bind_analysis(analyze_node_command(node, command, integer_inputs))


class _IRNode(AsyncNode):
    def __init__(
        self,
        node: Node,
        node_type: NodeType,
        run: RunContext,
        tracker: dict[str, Any],
        paths: PathPolicy,
        integer_inputs: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(max_retries=1)  # retries are per item, in our batch wrapper
        self.node = node
        self.impl = node_type.impl
        self.io_bound = not node_type.spec.cpu_bound
        self.params_resolver = _ParamResolver(node, node_type, integer_inputs)
        self.items_resolver = compile_value(node.batch.items) if node.batch else None
        concurrency = node.batch.max_concurrent if node.batch and node.batch.parallel else 1
        self.ctx = NodeContext(run, node.id, concurrency, paths)
        self.tracker = tracker

    async def prep_async(self, shared: dict[str, Any]) -> Callable[[Ref], Any]:
        self.ctx.run.progress.node_started(self.node.id)
        return context_lookup(shared)

    async def exec_async(self, lookup: Callable[[Ref], Any]) -> dict[str, Any]:
        node = self.node
        if node.batch is None or self.items_resolver is None:
            try:
                return await self.impl(self.params_resolver.resolve(lookup), self.ctx)
            except Exception as exc:  # a node's bug too is reported as that node's failure
                raise RunFailed(node.id, describe(exc)) from None
        try:
            items = self.items_resolver(lookup)
        except UnresolvedReference as exc:
            raise RunFailed(node.id, f"batch.items: {exc}") from None
        if not isinstance(items, list):
            raise RunFailed(node.id, f"batch.items must resolve to a list, got {type(items).__name__}")
        alias = node.batch.as_

        def prepare(item: Any) -> dict[str, Any]:
            """An item's params, resolved here where the run's outputs are; only they travel."""

            def item_lookup(ref: Ref) -> Any:
                return follow_path(item, ref) if ref.root == alias else lookup(ref)

            return self.params_resolver.resolve(item_lookup)

        state = BatchState(items)
        self.tracker[node.id] = state
        return await run_batch(
            node.id,
            items,
            node.batch,
            self.impl,
            self.ctx,
            self.ctx.run.executor,
            self.ctx.run.progress,
            state,
            prepare=prepare,
            io_bound=self.io_bound,
        )

    async def post_async(self, shared: dict[str, Any], prep_res: Any, output: dict[str, Any]) -> str:
        shared[self.node.id] = output
        self.ctx.run.progress.node_finished(self.node.id, True)
        return "default"


class _Stage(AsyncNode):
    """Nodes of one depth, independent of each other, run concurrently; the first failure
    cancels the others."""

    def __init__(self, members: list[_IRNode]) -> None:
        super().__init__(max_retries=1)
        self.members = members

    async def _run_async(self, shared: dict[str, Any]) -> str:
        tasks = [asyncio.create_task(m._run_async(shared)) for m in self.members]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return "default"


def _depths(workflow: Workflow) -> dict[str, int]:
    """Each node's depth (longest path from a root), by Kahn's algorithm: no recursion, so a
    chain of thousands of nodes written in any order compiles."""
    children: dict[str, list[str]] = {n.id: [] for n in workflow.nodes}
    waiting = dict.fromkeys(children, 0)
    for edge in workflow.edges:
        children[edge.from_].append(edge.to)
        waiting[edge.to] += 1
    depth = dict.fromkeys(children, 0)
    ready = collections.deque(node_id for node_id, count in waiting.items() if count == 0)
    while ready:
        node_id = ready.popleft()
        for child in children[node_id]:
            depth[child] = max(depth[child], depth[node_id] + 1)
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return depth


def compile_flow(
    workflow: Workflow,
    run: RunContext,
    registry: NodeRegistry,
    tracker: dict[str, Any],
    inputs: Mapping[str, Any] | None = None,
) -> AsyncFlow:
    """`inputs`: the run's input values, which with the literal paths say where paths taken from
    step outputs may point (planflow.runtime.paths)."""
    depth = _depths(workflow)
    integers = frozenset(name for name, spec in workflow.inputs.items() if spec.type == "integer")
    step_ids = {n.id for n in workflow.nodes}
    # Decided here, from the templates, once: which path params carry another step's data.
    checked = {n.id: data_derived_paths(n, registry.get(n.type).spec, step_ids) for n in workflow.nodes}
    roots: tuple[str, ...] = ()
    if any(checked.values()) and not run.allow_outside:
        roots = shown_roots(workflow, inputs or {}, run.cwd, registry.specs())
    stages: dict[int, list[_IRNode]] = {}
    for node in workflow.nodes:
        paths = PathPolicy(checked[node.id], roots if checked[node.id] else (), run.allow_outside)
        try:
            ir_node = _IRNode(node, registry.get(node.type), run, tracker, paths, integers)
        except UnsafeCommand as exc:
            raise RunFailed(node.id, f"params.command: {exc}") from None
        stages.setdefault(depth[node.id], []).append(ir_node)
    chain: list[AsyncNode] = [m[0] if len(m) == 1 else _Stage(m) for _, m in sorted(stages.items())]
    for before, after in itertools.pairwise(chain):
        before >> after
    return AsyncFlow(start=chain[0])


def _preflight_models(workflow: Workflow, run: RunContext) -> None:
    """Unknown model or missing key: fail before any item runs, not on the first item."""
    for node in workflow.nodes:
        if node.type == "llm":
            model = node.params.get("model")
            if model is None or (isinstance(model, str) and "${" not in model):
                run.llm.check_budgets_apply(run.models.get(model))


@contextlib.contextmanager
def _pidfd_child_watcher() -> Iterator[None]:
    """For one run: watch subprocesses with pidfds instead of a thread each (Python 3.11; 3.12+
    does this itself). The watcher is process-wide and bound to this loop, so it is installed
    only from the main thread and the previous watcher is restored when the run ends."""
    if (
        sys.version_info >= (3, 12)
        or not hasattr(asyncio, "PidfdChildWatcher")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    previous = asyncio.get_child_watcher()
    watcher = asyncio.PidfdChildWatcher()
    try:
        watcher.attach_loop(asyncio.get_running_loop())
        asyncio.set_child_watcher(watcher)
    except (OSError, RuntimeError):
        yield
        return
    try:
        yield
    finally:
        watcher.close()
        asyncio.set_child_watcher(previous)


async def run_workflow(
    workflow: Workflow,
    inputs: dict[str, Any] | None = None,
    run: RunContext | None = None,
    registry: NodeRegistry | None = None,
    inputs_are_text: bool = False,
) -> RunResult:
    """Run a validated workflow. Raises RuntimeUserError for bad inputs or model setup before any
    node runs; a node failure comes back as a failed RunResult keeping every finished output."""
    run = run or RunContext()
    registry = registry or default_registry()
    values = resolve_inputs(workflow, inputs or {}, from_text=inputs_are_text)
    _preflight_models(workflow, run)
    shared: dict[str, Any] = dict(values)
    tracker: dict[str, BatchState] = {}
    try:
        flow = compile_flow(workflow, run, registry, tracker, values)
    except RunFailed as exc:  # refused before anything ran
        run.result = RunResult("failed", {}, {}, {"node": exc.node_id, "message": exc.message})
        return run.result
    node_ids = [n.id for n in workflow.nodes]
    try:
        with _pidfd_child_watcher():
            await flow.run_async(shared)
    except RunFailed as exc:
        run.progress.node_finished(exc.node_id, False)
        nodes = _node_outputs(shared, node_ids)
        if exc.partial is not None:
            nodes[exc.node_id] = exc.partial
        run.result = RunResult("failed", {}, nodes, {"node": exc.node_id, "message": exc.message})
        return run.result
    except asyncio.CancelledError:
        # Ctrl-C: asyncio.run re-raises KeyboardInterrupt whatever we return, so the partial
        # result is left on the context for the caller, and the cancellation goes on.
        run.result = _interrupted(shared, node_ids, tracker, run.interrupted_by)
        raise
    finally:
        await run.aclose()
    run.result = RunResult("ok", _outputs(workflow, shared), _node_outputs(shared, node_ids))
    return run.result


def _interrupted(
    shared: dict[str, Any], node_ids: list[str], tracker: dict[str, BatchState], cause: str | None
) -> RunResult:
    nodes = _node_outputs(shared, node_ids)
    unfinished = {k: s for k, s in tracker.items() if k not in nodes}
    for node_id, state in unfinished.items():
        nodes[node_id] = state.output()
    counts = "; ".join(f"node {k}: {s.finished} of {len(s.items)} items finished" for k, s in unfinished.items())
    by = f" by {cause}" if cause else ""
    message = f"interrupted{by} after {len(nodes) - len(unfinished)} of {len(node_ids)} nodes finished"
    return RunResult(
        "interrupted",
        {},
        nodes,
        {"node": next(iter(unfinished), None), "message": message + (f"; {counts}" if counts else "")},
    )


def _node_outputs(shared: dict[str, Any], node_ids: list[str]) -> dict[str, Any]:
    return {node_id: shared[node_id] for node_id in node_ids if node_id in shared}


def _outputs(workflow: Workflow, shared: dict[str, Any]) -> dict[str, Any]:
    lookup = context_lookup(shared)
    outputs = {}
    for name, spec in workflow.outputs.items():
        try:
            outputs[name] = compile_value(spec.source)(lookup)
        except UnresolvedReference as exc:
            outputs[name] = None
            outputs.setdefault("_errors", {})[name] = str(exc)
    return outputs
