"""Writing a file atomically: a temp file beside the target, then a rename.

Shared by the write_file node and the CLI's saved workflows and plan files, so neither reaches
into the other for it.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import stat
from pathlib import Path

__all__ = ["write_atomically"]

# .NAME.PID@HOST.RANDOM.partial: the writer is named so that a later write can tell a temp file
# whose writer died (SIGKILL, a crash) from one being written now, by a process here or on
# another machine sharing the folder.
_TEMP_NAME = re.compile(r"^\..*\.(?P<pid>\d+)@(?P<host>[^@/]+)\.[0-9a-f]+\.partial$")
_NAME_IN_TEMP = 100  # of the target's name, so the temp name stays within NAME_MAX
_swept: set[str] = set()  # folders this process has cleaned of dead writers' temp files


def _host() -> str:
    return socket.gethostname().replace("/", "_").replace("@", "_") or "localhost"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _sweep(folder: Path) -> None:
    """Remove temp files left by writers on this machine that died mid-write. Once per folder
    per process: a folder of 10,000 outputs is listed once, not once per write."""
    key = str(folder)
    if key in _swept:
        return
    _swept.add(key)
    host = _host()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        found = _TEMP_NAME.match(entry.name)
        if found and found["host"] == host and not _alive(int(found["pid"])):
            Path(entry.path).unlink(missing_ok=True)


def _open_temp(folder: Path, name: str) -> tuple[int, Path]:
    """A new temp file beside the target. Mode 0o666 lets the umask (and a default ACL) decide a
    new file's permissions, as for any program creating a file; mkstemp would force 0600."""
    prefix = f".{name[:_NAME_IN_TEMP]}.{os.getpid()}@{_host()}."
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    while True:
        temp = folder / f"{prefix}{secrets.token_hex(6)}.partial"
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue


def write_atomically(target: Path, data: bytes) -> None:
    """Temp file in the same folder, then rename: readers see the old file or the new one, and an
    interrupted run leaves no half-written file behind.

    A symlink is written through: the temp file goes beside the file it points to and replaces
    that, so the link stays a link. An existing file keeps its permission bits (a script stays
    executable); a new one gets them from the umask.
    """
    final = Path(os.path.realpath(target))
    final.parent.mkdir(parents=True, exist_ok=True)
    _sweep(final.parent)
    try:
        mode: int | None = stat.S_IMODE(os.stat(final).st_mode)
    except FileNotFoundError:
        mode = None
    fd, temp = _open_temp(final.parent, final.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
        os.replace(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
