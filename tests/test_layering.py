"""The import graph stays layered: ir <- runtime, planner <- cli; only runtime touches pocketflow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "planflow"

ALLOWED = {
    "ir": {"ir"},
    "runtime": {"ir", "runtime"},
    "planner": {"ir", "runtime", "planner", "prompts"},
    "cli": {"ir", "runtime", "planner", "prompts", "cli"},
}


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer):
    for path in (PACKAGE / layer).rglob("*.py"):
        for module in imports_of(path):
            if module.startswith("planflow."):
                target = module.split(".")[1]
                assert target in ALLOWED[layer], f"{path.relative_to(PACKAGE)} imports {module}"
            if module.split(".")[0] == "pocketflow":
                assert layer == "runtime", f"{path.relative_to(PACKAGE)} imports pocketflow"
