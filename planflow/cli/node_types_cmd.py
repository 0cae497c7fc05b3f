"""`planflow node-types`: every node type this installation has, built-in or from a plugin."""

from __future__ import annotations

import json
from typing import Any

import click


def warn_load_errors(registry: object) -> None:
    """One line per plugin that could not be loaded; the CLI goes on without it."""
    for line in getattr(registry, "load_errors", ()):
        click.echo(f"Warning: {line}", err=True)


@click.command("node-types")
@click.option("--json", "as_json", is_flag=True, help='Print one JSON object: {"node_types": [...]}.')
def node_types_command(as_json: bool) -> None:
    """List node types: name, the plugin that provides it, what it does, its params."""
    from planflow.cli.safe_text import escape_controls
    from planflow.runtime.registry import default_registry

    registry = default_registry()
    warn_load_errors(registry)
    rows: list[dict[str, Any]] = [
        {
            "name": name,
            "plugin": registry.plugin_of[name],
            "summary": spec.summary,
            "params": [p.name for p in spec.params],
            "outputs": [o.name for o in spec.outputs],
        }
        for name, spec in registry.specs().items()
    ]
    if as_json:
        click.echo(json.dumps({"node_types": rows, "load_errors": registry.load_errors}, indent=2))
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        click.echo(f"{r['name']:<{width}}  {escape_controls(r['summary'])}  [{escape_controls(r['plugin'])}]")
