"""evals is a tool of its own: none of its modules (these tests included) imports from tests/."""

from __future__ import annotations

import re
from pathlib import Path

EVALS = Path(__file__).resolve().parent

# Import lines, also those inside functions (as tests/test_layering.py reads them, and why not ast).
IMPORT_LINE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+))", re.MULTILINE)


def imports_of(text: str) -> set[str]:
    return {a or b for a, b in IMPORT_LINE.findall(text)}


def test_no_evals_module_imports_from_tests():
    offending = [
        f"{path.relative_to(EVALS.parent)} imports {module}"
        for path in sorted(EVALS.rglob("*.py"))
        for module in imports_of(path.read_text())
        if module == "tests" or module.startswith("tests.")
    ]
    assert not offending, "move what evals needs into evals/: " + "; ".join(offending)


def test_the_check_sees_function_level_imports():
    text = "def f():\n    from tests.fakes import QueueModel\n\nimport tests.conftest\nimport testsuite\n"
    assert imports_of(text) == {"tests.fakes", "tests.conftest", "testsuite"}
