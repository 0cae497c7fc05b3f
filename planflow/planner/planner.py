"""From a request to a valid workflow: one LLM call, deterministic fixes, a bounded repair loop.

The model sees the IR, the node catalog and worked examples once (system prompt); validation
problems go back in the same conversation as a precise list, as pydantic-ai does with its
retries, until the plan is valid or the repair budget is spent.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from planflow.errors import PlanflowError
from planflow.exit_status import ExitStatus
from planflow.ir import Issue, Workflow, json_schema, validate_document
from planflow.ir.node_spec import NodeTypeSpec
from planflow.planner.catalog import render_catalog
from planflow.planner.extract import NoJSONFound, extract_json
from planflow.planner.fixes import apply_fixes
from planflow.planner.prompting import render
from planflow.planner.schema_rejection import rejects_schema
from planflow.planner.workdir import summarize_workdir
from planflow.runtime.models import get_sync_model
from planflow.runtime.registry import default_registry

MAX_PLAN_TOKENS = 1024


@dataclass
class PlanReport:
    model: str
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    repairs: int = 0
    fixes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    first_call_valid: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"model {self.model}: {self.llm_calls} LLM call(s), {self.input_tokens} tokens in, "
            f"{self.output_tokens} out, {self.repairs} repair(s), {len(self.fixes)} fix(es), {self.seconds:.1f}s"
        )


@dataclass
class Attempt:
    answer: str
    issues: list[Issue]


@dataclass
class PlanResult:
    workflow: Workflow
    report: PlanReport
    attempts: list[Attempt]


class PlanFailed(PlanflowError):
    """No valid plan within the budget; keeps the last attempt and its problems."""

    exit_status = ExitStatus.PLAN_FAILED

    def __init__(self, message: str, report: PlanReport, attempts: list[Attempt]) -> None:
        super().__init__(message)
        self.report = report
        self.attempts = attempts


class CannotPlan(PlanFailed):
    """The model said the request cannot be done with the available node types."""


def planner_schema() -> dict[str, Any]:
    """The IR schema, plus the one other answer allowed: {"cannot_plan": "why"}."""
    schema = copy.deepcopy(json_schema())
    schema.pop("required", None)  # a cannot_plan answer has no nodes; our validator still checks
    schema["properties"]["cannot_plan"] = {
        "type": "string",
        "description": "Only when no workflow of the listed node types can do the request: why.",
    }
    return schema


class Planner:
    def __init__(
        self,
        model_id: str | None = None,
        max_repairs: int = 2,
        specs: Mapping[str, NodeTypeSpec] | None = None,
        workdir: Path | None = None,
        on_call: Callable[[PlanReport], None] | None = None,
    ) -> None:
        """`on_call`: told before each model call, with the report so far (calls, tokens)."""
        self.model_id = model_id
        self.on_call = on_call or (lambda report: None)
        self.max_repairs = max_repairs
        self.specs = specs if specs is not None else default_registry().specs()
        self.workdir = workdir

    def system_prompt(self) -> str:
        return render("system", catalog=render_catalog(self.specs))

    def request_prompt(self, request: str) -> str:
        workdir = summarize_workdir(self.workdir) if self.workdir is not None else ""
        return render("request", workdir=workdir, request=request.strip())

    def plan(self, request: str) -> PlanResult:
        started = time.monotonic()
        name, model = get_sync_model(self.model_id)
        report = PlanReport(model=name)
        attempts: list[Attempt] = []
        conversation = model.conversation()
        system = self.system_prompt()
        schema = planner_schema() if getattr(model, "supports_schema", False) else None
        prompt = self.request_prompt(request)
        fields = getattr(model.Options, "model_fields", {})
        # A plan is a few hundred tokens; a runaway answer must not run to the context limit.
        options: dict[str, Any] = {"max_tokens": MAX_PLAN_TOKENS} if "max_tokens" in fields else {}
        call = 0
        challenged = False
        while call <= self.max_repairs:
            try:
                report.llm_calls += 1
                self.on_call(report)
                response = conversation.prompt(prompt, system=system, schema=schema, stream=False, **options)
                answer = response.text()
                usage = response.usage()
            except Exception as exc:  # providers raise their own errors (openai.*), not only llm.ModelError
                if schema is not None and call == 0 and rejects_schema(exc):
                    # Some servers (llama.cpp) reject json_schema requests: ask for plain JSON
                    # in a fresh conversation; this retry does not use the repair budget.
                    schema = None
                    conversation = model.conversation()
                    # OpenAI-style models can still be held to JSON syntax without a schema
                    if "json_object" in fields:
                        options = {**options, "json_object": True}
                    report.fixes.append(
                        f"the model rejected the structured-output request ({_short(exc)}); "
                        f"asked for {'a JSON object' if 'json_object' in options else 'plain JSON'} instead"
                    )
                    continue
                report.seconds = time.monotonic() - started
                raise PlanFailed(f"model {name} failed: {_short(exc)}", report, attempts) from None
            call += 1
            report.input_tokens += usage.input or 0
            report.output_tokens += usage.output or 0
            workflow, issues, refusal = self._check(answer, report, attempts)
            if refusal is not None:
                # Small models refuse doable requests (6 of 36 doable eval cases with
                # Qwen2.5-Coder-0.5B): one challenge, paid from the repair budget, and a second
                # refusal is final.
                if challenged or call > self.max_repairs:
                    report.seconds = time.monotonic() - started
                    raise CannotPlan(f"the model says this cannot be done: {refusal}", report, attempts)
                challenged = True
                report.repairs += 1
                prompt = render("challenge", reason=refusal)
                continue
            if workflow is not None:
                report.first_call_valid = call == 1
                report.seconds = time.monotonic() - started
                return PlanResult(workflow, report, attempts)
            if call <= self.max_repairs:
                report.repairs += 1
                prompt = render("repair", problems="\n".join(f"- {issue}" for issue in issues))
        report.seconds = time.monotonic() - started
        last = attempts[-1]
        raise PlanFailed(
            f"no valid plan after {report.llm_calls} call(s); the last attempt has {len(last.issues)} problem(s)",
            report,
            attempts,
        )

    def _check(
        self, answer: str, report: PlanReport, attempts: list[Attempt]
    ) -> tuple[Workflow | None, list[Issue], str | None]:
        """The answer's workflow if valid, else its issues; or the reason, if it is a refusal."""
        try:
            doc = extract_json(answer)
        except NoJSONFound as exc:
            issues = [Issue("json", str(exc), hint="answer with one JSON object")]
            attempts.append(Attempt(answer, issues))
            return None, issues, None
        if isinstance(doc, dict) and doc.get("cannot_plan") and not doc.get("nodes"):
            attempts.append(Attempt(answer, []))
            return None, [], str(doc["cannot_plan"])
        if isinstance(doc, dict):
            doc.pop("cannot_plan", None)
        doc, fixes = apply_fixes(doc, self.specs)
        report.fixes += fixes
        result = validate_document(doc, self.specs)
        attempts.append(Attempt(answer, result.issues))
        return (result.workflow if result.valid else None), result.issues, None


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
