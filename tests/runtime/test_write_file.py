"""write_file on files that already exist in some form: modes and symlinks (the atomic write
itself, the umask and a killed writer's temp files: test_atomic_write.py)."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from tests.runtime.helpers import run_doc, workflow

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes and symlinks")


def _write(tmp_path, path: str, content: str, append: bool = False):
    params = {"path": path, "content": content, **({"append": True} if append else {})}
    out = run_doc(workflow({"id": "w", "type": "write_file", "params": params}), cwd=tmp_path)
    assert out.status == "ok", out.error
    return out


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_an_existing_files_mode_is_kept(tmp_path):
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\necho old\n")
    script.chmod(0o755)
    _write(tmp_path, "run.sh", "#!/bin/sh\necho new\n")
    assert _mode(script) == 0o755 and script.read_text().endswith("new\n")
    _write(tmp_path, "run.sh", "echo more\n", append=True)
    assert _mode(script) == 0o755 and script.read_text().endswith("new\necho more\n")


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "data" / "real.txt"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    _write(tmp_path, "link.txt", "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new" and _mode(real) == 0o640
    _write(tmp_path, "link.txt", "+", append=True)
    assert link.is_symlink() and real.read_text() == "new+"
    assert list(tmp_path.rglob("*.partial")) == []


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "made.txt")
    _write(tmp_path, "link.txt", "hi")
    assert link.is_symlink() and (tmp_path / "made.txt").read_text() == "hi"
