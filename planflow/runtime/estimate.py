"""What a run will cost before it runs: llm calls, input tokens, assumed output tokens, price.

Only side-effect-free steps run (`list_files`, `read_file`, batches included, and only those
whose ancestors are all side-effect-free), through the same engine as a real run, so batch sizes
and the text that reaches each prompt are the real ones. No model is ever called: models are
only looked up, for the provider's name that prices and tokenizers are keyed by.

Where a prompt refers to a step that did not run, its literal text is counted and the figure is a
lower bound; where a batch's items come from such a step, its item count is unknown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from planflow.ir.graph import Graph
from planflow.ir.models import Node, Workflow
from planflow.ir.templates import Ref, UnresolvedReference, compile_value, context_lookup, follow_path, to_text
from planflow.runtime.context import RunContext
from planflow.runtime.engine import run_workflow
from planflow.runtime.inputs import resolve_inputs
from planflow.runtime.models import default_model_id
from planflow.runtime.output_tokens import DEFAULT_OUTPUT_TOKENS, OUTPUT_TOKENS_VARIABLE, output_tokens_per_call
from planflow.runtime.prices import Price, count_tokens, counts_exactly, price_for, provider_model_name
from planflow.runtime.registry import NodeRegistry, default_registry

__all__ = [
    "DEFAULT_OUTPUT_TOKENS",
    "OUTPUT_TOKENS_VARIABLE",
    "SIDE_EFFECT_FREE",
    "Estimate",
    "LLMStepEstimate",
    "estimate_workflow",
    "output_tokens_per_call",
]

# Step types without side effects (they read, or like join only compute): running them early
# changes nothing the real run will see.
SIDE_EFFECT_FREE = frozenset({"list_files", "read_file", "join"})


@dataclass(frozen=True)
class LLMStepEstimate:
    """One llm step. None means unknown; `notes` say why, and what a figure leaves out."""

    node_id: str
    model_id: str | None  # as `llm` knows it
    model_name: str | None  # the provider's name, which prices and tokenizers are keyed by
    items: int | None
    calls: int | None
    input_tokens: int | None
    output_tokens: int | None  # assumed: calls x output tokens per call
    price: Price | None
    tokens_exact: bool  # counted with the model's own tokenizer, not ~4 bytes a token
    lower_bound: bool = False  # some prompt text comes from steps that did not run
    notes: tuple[str, ...] = ()

    @property
    def cost(self) -> Decimal | None:
        if self.price is None or self.input_tokens is None or self.output_tokens is None:
            return None
        return self.price.cost(self.input_tokens, self.output_tokens)

    def to_dict(self) -> dict[str, Any]:
        cost = self.cost
        return {
            "node": self.node_id,
            "model": self.model_id,
            "model_name": self.model_name,
            "items": self.items,
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "input_tokens_exact": self.tokens_exact,
            "output_tokens_assumed": self.output_tokens,
            "lower_bound": self.lower_bound,
            "cost_usd": float(cost) if cost is not None else None,
            "price_known": self.price is not None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Estimate:
    steps: tuple[LLMStepEstimate, ...]
    ran: tuple[str, ...]  # the steps run to learn sizes and texts
    not_run: Mapping[str, str]  # every other step, and why it did not run
    output_tokens_per_call: int
    notes: tuple[str, ...] = field(default=())

    @property
    def calls(self) -> int:
        return sum(s.calls or 0 for s in self.steps)

    @property
    def input_tokens(self) -> int:
        return sum(s.input_tokens or 0 for s in self.steps)

    @property
    def output_tokens(self) -> int:
        return sum(s.output_tokens or 0 for s in self.steps)

    @property
    def cost(self) -> Decimal:
        """The cost of the steps that have one; see `priced` and `complete`."""
        return sum((s.cost for s in self.steps if s.cost is not None), Decimal(0))

    @property
    def complete(self) -> bool:
        """Every count is known and none is a lower bound."""
        return all(s.calls is not None and not s.lower_bound for s in self.steps)

    @property
    def priced(self) -> bool:
        """Every llm step's model has a price."""
        return all(s.price is not None for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": [s.to_dict() for s in self.steps],
            "total": {
                "calls": self.calls,
                "input_tokens": self.input_tokens,
                "output_tokens_assumed": self.output_tokens,
                "cost_usd": float(self.cost),
                "complete": self.complete,
                "priced": self.priced,
            },
            "output_tokens_per_call": self.output_tokens_per_call,
            "ran": list(self.ran),
            "not_run": dict(self.not_run),
            "notes": list(self.notes),
        }


