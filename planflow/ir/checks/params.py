"""A node's params against its type's spec: known names, value types, ranges, required ones."""

from __future__ import annotations

import math
from typing import Any

from planflow.ir.checks.hints import did_you_mean
from planflow.ir.issues import Issue
from planflow.ir.models import Node
from planflow.ir.node_spec import NodeTypeSpec, ParamSpec, ValueType, glob_problem, value_matches
from planflow.ir.suggest import listing as _listing
from planflow.ir.templates import TemplateSyntaxError, parse_template, type_name


def check_params(node: Node, spec: NodeTypeSpec) -> list[Issue]:
    issues: list[Issue] = []
    names = [p.name for p in spec.params]
    listed = [p.name for p in spec.params if p.in_catalog]  # as the planner's catalog shows them
    for name, value in node.params.items():
        param = spec.param(name)
        if param is None:
            issues.append(
                Issue(
                    "unknown_param",
                    f"{node.type} nodes have no param '{name}'",
                    node.id,
                    f"params.{name}",
                    did_you_mean(name, names) or _listing("params", listed),
                )
            )
        elif not _is_template(value) and not any(value_matches(value, t) for t in param.types):
            expected = " or ".join(param.types)
            issues.append(
                Issue(
                    "param_type",
                    f"param '{name}' must be {expected}, got {type_name(value)}",
                    node.id,
                    f"params.{name}",
                    None,
                )
            )
        elif param.item_type and isinstance(value, list) and (bad := _bad_item(value, param.item_type)) is not None:
            issues.append(
                Issue(
                    "param_type",
                    f"param '{name}' must hold {param.item_type}s, got {type_name(value[bad])} at [{bad}]",
                    node.id,
                    f"params.{name}[{bad}]",
                    None,
                )
            )
        elif param.glob and isinstance(value, str) and (problem := _glob_problem(value)):
            issues.append(Issue("param_range", f"param '{name}' {value!r} {problem}", node.id, f"params.{name}", None))
        elif param.positive and not _positive(value):
            issues.append(
                Issue(
                    "param_range",
                    f"param '{name}' must be greater than 0, got {value!r}",
                    node.id,
                    f"params.{name}",
                    _positive_hint(param),
                )
            )
    if spec.aggregates_batch and node.batch is None:
        issues.append(
            Issue(
                "missing_batch",
                f"{node.type} nodes join the items of a batch, and this one has no batch block",
                node.id,
                "batch",
                'add "batch": {"items": "${step.results}", "as": "r"} and use ${r…} in params.text',
            )
        )
    for param in spec.params:
        if param.required and param.name not in node.params:
            issues.append(
                Issue(
                    "missing_param",
                    f"{node.type} nodes need param '{param.name}'",
                    node.id,
                    f"params.{param.name}",
                    f'add "{param.name}": {param.description}',
                )
            )
    return issues


def _is_template(value: Any) -> bool:
    """A template's value is checked when it has one, at run time."""
    return isinstance(value, str) and "${" in value


def _bad_item(values: list[Any], expected: ValueType) -> int | None:
    """The index of the first literal item of the wrong type."""
    for index, value in enumerate(values):
        if not _is_template(value) and not value_matches(value, expected):
            return index
    return None


def _glob_problem(value: str) -> str | None:
    """The glob's literal text, each template standing for some name: `../*.${ext}` leaves dir
    whatever ext is. A malformed template is reported by the template checks."""
    try:
        parts = parse_template(value).parts
    except TemplateSyntaxError:
        return None
    return glob_problem("".join(p if isinstance(p, str) else "_" for p in parts))


def _positive(value: Any) -> bool:
    """Finite and > 0; a template is checked when it has a value, at run time."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return True  # a template, or a type error reported on its own
    return math.isfinite(value) and value > 0


def _positive_hint(param: ParamSpec) -> str:
    example = param.default if _positive(param.default) and param.default is not None else 30
    return f"give a number greater than 0 ({param.description.rstrip('.')}), e.g. {example}"
