"""The built-in node types, registered through the same hook a plugin uses."""

from __future__ import annotations

from planflow.runtime.plugins import Register, hookimpl
from planflow.runtime.specs import BUILTIN_SPECS


@hookimpl
def register_node_types(register: Register) -> None:
    for spec in BUILTIN_SPECS:
        register(spec, f"planflow.runtime.nodes.{spec.name}:run")