async def estimate_workflow(
    workflow: Workflow,
    inputs: Mapping[str, Any] | None = None,
    run: RunContext | None = None,
    registry: NodeRegistry | None = None,
    inputs_are_text: bool = False,
    output_tokens: int | None = None,
) -> Estimate:
    """Estimate a validated workflow's llm use. Raises InputError for bad inputs, as a run would.
    `run` is closed afterwards (its pools and HTTP session), like any run's."""
    run = run or RunContext()
    registry = registry or default_registry()
    per_call = output_tokens_per_call(output_tokens)
    values = resolve_inputs(workflow, inputs or {}, from_text=inputs_are_text)
    not_run = _steps_that_cannot_run(workflow)
    outputs, notes = await _run_side_effect_free(workflow, values, run, registry, not_run)
    lookup = _known_lookup({**values, **outputs}, not_run)
    llm_nodes = [n for n in workflow.nodes if n.type == "llm"]
    default_model = default_model_id(run.models.default) if llm_nodes else ""
    steps = tuple(_estimate_step(n, lookup, per_call, default_model) for n in llm_nodes)
    return Estimate(steps, tuple(outputs), not_run, per_call, notes)


def _steps_that_cannot_run(workflow: Workflow) -> dict[str, str]:
    """Steps that would have effects, and everything after them, with the reason for each (naming
    the nearest such step)."""
    nodes = {n.id: n for n in workflow.nodes}
    stopped = [n.id for n in workflow.nodes if n.type not in SIDE_EFFECT_FREE]
    reasons: dict[str, str] = {}
    for node_id, cause_id in Graph.of(workflow).nearest(stopped).items():
        cause = nodes[cause_id]
        if node_id == cause_id:
            reasons[node_id] = f"{cause.type} steps do not run in an estimate"
        else:
            reasons[node_id] = f"it comes after step {cause.id} ({cause.type}), which does not run in an estimate"
    return reasons


