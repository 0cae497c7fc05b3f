"""A child process started off the event loop, its pipes and its exit watched by the loop.

asyncio.create_subprocess_exec forks on the loop's thread: 1,000 `echo` items at parallel 10
spent 4.3 of 6.7 s there, one start at a time, while finished items waited to be read. Here
`subprocess.Popen` runs on a small pool of spawn threads (CPython starts the child with vfork
and waits for its exec with the GIL released, so starts overlap each other and the loop), and
the loop reads the pipes with plain non-blocking reads and learns of the exit from a pidfd.

Nothing here registers with asyncio's child watchers: the process is reaped by `Popen.poll()`
once its pidfd is readable (or, where there are no pidfds, by a thread blocked in `wait()`),
so no watcher can find its exit status already read.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["Child", "OutputTooLarge", "start"]

READ_SIZE = 1 << 16
# 8 measured best for 1,000 echo items at parallel 10 on 2 cores (1 thread: 1.0x xargs, 4: 0.8x,
# 8: 0.5x): a start mostly waits for the child's exec, not for a CPU.
SPAWN_THREADS = 8
REAP_TIMEOUT_SECONDS = 10.0  # a SIGKILLed process is gone in milliseconds; this only bounds a hang

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _spawn_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=SPAWN_THREADS, thread_name_prefix="planflow-spawn")
        return _pool


def _pidfds_work() -> bool:
    try:
        os.close(os.pidfd_open(os.getpid()))
    except (AttributeError, OSError):  # not Linux, a kernel before 5.3, or a sandbox refusing it
        return False
    return True


PIDFDS = _pidfds_work()


class OutputTooLarge(Exception):
    def __init__(self, stream: str) -> None:
        self.stream = stream


class Child:
    """A started process in a session of its own: the loop's ends of its pipes and its exit."""

    def __init__(self, popen: subprocess.Popen[bytes], stdin: int | None, stdout: int, stderr: int) -> None:
        self.popen = popen
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self._pidfd = os.pidfd_open(popen.pid) if PIDFDS else None
        self._exited: asyncio.Future[int] | None = None

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start watching for the exit; on the loop's thread."""
        self._exited = loop.create_future()
        if self._pidfd is not None:
            loop.add_reader(self._pidfd, self._on_pidfd, loop)
        else:
            threading.Thread(target=self._wait_in_thread, args=(loop,), daemon=True).start()

    def _on_pidfd(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.popen.poll() is None:  # readable only once it has exited; never wrong, but be sure
            return
        assert self._pidfd is not None
        loop.remove_reader(self._pidfd)
        os.close(self._pidfd)
        self._pidfd = None
        self._set_exited(self.popen.returncode)

    def _wait_in_thread(self, loop: asyncio.AbstractEventLoop) -> None:
        code = self.popen.wait()
        with contextlib.suppress(RuntimeError):  # the loop closed first: nobody is waiting
            loop.call_soon_threadsafe(self._set_exited, code)

    def _set_exited(self, code: int | None) -> None:
        if self._exited is not None and not self._exited.done():
            self._exited.set_result(code if code is not None else -1)

    async def wait(self) -> int:
        """The exit status, once the process is reaped; cancelling this does not stop the watch."""
        assert self._exited is not None, "watch() first"
        return await asyncio.shield(self._exited)

    def kill_group(self) -> None:
        # Only while unreaped: until then the pid (and so the group id) cannot be reused.
        if self.popen.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)

    def close_stdin(self) -> None:
        if self.stdin is not None:
            os.close(self.stdin)
            self.stdin = None

    def close_pipes(self) -> None:
        """Our ends of the pipes; only once no reader or writer is registered on them."""
        self.close_stdin()
        for name in ("stdout", "stderr"):
            fd = getattr(self, name)
            if fd >= 0:
                os.close(fd)
                setattr(self, name, -1)

    def forget_exit(self, loop: asyncio.AbstractEventLoop) -> None:
        """Stop watching a process that would not die (bounded reap timed out)."""
        if self._pidfd is not None:
            loop.remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None


