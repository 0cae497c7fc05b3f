"""The workflow IR (version 0.1.0) as pydantic models; the JSON Schema is generated from these."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import GenerateJsonSchema

from planflow.ir.templates import IDENTIFIER

IR_VERSION = "0.1.0"
IDENTIFIER_PATTERN = f"^{IDENTIFIER}$"

Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN, max_length=64)]
InputType = Literal["string", "integer", "number", "boolean", "array", "object"]


class _Strict(BaseModel):
    # strict: "10" is not silently an integer; forbid: a misspelt field is an error, not ignored.
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class InputSpec(_Strict):
    """A workflow input: a value the user can change on each run (`key=value`)."""

    type: InputType = "string"
    description: str | None = None
    default: Any = None

    @property
    def required(self) -> bool:
        return "default" not in self.model_fields_set


class OutputSpec(_Strict):
    """A named result of the workflow, read from a node output by a template."""

    source: str = Field(description="A template such as ${report.path}.")
    description: str | None = None


class BatchSpec(_Strict):
    """Run the node once per item of `items`, each run seeing the item as `${<as>}`."""

    items: str | list[Any] = Field(description="A ${…} template resolving to an array, or an inline array.")
    as_: Identifier = Field(default="item", alias="as")
    parallel: bool = False
    max_concurrent: int = Field(default=10, ge=1, le=100)
    error_handling: Literal["fail_fast", "continue"] = "fail_fast"
    max_retries: int = Field(default=1, ge=1, le=10, description="Attempts per item.")
    retry_wait: float = Field(default=0, ge=0, le=600, allow_inf_nan=False, description="Seconds before a retry.")


class Node(_Strict):
    id: Identifier
    type: str = Field(min_length=1, description="A registered node type, e.g. shell or llm.")
    params: dict[str, Any] = Field(default_factory=dict)
    batch: BatchSpec | None = None
    purpose: str | None = Field(default=None, description="One line: what this step is for.")


class Edge(_Strict):
    from_: Identifier = Field(alias="from")
    to: Identifier


class Workflow(_Strict):
    ir_version: Literal["0.1.0"]
    description: str | None = None
    inputs: dict[Identifier, InputSpec] = Field(default_factory=dict)
    nodes: list[Node] = Field(min_length=1)
    edges: list[Edge] = Field(default_factory=list)
    outputs: dict[Identifier, OutputSpec] = Field(default_factory=dict)

    def node(self, node_id: str) -> Node:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")


class _SchemaGenerator(GenerateJsonSchema):
    """Pydantic writes `dict[Identifier, X]` as patternProperties, which lets any other key
    through; say instead that every key must match and every value is an X."""

    def dict_schema(self, schema: Any) -> Any:
        out = super().dict_schema(schema)
        patterns = out.pop("patternProperties", None)
        if patterns and len(patterns) == 1:
            ((pattern, value),) = patterns.items()
            out["propertyNames"] = {**out.get("propertyNames", {}), "pattern": pattern}
            out["additionalProperties"] = value
        return out


def json_schema() -> dict[str, Any]:
    """The IR's JSON Schema, as committed in `planflow/ir/schema.json`."""
    schema = Workflow.model_json_schema(by_alias=True, schema_generator=_SchemaGenerator)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://planflow.dev/schema/ir-{IR_VERSION}.json",
        **schema,
    }


def json_schema_text() -> str:
    """The schema exactly as committed (sorted keys, two-space indent, final newline)."""
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
