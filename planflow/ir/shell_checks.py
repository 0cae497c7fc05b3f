"""The validator's view of shell safety: each unsafe template place as an issue with its safe form."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from planflow.ir.issues import Issue
from planflow.ir.models import Node
from planflow.ir.node_spec import NodeTypeSpec
from planflow.ir.shell import ShellAnalysis, analyze_command
from planflow.ir.templates import Ref, TemplateSyntaxError, parse_template


def _templated(value: Any) -> bool:
    return value is not None and "${" in json.dumps(value)


def analyze_node_command(node: Node, command: str, integer_inputs: frozenset[str]) -> ShellAnalysis:
    """A shell node's command analysed with what its other params say: which env names hold a
    value, whether stdin does, which inputs are integers. The validator and the runtime both ask
    this, so they cannot disagree on what is safe."""
    env = node.params.get("env")
    env_names = [k for k, v in env.items() if _templated(v)] if isinstance(env, Mapping) else []

    def integer_ok(ref: Ref) -> bool:
        return ref.root in integer_inputs and not ref.path

    return analyze_command(parse_template(command), integer_ok, env_names, _templated(node.params.get("stdin")))


def shell_issues(node: Node, spec: NodeTypeSpec, integer_inputs: frozenset[str]) -> list[Issue]:
    """Problems in every param bound as shell code (`command`), reported on the param that holds them."""
    issues: list[Issue] = []
    for param in spec.params:
        value = node.params.get(param.name)
        if param.substitution != "shell" or not isinstance(value, str):
            continue
        try:
            analysis = analyze_node_command(node, value, integer_inputs)
        except TemplateSyntaxError:
            continue  # reported by the template checks
        for problem in analysis.problems:
            path = f"params.{param.name}" if problem.param == "command" else f"params.{problem.param}"
            issues.append(Issue("shell_unsafe", problem.message, node.id, path, problem.hint))
    return issues
