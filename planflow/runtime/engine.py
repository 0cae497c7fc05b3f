"""Compile a validated workflow to PocketFlow and run it. The only module that imports pocketflow.

Each IR node becomes an AsyncNode (prep: resolve templates from the shared store; exec: run once
or as a batch through our wrapper; post: store the output). `_Scheduler` starts each node as soon
as its parents have finished, so independent branches overlap and nothing waits on a node it
does not depend on.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pocketflow import AsyncNode

from planflow.ir.graph import Graph
from planflow.ir.models import Node, Workflow
from planflow.ir.shell_checks import analyze_node_command
from planflow.ir.templates import (
    Ref,
    UnresolvedReference,
    compile_value,
    context_lookup,
    follow_path,
    to_text,
    type_name,
)
from planflow.runtime.batch import BatchState, describe, run_batch
from planflow.runtime.context import NodeContext, RunContext
from planflow.runtime.errors import RunFailed, RunStop, TemplateFailure
from planflow.runtime.inputs import resolve_inputs
from planflow.runtime.model_options import check_llm_options
from planflow.runtime.paths import PathPolicy, data_derived_paths, shown_roots
from planflow.runtime.registry import NodeRegistry, NodeType, default_registry
from planflow.runtime.shell_binding import BoundCommand, UnsafeCommand, bind_analysis

# ok: every item finished; partial: finished, but `continue` batches lost items; failed: a node
# failed; stopped: a budget stopped it (resumable); interrupted: Ctrl-C or a stop signal.
Status = Literal["ok", "partial", "failed", "stopped", "interrupted"]


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

    def resolve(
        self, lookup: Callable[[Ref], Any], only: Collection[str] | None = None, skip: Collection[str] = ()
    ) -> dict[str, Any]:
        params = {}
        for name, resolver in self._compiled.items():
            if (only is not None and name not in only) or name in skip:
                continue
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
        self.waits_on_service = node_type.spec.waits_on_service
        self.aggregates_batch = node_type.spec.aggregates_batch
        self.per_item = frozenset(p.name for p in node_type.spec.params if p.per_item)
        self.params_resolver = _ParamResolver(node, node_type, integer_inputs)
        self.items_resolver = compile_value(node.batch.items) if node.batch else None
        concurrency = node.batch.max_concurrent if node.batch and node.batch.parallel else 1
        self.ctx = NodeContext(run, node.id, concurrency, paths)
        self.tracker = tracker

    async def prep_async(self, shared: dict[str, Any]) -> Callable[[Ref], Any]:
        self.ctx.run.progress.node_started(self.node.id)
        if self.ctx.run.recorder is not None:
            self.ctx.run.recorder.node_started(self.node.id)
        return context_lookup(shared)

    async def exec_async(self, lookup: Callable[[Ref], Any]) -> dict[str, Any]:
        node = self.node
        recorder = self.ctx.run.recorder
        kept = recorder.reusable_output(node.id) if recorder is not None else None
        if kept is not None:  # finished in an earlier attempt of this run (resume)
            return dict(kept)
        if node.batch is None or self.items_resolver is None:
            try:
                return await self.impl(self.params_resolver.resolve(lookup), self.ctx)
            except RunStop:
                raise
            except Exception as exc:  # a node's bug too is reported as that node's failure
                raise RunFailed(node.id, describe(exc)) from None
        try:
            items = self.items_resolver(lookup)
        except UnresolvedReference as exc:
            raise RunFailed(node.id, f"batch.items: {exc}") from None
        if not isinstance(items, list):
            raise RunFailed(node.id, _not_a_list(node.batch.items, items))
        alias = node.batch.as_
        if self.aggregates_batch:
            return await self._aggregate(items, lookup, alias)

        def prepare(item: Any) -> dict[str, Any]:
            """An item's params, resolved here where the run's outputs are; only they travel."""

            def item_lookup(ref: Ref) -> Any:
                return follow_path(item, ref) if ref.root == alias else lookup(ref)

            return self.params_resolver.resolve(item_lookup)

        state = BatchState(items)
        self.tracker[node.id] = state
        record = None
        if recorder is not None:

            def record(index: int, item: Any, result: Any, error: str | None) -> None:
                recorder.item_finished(node.id, index, item, result, error)

        return await run_batch(
            node.id,
            items,
            node.batch,
            self.impl,
            self.ctx,
            self.ctx.run.service_executor if self.waits_on_service else self.ctx.run.executor,
            self.ctx.run.progress,
            state,
            prepare=prepare,
            io_bound=self.io_bound,
            finished=recorder.reusable_items(node.id, items) if recorder is not None else None,
            record=record,
        )

    async def _aggregate(self, items: list[Any], lookup: Callable[[Ref], Any], alias: str) -> dict[str, Any]:
        """`join`: `text` rendered per item, the other params once; one call over them all."""
        node = self.node
        try:
            once = self.params_resolver.resolve(lookup, skip=self.per_item)
        except TemplateFailure as exc:
            raise RunFailed(node.id, f"{exc} (only params.text is rendered per item)") from None
        each: list[str] = []
        skipped = 0
        for index, item in enumerate(items):
            if item is None:  # a failed item of an earlier `continue` batch
                if once.get("null_text") is None:
                    skipped += 1
                else:
                    each.append(to_text(once["null_text"]))
                continue

            def item_lookup(ref: Ref, item: Any = item) -> Any:
                return follow_path(item, ref) if ref.root == alias else lookup(ref)

            try:
                each.append(to_text(self.params_resolver.resolve(item_lookup, only=self.per_item)["text"]))
            except TemplateFailure as exc:
                raise RunFailed(node.id, f"the item at index {index}: {exc}") from None
        return await self.impl({**once, "each": each, "skipped": skipped}, self.ctx)

    async def post_async(self, shared: dict[str, Any], prep_res: Any, output: dict[str, Any]) -> str:
        shared[self.node.id] = output
        if self.ctx.run.recorder is not None:
            self.ctx.run.recorder.node_finished(self.node.id, output)
        self.ctx.run.progress.node_finished(self.node.id, True)
        return "default"


def _not_a_list(written: Any, value: Any) -> str:
    """`batch.items: ${read.json} is null, not a list (read's content is not JSON)`."""
    shown = written if isinstance(written, str) else "the inline value"
    message = f"batch.items: {shown} is {type_name(value)}, not a list"  # "is null", "is a string"
    if value is None and isinstance(written, str) and written.rstrip("}").endswith(".json"):
        step = written.removeprefix("${").split(".", 1)[0]
        message += f" ({step}'s output was not JSON; a batch needs a JSON array there)"
    return message


class _Scheduler:
    """The workflow's DAG, scheduled as it runs: each node starts the moment all its parents have
    finished (graphlib's get_ready/done), not when a whole depth level has. PocketFlow still owns
    each node's life cycle (prep, exec, post, in `AsyncNode._run_async`). The first failure
    cancels the nodes still running."""

    def __init__(self, nodes: dict[str, _IRNode], graph: Graph) -> None:
        self.nodes = nodes
        self.graph = graph

    async def run_async(self, shared: dict[str, Any]) -> None:
        sorter = self.graph.sorter()
        sorter.prepare()
        running: dict[asyncio.Task[Any], str] = {}
        try:
            while sorter.is_active():
                for node_id in sorter.get_ready():
                    running[asyncio.create_task(self.nodes[node_id]._run_async(shared))] = node_id
                finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    node_id = running.pop(task)
                    task.result()  # a node's failure (RunFailed, RunStop) ends the run here
                    sorter.done(node_id)
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)


def compile_flow(
    workflow: Workflow,
    run: RunContext,
    registry: NodeRegistry,
    tracker: dict[str, Any],
    inputs: Mapping[str, Any] | None = None,
) -> _Scheduler:
    """`inputs`: the run's input values, which with the literal paths say where paths taken from
    step outputs may point (planflow.runtime.paths)."""
    integers = frozenset(name for name, spec in workflow.inputs.items() if spec.type == "integer")
    step_ids = {n.id for n in workflow.nodes}
    # Decided here, from the templates, once: which path params carry another step's data.
    checked = {n.id: data_derived_paths(n, registry.get(n.type).spec, step_ids) for n in workflow.nodes}
    roots: tuple[str, ...] = ()
    if any(checked.values()) and not run.allow_outside:
        roots = shown_roots(workflow, inputs or {}, run.cwd, registry.specs())
    nodes: dict[str, _IRNode] = {}
    for node in workflow.nodes:
        paths = PathPolicy(checked[node.id], roots if checked[node.id] else (), run.allow_outside)
        try:
            nodes[node.id] = _IRNode(node, registry.get(node.type), run, tracker, paths, integers)
        except UnsafeCommand as exc:
            raise RunFailed(node.id, f"params.command: {exc}") from None
    return _Scheduler(nodes, Graph.of(workflow))


def _preflight_models(workflow: Workflow, run: RunContext) -> None:
    """Unknown model, missing key, or an option the model does not take: fail before any item
    runs, not on the first item."""
    for node in workflow.nodes:
        if node.type == "llm":
            model = node.params.get("model")
            if model is None or (isinstance(model, str) and "${" not in model):
                handle = run.models.get(model)
                check_llm_options(node, handle.model_id, handle.model)
                run.llm.check_budgets_apply(handle)


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
        await flow.run_async(shared)
    except RunFailed as exc:
        run.progress.node_finished(exc.node_id, False)
        nodes = _node_outputs(shared, node_ids)
        if exc.partial is not None:
            nodes[exc.node_id] = exc.partial
        run.result = RunResult("failed", {}, nodes, {"node": exc.node_id, "message": exc.message})
        return run.result
    except RunStop as exc:  # a budget: stopped cleanly before the call that would exceed it
        nodes, stopped_at, counts = _with_unfinished(shared, node_ids, tracker)
        message = f"{exc}; {counts}" if counts else str(exc)
        run.result = RunResult("stopped", {}, nodes, {"node": stopped_at, "message": message})
        return run.result
    except asyncio.CancelledError:
        # Ctrl-C: asyncio.run re-raises KeyboardInterrupt whatever we return, so the partial
        # result is left on the context for the caller, and the cancellation goes on.
        run.result = _interrupted(shared, node_ids, tracker, run.interrupted_by)
        raise
    finally:
        await run.aclose()
    nodes = _node_outputs(shared, node_ids)
    lost = _lost_items(workflow, nodes)
    if lost:
        # finished, but `continue` batches lost items: scripts must not read this as a clean ok
        message = "finished with failed items: " + "; ".join(
            f"node {k}: {failed} of {count} items failed" for k, (failed, count) in lost.items()
        )
        error = {"node": next(iter(lost)), "message": message, "failed_items": sum(f for f, _ in lost.values())}
        run.result = RunResult("partial", _outputs(workflow, shared), nodes, error)
        return run.result
    run.result = RunResult("ok", _outputs(workflow, shared), nodes)
    return run.result


def _lost_items(workflow: Workflow, nodes: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Batch node id -> (failed items, items), for the batches that lost any."""
    lost = {}
    for node in workflow.nodes:
        output = nodes.get(node.id)
        if node.batch is not None and isinstance(output, dict) and output.get("error_count"):
            lost[node.id] = (int(output["error_count"]), int(output.get("count", 0)))
    return lost


def _interrupted(
    shared: dict[str, Any], node_ids: list[str], tracker: dict[str, BatchState], cause: str | None
) -> RunResult:
    nodes, first_unfinished, counts = _with_unfinished(shared, node_ids, tracker)
    finished = len([n for n in node_ids if n in shared])
    by = f" by {cause}" if cause else ""
    message = f"interrupted{by} after {finished} of {len(node_ids)} nodes finished"
    return RunResult(
        "interrupted", {}, nodes, {"node": first_unfinished, "message": message + (f"; {counts}" if counts else "")}
    )


def _with_unfinished(
    shared: dict[str, Any], node_ids: list[str], tracker: dict[str, BatchState]
) -> tuple[dict[str, Any], str | None, str]:
    """A stopped run's outputs with each unfinished batch's partial output, the first such node,
    and how far each got ("node b: 4 of 10 items finished")."""
    nodes = _node_outputs(shared, node_ids)
    unfinished = {k: s for k, s in tracker.items() if k not in nodes}
    for node_id, state in unfinished.items():
        nodes[node_id] = state.output()
    counts = "; ".join(f"node {k}: {s.finished} of {len(s.items)} items finished" for k, s in unfinished.items())
    return nodes, next(iter(unfinished), None), counts


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
