"""The import graph stays layered: ir <- runtime, planner <- cli; only runtime touches pocketflow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "planflow"

ALLOWED = {
    "ir": {"ir"},
    "runtime": {"ir", "runtime", "home", "errors", "exit_status"},
    "planner": {"ir", "runtime", "planner", "prompts", "home", "errors", "exit_status"},
    "cli": {"ir", "runtime", "planner", "prompts", "cli", "home", "errors", "exit_status"},
}


# Import lines, also those inside functions. Not ast.parse: CPython 3.11.7 can raise
# "AST constructor recursion depth mismatch" once a RecursionError was caught in the process
# (the fuzz tests do that), fixed in 3.11.8.
IMPORT_LINE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+))", re.MULTILINE)


def imports_of(path: Path) -> set[str]:
    return {a or b for a, b in IMPORT_LINE.findall(path.read_text())}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer):
    for path in (PACKAGE / layer).rglob("*.py"):
        for module in imports_of(path):
            if module.startswith("planflow."):
                target = module.split(".")[1]
                assert target in ALLOWED[layer], f"{path.relative_to(PACKAGE)} imports {module}"
            if module.split(".")[0] == "pocketflow":
                assert layer == "runtime", f"{path.relative_to(PACKAGE)} imports pocketflow"
