"""The atomic write under write_file and the CLI's saved files: an interrupted write leaves the old
file, a new file's mode comes from the umask, and a killed writer's temp file is swept."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys

import pytest

from planflow.runtime import atomic_write
from planflow.runtime.atomic_write import write_atomically
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_write_is_atomic_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("old")

    class Boom(BaseException):
        pass

    real_fdopen = atomic_write.os.fdopen

    def exploding_fdopen(fd, mode):
        handle = real_fdopen(fd, mode)
        handle.write(b"half")
        handle.close()
        raise Boom

    monkeypatch.setattr(atomic_write.os, "fdopen", exploding_fdopen)
    with pytest.raises(Boom):
        atomic_write.write_atomically(target, b"new content")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_its_mode_from_the_umask(tmp_path, umask, expected):
    previous = os.umask(umask)
    try:
        write_atomically(tmp_path / "new.txt", b"x")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "new.txt") == expected


KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from planflow.runtime.atomic_write import _open_temp
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
    write_atomically(tmp_path / "report.txt", b"whole")
    assert (tmp_path / "report.txt").read_text() == "whole"
    assert not left.exists()
    assert elsewhere.exists()  # its pid means nothing here


def killed_pid(temp) -> str:
    return temp.name.split(".")[2].split("@")[0]
