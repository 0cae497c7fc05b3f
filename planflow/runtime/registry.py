"""The node-type registry: one place that says which types exist, what they take, and what runs them.

Implementations are named as "module:function" and imported on first use, so validating or
planning never pays for httpx or llm imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from planflow.ir.node_spec import NodeTypeSpec
from planflow.runtime.specs import BUILTIN_SPECS

# An implementation runs one item: resolved params in, the node's output dict out.
NodeImpl = Callable[[dict[str, Any], "Any"], Awaitable[dict[str, Any]]]


@dataclass
class NodeType:
    spec: NodeTypeSpec
    target: str | NodeImpl
    _loaded: NodeImpl | None = field(default=None, repr=False)

    @property
    def impl(self) -> NodeImpl:
        if self._loaded is None:
            if callable(self.target):
                self._loaded = self.target
            else:
                module, _, name = self.target.partition(":")
                self._loaded = getattr(importlib.import_module(module), name)
        return self._loaded


class NodeRegistry:
    def __init__(self) -> None:
        self._types: dict[str, NodeType] = {}

    def register(self, spec: NodeTypeSpec, target: str | NodeImpl) -> None:
        if spec.name in self._types:
            raise ValueError(f"node type '{spec.name}' is already registered")
        self._types[spec.name] = NodeType(spec, target)

    def get(self, name: str) -> NodeType:
        return self._types[name]

    def specs(self) -> Mapping[str, NodeTypeSpec]:
        return {name: t.spec for name, t in self._types.items()}

    def __contains__(self, name: object) -> bool:
        return name in self._types


_BUILTIN_IMPLS = {spec.name: f"planflow.runtime.nodes.{spec.name}:run" for spec in BUILTIN_SPECS}
_default: NodeRegistry | None = None


def default_registry() -> NodeRegistry:
    """The registry with the built-in types (registered the same way a plugin would)."""
    global _default
    if _default is None:
        registry = NodeRegistry()
        for spec in BUILTIN_SPECS:
            registry.register(spec, _BUILTIN_IMPLS[spec.name])
        _default = registry
    return _default
