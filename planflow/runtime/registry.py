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
        self.plugin_of: dict[str, str] = {}  # node type -> the plugin that registered it
        self.load_errors: list[str] = []  # one line per plugin or type that could not be loaded

    def register(self, spec: NodeTypeSpec, target: str | NodeImpl, plugin: str = "planflow (built-in)") -> None:
        if spec.name in self._types:
            raise ValueError(f"node type '{spec.name}' is already registered (by {self.plugin_of[spec.name]})")
        self._types[spec.name] = NodeType(spec, target)
        self.plugin_of[spec.name] = plugin

    def get(self, name: str) -> NodeType:
        return self._types[name]

    def specs(self) -> Mapping[str, NodeTypeSpec]:
        return {name: t.spec for name, t in self._types.items()}

    def __contains__(self, name: object) -> bool:
        return name in self._types


_default: dict[bool, NodeRegistry] = {}


def default_registry() -> NodeRegistry:
    """The built-in types and every installed plugin's (PLANFLOW_PLUGINS=0: built-ins only)."""
    from planflow.runtime import builtin_nodes
    from planflow.runtime.plugins import load_node_types, plugins_enabled

    key = plugins_enabled()
    if key not in _default:
        registry = NodeRegistry()
        loaded = load_node_types(builtin_nodes)
        registry.load_errors = list(loaded.errors)
        for spec, impl, plugin in loaded.types:
            try:
                registry.register(spec, impl, plugin)
            except ValueError as exc:
                registry.load_errors.append(f"plugin {plugin}: {exc}")
        _default[key] = registry
    return _default[key]


def forget_default_registry() -> None:
    """Load plugins again on next use (tests install and remove plugins)."""
    _default.clear()
