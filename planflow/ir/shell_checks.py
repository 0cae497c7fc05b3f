"""The validator's view of shell safety: each unsafe template place as an issue with its safe form."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from planflow.ir.issues import Issue
from planflow.ir.models import Node
from planflow.ir.node_spec import NodeTypeSpec
from planflow.ir.shell import analyze_command
from planflow.ir.templates import Ref, TemplateSyntaxError, parse_template


def _templated(value: Any) -> bool:
    return value is not None and "${" in json.dumps(value)


def shell_issues(node: Node, spec: NodeTypeSpec, integer_inputs: frozenset[str]) -> list[Issue]:
    """Problems in every param bound as shell code (`command`), reported on the param that holds them."""
    issues: list[Issue] = []
    env = node.params.get("env")
    env_names = [k for k, v in env.items() if _templated(v)] if isinstance(env, Mapping) else []
    stdin_templated = _templated(node.params.get("stdin"))

    def integer_ok(ref: Ref) -> bool:
        return ref.root in integer_inputs and not ref.path

    for param in spec.params:
        value = node.params.get(param.name)
        if param.substitution != "shell" or not isinstance(value, str):
            continue
        try:
            template = parse_template(value)
        except TemplateSyntaxError:
            continue  # reported by the template checks
        analysis = analyze_command(template, integer_ok, env_names, stdin_templated)
        for problem in analysis.problems:
            path = f"params.{param.name}" if problem.param == "command" else f"params.{problem.param}"
            issues.append(Issue("shell_unsafe", problem.message, node.id, path, problem.hint))
    return issues
