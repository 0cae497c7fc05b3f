"""`pytest evals`: the same isolation as the unit tests (no real home, no keys), from
evals/isolation.py, which the unit tests use too (evals imports nothing from tests/)."""

from __future__ import annotations

import pytest

from evals.isolation import isolate


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(tmp_path_factory, monkeypatch)
