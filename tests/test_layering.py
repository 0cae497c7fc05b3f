"""The import graph stays layered and acyclic: ir <- runtime, planner <- cli; only runtime touches
pocketflow; no module imports itself round a cycle."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planflow.ir.graph import Graph

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


# `from planflow.x import y` imports module planflow.x.y when there is one, else names from planflow.x.
FROM_NAMES = re.compile(
    r"^[ \t]*(?:from[ \t]+(planflow[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)|import[ \t]+(planflow[\w.]*))",
    re.MULTILINE,
)
TYPE_CHECKING_BLOCK = re.compile(r"^([ \t]*)if TYPE_CHECKING:[^\n]*\n(?:(?:\1[ \t]+[^\n]*)?\n)*", re.MULTILINE)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each planflow module and the planflow modules it imports when it runs: at the top and
    inside functions alike (a cycle hidden in a function is still a cycle), not those under
    `if TYPE_CHECKING:`, which are for the type checker only."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        imported: set[str] = set()
        for source, names, plain in FROM_NAMES.findall(TYPE_CHECKING_BLOCK.sub("", path.read_text())):
            if plain:
                imported.add(plain)
                continue
            submodules = {f"{source}.{name}" for name in re.findall(r"\w+", names)} & modules.keys()
            imported |= submodules or {source}
        graph[module] = {target for target in imported if target in modules and target != module}
    return graph


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    edges = [(module, target) for module, targets in graph.items() for target in targets]
    tangled = [sorted(c) for c in Graph(sorted(graph), edges).components() if len(c) > 1]
    assert not tangled, f"import cycles among: {tangled}"


def test_the_import_graph_sees_function_level_imports_and_skips_type_only_ones():
    graph = import_graph()
    assert "planflow.runtime.registry" in graph["planflow.cli.review"]  # imported in a function
    assert "planflow.ir.checks" in graph["planflow.ir.validate"]  # a package, by its __init__
    assert "planflow.runtime.context" not in graph["planflow.runtime.paths"]  # under TYPE_CHECKING
    sample = (
        "if TYPE_CHECKING:\n    import a\n\n    from b import c\n\n"
        "import d\ndef f():\n    if TYPE_CHECKING:\n        import e\n    import g\n"
    )
    assert TYPE_CHECKING_BLOCK.sub("", sample) == "import d\ndef f():\n    import g\n"


# The CLI uses runtime modules, never a node's implementation (the atomic write lives in
# planflow/runtime/atomic_write.py for that).
def test_the_cli_reaches_into_no_node_implementation():
    for path in (PACKAGE / "cli").rglob("*.py"):
        shown = str(path.relative_to(PACKAGE))
        uses_node = any(m.startswith("planflow.runtime.nodes") for m in imports_of(path))
        assert not uses_node, f"{shown} imports a node implementation"


def test_start_up_imports_neither_the_ir_nor_the_runtime():
    """`planflow --help` is held to 0.25 s (bench/run.py startup): pydantic models, pluggy and
    asyncio-heavy runtime modules load when a command needs them, not when the CLI starts."""
    import subprocess
    import sys

    heavy = ("planflow.ir", "planflow.runtime", "pydantic", "pluggy")
    probe = f"import sys, planflow.cli.main; print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", loaded
