"""Workflow inputs: `key=value` strings typed by each input's declared type, defaults applied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planflow.ir.models import Workflow
from planflow.ir.node_spec import value_matches
from planflow.runtime.errors import InputError
from planflow.runtime.json_data import loads_data

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """`["folder=docs", "n=3"]` -> {"folder": "docs", "n": "3"}."""
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"'{pair}' is not an input assignment: write name=value")
        values[key] = value
    return values


def _coerce(name: str, declared: str, text: str) -> Any:
    try:
        if declared == "string":
            return text
        if declared == "integer":
            return int(text)
        if declared == "number":
            return float(text)
        if declared == "boolean":
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ValueError
        value = loads_data(text)
    except (ValueError, RecursionError):
        raise InputError(f"input '{name}' must be {declared}, got {text!r}") from None
    if not value_matches(value, declared):  # type: ignore[arg-type]
        raise InputError(f"input '{name}' must be a JSON {declared}, got {text!r}")
    return value


def resolve_inputs(workflow: Workflow, given: Mapping[str, Any], from_text: bool = False) -> dict[str, Any]:
    """Every input's value: given, else its default; unknown, missing or mistyped is an error."""
    unknown = sorted(set(given) - set(workflow.inputs))
    if unknown:
        known = ", ".join(sorted(workflow.inputs)) or "none"
        raise InputError(f"unknown input {', '.join(map(repr, unknown))} (this workflow's inputs: {known})")
    values: dict[str, Any] = {}
    missing = []
    for name, spec in workflow.inputs.items():
        if name in given:
            value = given[name]
            if from_text and isinstance(value, str):
                value = _coerce(name, spec.type, value)
            elif not value_matches(value, spec.type):
                raise InputError(f"input '{name}' must be {spec.type}, got {value!r}")
            values[name] = value
        elif spec.required:
            missing.append(name)
        else:
            values[name] = spec.default
    if missing:
        described = "; ".join(f"{n}: {workflow.inputs[n].description or workflow.inputs[n].type}" for n in missing)
        raise InputError(f"missing required input {', '.join(map(repr, missing))} ({described}); pass it as name=value")
    return values
