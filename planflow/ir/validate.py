"""Validate a workflow from text, a file or a dict: every problem, never an exception."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planflow.ir.checks import check
from planflow.ir.issues import Issue, WorkflowInvalid
from planflow.ir.models import Workflow
from planflow.ir.node_spec import NodeTypeSpec
from planflow.ir.shape import salvage, shape_issues


@dataclass
class ValidationResult:
    workflow: Workflow | None
    issues: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.issues and self.workflow is not None

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "errors": [i.to_dict() for i in self.issues]}


def validate_document(doc: Any, node_types: Mapping[str, NodeTypeSpec]) -> ValidationResult:
    """Shape (pydantic) then structure (semantic pass); both run so all problems show at once."""
    if not isinstance(doc, Mapping):
        kind = type(doc).__name__ if doc is not None else "null"
        return ValidationResult(None, [Issue("schema", f"a workflow must be a JSON object, got {kind}")])
    issues: list[Issue] = []
    workflow: Workflow | None = None
    try:
        workflow = Workflow.model_validate(doc)
    except ValidationError as exc:
        issues += shape_issues(doc, exc)
    issues += check(salvage(doc), node_types)
    return ValidationResult(workflow, issues)


def validate_text(text: str, node_types: Mapping[str, NodeTypeSpec]) -> ValidationResult:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return ValidationResult(
            None,
            [
                Issue(
                    "json",
                    f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                    None,
                    "",
                    "check for a missing comma, quote or bracket just before that point",
                )
            ],
        )
    except RecursionError:
        return ValidationResult(None, [Issue("json", "JSON nested too deeply")])
    return validate_document(doc, node_types)


def validate_file(path: str | Path, node_types: Mapping[str, NodeTypeSpec]) -> ValidationResult:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return ValidationResult(None, [Issue("file", f"cannot read {path}: {reason}")])
    return validate_text(text, node_types)


def load_workflow(path: str | Path, node_types: Mapping[str, NodeTypeSpec]) -> Workflow:
    """A valid workflow from a file, or WorkflowInvalid with every issue."""
    result = validate_file(path, node_types)
    if not result.valid:
        raise WorkflowInvalid(result.issues, str(path))
    assert result.workflow is not None
    return result.workflow
