"""write_file on files that already exist in some form: modes, the umask, symlinks, and the
temp files of a writer that was killed mid-write."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys

import pytest

from planflow.runtime.nodes.write_file import write_atomically
from tests.conftest import ROOT
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


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_its_mode_from_the_umask(tmp_path, umask, expected):
    previous = os.umask(umask)
    try:
        write_atomically(tmp_path / "new.txt", b"x")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "new.txt") == expected


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


KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from planflow.runtime.nodes.write_file import _open_temp
fd, temp = _open_temp(Path(sys.argv[1]), "report.txt")
os.write(fd, b"half")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_temp_file_left_by_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(tmp_path)], env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    assert killed.returncode == -signal.SIGKILL
    [left] = tmp_path.glob(".report.txt.*.partial")
    elsewhere = tmp_path / f".report.txt.{killed_pid(left)}@another-host.0123abcd.partial"
    elsewhere.write_text("a writer on another machine sharing this folder")
    _write(tmp_path, "report.txt", "whole")
    assert (tmp_path / "report.txt").read_text() == "whole"
    assert not left.exists()
    assert elsewhere.exists()  # its pid means nothing here


def killed_pid(temp) -> str:
    return temp.name.split(".")[2].split("@")[0]
