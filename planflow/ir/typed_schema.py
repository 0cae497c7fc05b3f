"""The IR's JSON Schema with each node type's params spelled out, for editors and `planflow
schema`: `nodes` items are a union over the types, told apart by `type` (a `const` in each
branch, so editors complete the params of the type written).

The planner sends the model the generic schema (`models.json_schema`), whose shape every
recorded cassette depends on; this one is for people.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from planflow.ir.node_spec import NodeTypeSpec, ParamSpec, ValueType

# Any param may hold a template instead of a literal (`"timeout": "${t}"`).
_TEMPLATE = {"type": "string", "pattern": r"\$\{", "description": "a ${…} template"}


def _value_schema(kind: ValueType) -> dict[str, Any]:
    return {} if kind == "any" else {"type": kind}


def _param_schema(param: ParamSpec) -> dict[str, Any]:
    literal: list[dict[str, Any]] = [_value_schema(t) for t in param.types]
    schema: dict[str, Any] = {"description": param.description}
    if {} in literal:
        pass  # any value at all
    elif param.types == ("string",):
        schema["type"] = "string"
    else:
        schema["anyOf"] = [*literal, _TEMPLATE]
    if param.positive and "anyOf" in schema:
        for option in schema["anyOf"]:
            if option.get("type") in ("number", "integer"):
                option["exclusiveMinimum"] = 0
    if param.default is not None:
        schema["default"] = param.default
    return schema


def _node_schema(base_node: dict[str, Any], spec: NodeTypeSpec) -> dict[str, Any]:
    node = copy.deepcopy(base_node)
    node["title"] = f"{spec.name} node"
    node["description"] = spec.summary
    node["properties"]["type"] = {"const": spec.name}
    params = {
        "type": "object",
        "properties": {p.name: _param_schema(p) for p in spec.params},
        "additionalProperties": False,
    }
    required = [p.name for p in spec.params if p.required]
    if required:
        params["required"] = required
        node["required"] = sorted({*node.get("required", []), "params"})
    node["properties"]["params"] = params
    return node


def typed_json_schema(base: dict[str, Any], specs: Mapping[str, NodeTypeSpec]) -> dict[str, Any]:
    schema = copy.deepcopy(base)
    defs = schema["$defs"]
    generic = defs["Node"]
    branches = []
    for name in sorted(specs):
        key = f"Node_{name}"
        defs[key] = _node_schema(generic, specs[name])
        branches.append({"$ref": f"#/$defs/{key}"})
    schema["properties"]["nodes"]["items"] = {"oneOf": branches}
    return schema