async def _run_side_effect_free(
    workflow: Workflow,
    values: dict[str, Any],
    run: RunContext,
    registry: NodeRegistry,
    not_run: dict[str, str],
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Run the side-effect-free part as a workflow of its own; a step that fails joins `not_run`."""
    nodes = [n for n in workflow.nodes if n.id not in not_run]
    if not nodes:
        await run.aclose()
        return {}, ()
    kept = {n.id for n in nodes}
    sub = workflow.model_copy(
        update={
            "nodes": nodes,
            "edges": [e for e in workflow.edges if e.from_ in kept and e.to in kept],
            "outputs": {},
        }
    )
    result = await run_workflow(sub, values, run, registry)
    if result.status == "ok":
        return dict(result.nodes), ()
    if result.status == "partial":  # every step finished; a `continue` batch lost some items
        return dict(result.nodes), (f"in the estimate, {(result.error or {}).get('message', '')}",)
    failed = (result.error or {}).get("node")
    message = (result.error or {}).get("message", "")
    finished = {k: v for k, v in result.nodes.items() if k != failed}
    for node in nodes:
        if node.id == failed:
            not_run[node.id] = f"it failed in the estimate: {message}"
        elif node.id not in finished:
            not_run[node.id] = f"it was not reached: step {failed} failed in the estimate"
    return finished, (f"step {failed} failed in the estimate, so the run would stop there: {message}",)


class _NotRun(LookupError):
    """A template reads a step that did not run in the estimate."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"step {step} did not run: {reason}")
        self.step = step
        self.reason = reason


def _known_lookup(known: dict[str, Any], not_run: Mapping[str, str]) -> Callable[[Ref], Any]:
    base = context_lookup(known)

    def lookup(ref: Ref) -> Any:
        if ref.root not in known and ref.root in not_run:
            raise _NotRun(ref.root, not_run[ref.root])
        return base(ref)

    return lookup


def _estimate_step(node: Node, lookup: Callable[[Ref], Any], per_call: int, default_model: str) -> LLMStepEstimate:
    notes: list[str] = []
    model_id = _model_id(node, lookup, default_model, notes)
    model_name = _provider_name(model_id, notes) if model_id else None
    price = price_for(model_name) if model_name else None
    if model_id and price is None:
        notes.append(f"genai-prices has no price for {model_name}")
    exact = bool(model_name) and counts_exactly(model_name or "")
    counter = _PromptTokens(node, model_name or "")

    alias = node.batch.as_ if node.batch else None
    items = _batch_items(node, lookup, notes)
    if items is None:  # unknown: count one call with only the text that is known, as a floor

        def unknown_item(ref: Ref) -> Any:
            if ref.root == alias:
                raise _NotRun(ref.root, "the batch item is not known before the run")
            return lookup(ref)

        try:
            floor, _ = counter.count(_Lenient(unknown_item))
            notes.append(f"at least {floor:,} input tokens per call")
        except UnresolvedReference as exc:
            notes.append(f"the run would fail here: {exc}")
        return LLMStepEstimate(node.id, model_id, model_name, None, None, None, None, price, exact, True, tuple(notes))

    calls = tokens = failed = 0
    lower = False
    first_error = ""
    for item in items:

        def item_lookup(ref: Ref, item: Any = item) -> Any:
            return follow_path(item, ref) if ref.root == alias else lookup(ref)

        try:
            item_tokens, partial = counter.count(_Lenient(item_lookup))
        except UnresolvedReference as exc:  # the run would fail this item before calling the model
            failed += 1
            first_error = first_error or str(exc)
            continue
        calls += 1
        tokens += item_tokens
        lower = lower or partial
    if failed:
        notes.append(f"{failed} of {len(items)} item(s) would fail before calling the model: {first_error}")
    if lower:
        notes.append("input tokens are a lower bound: the prompt uses steps that do not run in an estimate")
    return LLMStepEstimate(
        node.id, model_id, model_name, len(items), calls, tokens, calls * per_call, price, exact, lower, tuple(notes)
    )


class _Lenient:
    """A lookup that reads a step which did not run as empty text, and remembers that it did."""

    def __init__(self, lookup: Callable[[Ref], Any]) -> None:
        self._lookup = lookup
        self.missed = False

    def __call__(self, ref: Ref) -> Any:
        try:
            return self._lookup(ref)
        except _NotRun:
            self.missed = True
            return ""


class _PromptTokens:
    """Input tokens of one call: the prompt, the system prompt and the schema, as sent."""

    def __init__(self, node: Node, model_name: str) -> None:
        self._model_name = model_name
        self._parts = {
            name: compile_value(node.params[name]) for name in ("prompt", "system", "schema") if name in node.params
        }

    def count(self, lookup: _Lenient) -> tuple[int, bool]:
        """Tokens, and whether some text was missing (so the count is a floor)."""
        total = 0
        for name, resolver in self._parts.items():
            try:
                value = resolver(lookup)
            except UnresolvedReference as exc:
                raise UnresolvedReference(exc.ref, f"params.{name}: {exc.reason}") from None
            if value is None:
                continue
            # the schema travels as JSON; prompt and system as the engine renders text params
            text = json.dumps(value) if name == "schema" else to_text(value)
            total += count_tokens(self._model_name, text)
        return total, lookup.missed


def _batch_items(node: Node, lookup: Callable[[Ref], Any], notes: list[str]) -> list[Any] | None:
    if node.batch is None:
        return [None]
    try:
        items = compile_value(node.batch.items)(lookup)
    except _NotRun as exc:
        notes.append(f"items unknown: they come from step {exc.step}, and {exc.reason}")
        return None
    except UnresolvedReference as exc:
        notes.append(f"items unknown: batch.items: {exc} (the run would fail here)")
        return None
    if not isinstance(items, list):
        notes.append(f"items unknown: batch.items must resolve to a list, got {type(items).__name__}")
        return None
    return items


def _model_id(node: Node, lookup: Callable[[Ref], Any], default_model: str, notes: list[str]) -> str | None:
    given = node.params.get("model")
    if given is None:
        return default_model
    try:
        value = compile_value(given)(lookup)
    except (_NotRun, UnresolvedReference) as exc:
        notes.append(f"model unknown: params.model: {exc}; tokens approximated, price unknown")
        return None
    if not isinstance(value, str) or not value:
        notes.append(f"model unknown: params.model must be a model id, got {to_text(value)[:40]!r}")
        return None
    return value


def _provider_name(model_id: str, notes: list[str]) -> str:
    """Looked up only, never prompted: an extra-openai-models entry names the provider's model."""
    import llm

    try:
        model: Any = llm.get_model(model_id)
    except llm.UnknownModelError:
        try:
            model = llm.get_async_model(model_id)
        except llm.UnknownModelError:
            notes.append(f"llm knows no model '{model_id}' (`llm models` lists them): the run would stop before it")
            return model_id
    return provider_model_name(model_id, model)
