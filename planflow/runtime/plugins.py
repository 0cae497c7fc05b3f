"""Node types from plugins, the way `llm` takes models: a pluggy hook, `register_node_types`,
that the built-in types use too, and packages found through the `planflow` entry-point group.

A plugin that fails to import, or registers a bad spec, is reported by name (`load_errors`) and
left out; it never breaks the CLI. PLANFLOW_PLUGINS=0 loads no entry-point plugins (the eval
suite pins the built-in catalog that way, since every recorded prompt contains it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy

from planflow.ir.node_spec import NodeTypeSpec

PROJECT = "planflow"
ENTRY_POINT_GROUP = "planflow"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# register(spec, implementation): the implementation is "module:function" (imported on first
# use) or the async function itself; it must be importable by name on Ray workers too.
Register = Callable[[NodeTypeSpec, Any], None]


class NodeTypeHooks:
    @hookspec
    def register_node_types(self, register: Register) -> None:
        """Register node types: call register(spec, implementation) for each."""


@dataclass
class LoadedPlugins:
    types: list[tuple[NodeTypeSpec, Any, str]] = field(default_factory=list)  # spec, impl, plugin
    errors: list[str] = field(default_factory=list)  # one line per broken plugin or type


def plugins_enabled() -> bool:
    return os.environ.get("PLANFLOW_PLUGINS", "1").strip().lower() not in ("0", "", "no", "false", "off")


def load_node_types(builtin: object) -> LoadedPlugins:
    """Every node type: the built-ins' first, then each installed plugin's."""
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(NodeTypeHooks)
    loaded = LoadedPlugins()
    _collect(builtin, "planflow (built-in)", loaded)
    if not plugins_enabled():
        return loaded
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        name = entry.dist.name if entry.dist is not None else entry.name
        try:
            plugin = entry.load()
            manager.register(plugin, name=name)
        except Exception as exc:
            loaded.errors.append(f"plugin {name}: cannot load {entry.value}: {type(exc).__name__}: {exc}")
            continue
        _collect(plugin, name, loaded)
    return loaded


def _collect(plugin: object, name: str, loaded: LoadedPlugins) -> None:
    hook = getattr(plugin, "register_node_types", None)
    if hook is None:
        loaded.errors.append(f"plugin {name}: has no register_node_types hook")
        return

    def register(spec: NodeTypeSpec, impl: Any) -> None:
        problem = _spec_problem(spec, impl)
        if problem is not None:
            shown = repr(spec.name) if isinstance(spec, NodeTypeSpec) else repr(spec)[:60]
            loaded.errors.append(f"plugin {name}: node type {shown} not registered: {problem}")
            return
        loaded.types.append((spec, impl, name))

    try:
        hook(register=register)
    except Exception as exc:
        loaded.errors.append(f"plugin {name}: register_node_types failed: {type(exc).__name__}: {exc}")


def _spec_problem(spec: Any, impl: Any) -> str | None:
    if not isinstance(spec, NodeTypeSpec):
        return f"expected a NodeTypeSpec, got {type(spec).__name__}"
    if not spec.name.isidentifier():
        return "a node type's name must be an identifier (letters, digits, '_')"
    if not (callable(impl) or (isinstance(impl, str) and ":" in impl)):
        return "the implementation must be an async function or 'module:function'"
    return None
