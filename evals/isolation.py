"""What every test and eval run starts from: no real home, no keys, no default model, and only
the built-in node types (the planner's catalog is part of every recorded prompt). Used by
evals/conftest.py and tests/conftest.py; evals imports nothing from tests."""

from __future__ import annotations

import pytest


def isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("planflow-home")
    monkeypatch.setenv("PLANFLOW_HOME", str(home))
    monkeypatch.setenv("LLM_USER_PATH", str(home / "llm"))
    monkeypatch.delenv("PLANFLOW_MODEL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("PLANFLOW_PLUGINS", "0")  # plugin tests turn them on (tests/test_plugins.py)
