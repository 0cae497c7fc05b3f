"""An eval case: a request, a small fixture folder, and what a good plan looks like.

Cases are YAML files in evals/cases with a `$schema` header pointing at evals/case.schema.json,
which is generated from these models (a test fails when the committed copy is stale).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

CASES_DIR = Path(__file__).parent / "cases"
SCHEMA_PATH = Path(__file__).parent / "case.schema.json"

Category = Literal["bulk_files", "llm_over_files", "http_fanout", "aggregate", "pipeline", "inputs", "impossible"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class GoldNode(_Strict):
    id: str
    type: str
    batch: bool = False
    parallel: bool | None = None


class Gold(_Strict):
    """The reference graph a good plan resembles (ids are free; types and shape count)."""

    nodes: list[GoldNode]
    edges: list[tuple[str, str]] = Field(default_factory=list)


class BatchExpectation(_Strict):
    node_type: str = Field(description="The type of the node that must be batched.")
    over: str | None = Field(default=None, description="Type of the node whose output the items come from.")
    parallel: bool | None = Field(default=None, description="Whether the batch must (true) or must not be parallel.")


class ExecutionCheck(_Strict):
    """Run the plan on the fixture; then this file must exist, contain these strings and match
    these regular expressions (for numbers: `\\b13\\b`, which a stray 130 or exit code cannot meet)."""

    file: str
    contains: list[str] = Field(default_factory=list)
    matches: list[str] = Field(default_factory=list, description="Regular expressions the file must match.")

    @field_validator("matches")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {pattern!r} ({exc})") from None
        return patterns


class Expectations(_Strict):
    required_types: list[str] = Field(default_factory=list)
    forbidden_types: list[str] = Field(default_factory=list)
    batch: BatchExpectation | None = None
    no_batch: bool = Field(default=False, description="A plan with any batch node is wrong.")
    input_defaults: list[str | int | float] = Field(
        default_factory=list, description="Concrete values from the request that must be input defaults."
    )
    cannot_plan: bool = Field(default=False, description="The request is impossible: the planner must refuse.")
    execution: ExecutionCheck | None = None


class Case(_Strict):
    schema_ref: str | None = Field(default=None, alias="$schema")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    category: Category
    request: str
    files: dict[str, str] = Field(default_factory=dict, description="Fixture files: relative path -> content.")
    expect: Expectations
    gold: Gold | None = None


def load_cases(pattern: str = "*") -> list[Case]:
    cases = []
    for path in sorted(CASES_DIR.glob(f"{pattern}.yaml")):
        case = Case.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        if case.id != path.stem:
            raise ValueError(f"{path.name}: id '{case.id}' must match the file name")
        cases.append(case)
    return cases


def case_schema_text() -> str:
    schema = Case.model_json_schema(by_alias=True)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "planflow eval case", **schema}
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
