"""`pytest evals`: the same isolation as the unit tests (no real home, no keys).

Its own copy, not an import from tests/: evals is a tool of its own and must run where the
test suite is not installed (evals/test_layering.py holds it to that)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("planflow-home")
    monkeypatch.setenv("PLANFLOW_HOME", str(home))
    monkeypatch.setenv("LLM_USER_PATH", str(home / "llm"))
    monkeypatch.delenv("PLANFLOW_MODEL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    # Only the built-in node types, whatever plugins are installed: the planner's catalog is part
    # of every recorded prompt (PLANFLOW_PLUGINS, as tests/conftest.py sets it).
    monkeypatch.setenv("PLANFLOW_PLUGINS", "0")