def _spawn(argv: list[str], env: dict[bytes, bytes], cwd: Any, with_stdin: bool) -> Child:
    """Runs on a spawn thread. The pipes are made here, close-on-exec (Popen's close_fds keeps
    a sibling start from inheriting them), and the child's ends closed once it has them."""
    ours: list[int] = []
    theirs: list[int] = []
    try:
        stdin_r = None
        if with_stdin:
            stdin_r, stdin_w = os.pipe()
            theirs.append(stdin_r)
            ours.append(stdin_w)
        out_r, out_w = os.pipe()
        ours.append(out_r)
        theirs.append(out_w)
        err_r, err_w = os.pipe()
        ours.append(err_r)
        theirs.append(err_w)
        popen = subprocess.Popen(
            argv,
            stdin=stdin_r if stdin_r is not None else subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            cwd=cwd,
            env=env,
            start_new_session=True,  # its own process group, so a timeout or Ctrl-C kills children too
        )
    except BaseException:
        for fd in ours + theirs:
            os.close(fd)
        raise
    for fd in theirs:
        os.close(fd)
    for fd in ours:
        os.set_blocking(fd, False)
    try:
        return Child(popen, ours[0] if with_stdin else None, out_r, err_r)
    except BaseException:  # no pidfd after all: do not leave the process behind
        with contextlib.suppress(OSError):
            os.killpg(popen.pid, signal.SIGKILL)
        popen.wait()
        for fd in ours:
            os.close(fd)
        raise


async def start(argv: list[str], env: dict[bytes, bytes], cwd: Any, with_stdin: bool) -> Child:
    """Start the process on a spawn thread. If cancelled meanwhile, a start that has not begun
    is dropped; one under way is let finish, then its group killed and reaped, then the
    cancellation goes on: no process outlives a cancelled start."""
    loop = asyncio.get_running_loop()
    job = _spawn_pool().submit(_spawn, argv, env, cwd, with_stdin)
    started = asyncio.wrap_future(job, loop=loop)
    try:
        child = await asyncio.shield(started)
    except asyncio.CancelledError:
        if job.cancel():
            raise
        late = await _uncancellable(started)
        if late is not None:
            late.watch(loop)
            await kill_and_reap(late)
        raise
    child.watch(loop)
    return child


async def _uncancellable(future: asyncio.Future[Child]) -> Child | None:
    """The future's result, waiting through further cancellations (a start takes milliseconds);
    None if the start failed."""
    while not future.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait([future])
    return None if future.cancelled() or future.exception() is not None else future.result()


async def kill_and_reap(child: Child, timeout: float = REAP_TIMEOUT_SECONDS) -> None:
    """Kill the group and wait for the process to be reaped, even if cancelled meanwhile (a
    killed process exits at once; the wait is bounded all the same, so nothing can hang a
    stop); a cancellation that came during the wait is raised afterwards."""
    loop = asyncio.get_running_loop()
    child.kill_group()
    exited = asyncio.ensure_future(child.wait())
    deadline = loop.time() + timeout
    cancelled = False
    while not exited.done() and loop.time() < deadline:
        try:
            await asyncio.wait([exited], timeout=deadline - loop.time())
        except asyncio.CancelledError:
            cancelled = True
    if not exited.done():
        exited.cancel()
        child.forget_exit(loop)
    child.close_pipes()
    while _live_members(child.popen.pid) and loop.time() < deadline:
        # bash is reaped, but a killed grandchild dies only when next scheduled (on a busy machine,
        # after we return): wait for that, so a killed command is gone when its item ends
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.popen.pid, signal.SIGKILL)
        try:
            await asyncio.sleep(0.005)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError


def _live_members(group: int) -> bool:
    """Whether a process of this group is alive (not a zombie). Cheap when the group is gone,
    the usual case once bash is reaped; else a scan of /proc, on kill paths only."""
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        entries = os.listdir("/proc")
    except OSError:  # no /proc: trust the signal
        return False
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rpartition(b")")[2].split()
        except OSError:
            continue
        if len(fields) > 2 and int(fields[2]) == group and fields[0] not in (b"Z", b"X"):
            return True
    return False


async def _writable(fd: int) -> None:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def writable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_writer(fd, writable)
    try:
        await ready
    finally:
        loop.remove_writer(fd)


async def read_capped(fd: int, cap: int, name: str) -> bytearray:
    """The whole stream, a chunk each time the fd is readable (one reader registration for the
    life of the stream), so a flood fails at the cap instead of filling memory."""
    loop = asyncio.get_running_loop()
    data = bytearray()
    done: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if done.done():
            return
        try:
            chunk = os.read(fd, READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            done.set_exception(exc)
            return
        if not chunk:
            done.set_result(None)
            return
        data.extend(chunk)
        if len(data) > cap:
            done.set_exception(OutputTooLarge(name))

    loop.add_reader(fd, readable)
    try:
        await done
    finally:
        loop.remove_reader(fd)
    return data


async def feed(child: Child, data: bytes) -> None:
    """Write data to the child's stdin, then close it. A command that does not read all of its
    stdin is not an error (communicate() agrees)."""
    assert child.stdin is not None
    view = memoryview(data)
    try:
        while view:
            try:
                view = view[os.write(child.stdin, view[:READ_SIZE]) :]
            except BlockingIOError:
                await _writable(child.stdin)
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        child.close_stdin()
