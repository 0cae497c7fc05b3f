"""The workflow IR: models, JSON Schema, templates and validation. Imports nothing else of ours."""

from planflow.ir.issues import Issue, WorkflowInvalid
from planflow.ir.models import (
    IR_VERSION,
    BatchSpec,
    Edge,
    InputSpec,
    Node,
    OutputSpec,
    Workflow,
    json_schema,
)
from planflow.ir.node_spec import BATCH_OUTPUTS, NodeTypeSpec, OutputField, ParamSpec
from planflow.ir.templates import (
    Ref,
    Template,
    TemplateSyntaxError,
    UnresolvedReference,
    parse_template,
    render,
    resolve_value,
)
from planflow.ir.validate import (
    ValidationResult,
    load_workflow,
    validate_document,
    validate_file,
    validate_text,
)

__all__ = [
    "BATCH_OUTPUTS",
    "IR_VERSION",
    "BatchSpec",
    "Edge",
    "InputSpec",
    "Issue",
    "Node",
    "NodeTypeSpec",
    "OutputField",
    "OutputSpec",
    "ParamSpec",
    "Ref",
    "Template",
    "TemplateSyntaxError",
    "UnresolvedReference",
    "ValidationResult",
    "Workflow",
    "WorkflowInvalid",
    "json_schema",
    "load_workflow",
    "parse_template",
    "render",
    "resolve_value",
    "validate_document",
    "validate_file",
    "validate_text",
]
