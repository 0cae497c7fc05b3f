"""Shared fixtures: no test touches the real home directory or the network."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from evals.isolation import isolate
from planflow.runtime.registry import default_registry

pytest_plugins = ["tests.openai_fixture"]  # the local OpenAI-compatible server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(tmp_path_factory, monkeypatch)


@pytest.fixture
def specs():
    return default_registry().specs()


def load_example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name / "workflow.json").read_text())


@pytest.fixture
def summarize_doc() -> dict[str, Any]:
    """The design's own example: list files, summarize each in parallel, combine."""
    return copy.deepcopy(load_example("summarize-docs"))


@pytest.fixture(scope="session")
def ray_executor():
    """One local Ray for the session (starting it takes seconds). The tests package reaches the
    workers through runtime_env, as a plugin's code would, so test item functions can run there."""
    from planflow.runtime.ray_executor import RayExecutor

    executor = RayExecutor(address="", runtime_env={"py_modules": [str(ROOT / "tests")]})
    executor.connect()
    yield executor
    executor.close()


@pytest.fixture(params=["local", "ray"])
def executor(request: pytest.FixtureRequest):
    """Each executor in turn: the batch semantics must not depend on where items run."""
    if request.param == "local":
        from planflow.runtime.executor import LocalExecutor

        return LocalExecutor()
    return request.getfixturevalue("ray_executor")
