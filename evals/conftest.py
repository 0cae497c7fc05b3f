"""`pytest evals`: the same isolation as the unit tests (no real home, no keys)."""

from tests.conftest import _isolated_home  # noqa: F401  (an autouse fixture, registered by import)
