"""A short, bounded summary of the working directory (names only, never contents), so that
"all the logs" can become a real folder and pattern."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    "dist",
    "build",
}


def summarize_workdir(root: Path, max_files: int = 40, max_depth: int = 2, max_entries: int = 5000) -> str:
    """Extensions with counts, the folders, and up to `max_files` file paths, nearest first."""
    files: list[str] = []
    folders: list[str] = []
    extensions: Counter[str] = Counter()
    seen = 0
    for current, dirs, names in os.walk(root):
        rel = Path(current).relative_to(root)
        depth = len(rel.parts)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        if depth >= max_depth:
            dirs[:] = []
        if depth:
            folders.append(f"{rel.as_posix()}/")
        for name in sorted(names):
            if name.startswith("."):
                continue
            seen += 1
            extensions[Path(name).suffix or "(none)"] += 1
            files.append((rel / name).as_posix())
        if seen >= max_entries:
            break
    if not files and not folders:
        return "The working directory is empty.\n\n"
    files.sort(key=lambda f: (f.count("/"), f))
    shown = files[:max_files]
    more = f" (and {len(files) - len(shown)} more)" if len(files) > len(shown) else ""
    ext = ", ".join(f"{e} ({n})" for e, n in extensions.most_common(10))
    lines = [
        "The working directory holds (names only):",
        f"- file types: {ext}",
        f"- folders: {', '.join(folders[:20]) or 'none'}",
        f"- files{more}: {', '.join(shown)}",
    ]
    return "\n".join(lines) + "\n\n"
