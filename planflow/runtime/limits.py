"""Per-model rate limits from `$PLANFLOW_HOME/limits.json`:

    {"models": {"gpt-4o-mini": {"rpm": 500, "tpm": 200000}, "claude-3-5-haiku": {"rpm": 50}}}

A key is an `llm` model id (or alias as written in the plan) or the provider's model name
(an extra-openai-models entry's `model_name`). `rpm` is requests per minute, `tpm` tokens per
minute (input plus output); either may be left out. A missing file means no limits.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from planflow.runtime.errors import InputError

LIMITS_FILE = "limits.json"


@dataclass(frozen=True)
class ModelLimits:
    rpm: float | None = None
    tpm: float | None = None


def planflow_home() -> Path:
    """PLANFLOW_HOME, else the platform's app dir (the CLI's store uses the same rule)."""
    if os.environ.get("PLANFLOW_HOME"):
        return Path(os.environ["PLANFLOW_HOME"])
    import platformdirs

    return Path(platformdirs.user_data_dir("planflow", appauthor=False))


def load_limits(path: Path | None = None) -> dict[str, ModelLimits]:
    path = path or planflow_home() / LIMITS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # no file, or a home that is not a folder: no limits
        return {}
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    models = document.get("models") if isinstance(document, dict) else None
    if not isinstance(models, dict) or set(document) - {"models"}:
        raise InputError(f'{path}: expected {{"models": {{"MODEL": {{"rpm": N, "tpm": N}}}}}}')
    limits = {}
    for name, entry in models.items():
        if not isinstance(entry, dict) or not entry or set(entry) - {"rpm", "tpm"}:
            raise InputError(f"{path}: models.{name}: expected an object with rpm and/or tpm, got {entry!r}")
        for key, value in entry.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
                raise InputError(f"{path}: models.{name}.{key}: must be a positive number per minute, got {value!r}")
        limits[name] = ModelLimits(entry.get("rpm"), entry.get("tpm"))
    return limits
