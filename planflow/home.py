"""The user directory: saved workflows, the run journal, per-model limits. PLANFLOW_HOME, else
the platform's app dir; imported by every layer, so it imports nothing of ours."""

from __future__ import annotations

import os
from pathlib import Path


def planflow_home() -> Path:
    if os.environ.get("PLANFLOW_HOME"):
        return Path(os.environ["PLANFLOW_HOME"])
    import platformdirs

    return Path(platformdirs.user_data_dir("planflow", appauthor=False))
