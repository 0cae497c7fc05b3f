"""The shell node: `bash -c COMMAND` in a process group of its own, output read with a cap.

Every way out (success, exit code, timeout, output cap, cancellation by fail_fast or Ctrl-C)
ends with the process reaped before this returns, so no process outlives its item and the
child watcher has nothing pending when the run's loop closes (otherwise asyncio warns, and
a late `poll()` steals the exit status from the watcher: "exit status already read").
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import tempfile
from collections.abc import Iterator
from typing import Any

from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.nodes._util import as_text, parse_json_or_none
from planflow.runtime.shell_binding import ShellCommand
from planflow.runtime.specs import DEFAULT_MAX_OUTPUT

_READ_SIZE = 1 << 16
REAP_TIMEOUT_SECONDS = 10.0  # a SIGKILLed process is gone in milliseconds; this only bounds a hang


class _OutputTooLarge(Exception):
    def __init__(self, stream: str) -> None:
        self.stream = stream


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


def _transport(proc: asyncio.subprocess.Process) -> asyncio.SubprocessTransport | None:
    return getattr(proc, "_transport", None)  # asyncio offers no public handle for it


def _close_pipes(proc: asyncio.subprocess.Process) -> None:
    # Python 3.11 wakes wait() only once every pipe is closed, and a pipe whose reader stopped
    # with its buffer full (an output cap) is never read to EOF: close our ends ourselves.
    transport = _transport(proc)
    if transport is not None:
        for fd in (0, 1, 2):
            pipe = transport.get_pipe_transport(fd)
            if pipe is not None:
                pipe.close()


async def _kill_and_reap(proc: asyncio.subprocess.Process) -> None:
    """Kill the group and wait for bash to be reaped, even if cancelled meanwhile (a killed
    process exits at once; the wait is bounded all the same, so nothing can hang a stop); a
    cancellation that came during the wait is raised afterwards."""
    _kill_group(proc)
    _close_pipes(proc)
    waiter = asyncio.ensure_future(proc.wait())
    deadline = asyncio.get_running_loop().time() + REAP_TIMEOUT_SECONDS
    cancelled = False
    while not waiter.done() and asyncio.get_running_loop().time() < deadline:
        try:
            await asyncio.wait([waiter], timeout=deadline - asyncio.get_running_loop().time())
        except asyncio.CancelledError:
            cancelled = True
    # Only now, with the process reaped: closing a live process's transport polls it, which
    # steals its exit status from the child watcher ("exit status already read").
    transport = _transport(proc)
    if transport is not None:
        transport.close()
    if cancelled:
        raise asyncio.CancelledError


_base_env: dict[bytes, bytes] | None = None


def _environment(extra: dict[str, Any], bound: dict[str, str]) -> dict[bytes, bytes]:
    """The process environment plus the node's env and the template values, as bytes.

    The base is encoded once per process: re-encoding ~100 variables for every item was a
    tenth of a shell batch's time.
    """
    global _base_env
    if _base_env is None:
        _base_env = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()}
    env = dict(_base_env)
    for key, value in (*((k, as_text(v)) for k, v in extra.items()), *bound.items()):
        env[os.fsencode(key)] = os.fsencode(value)
    return env


async def _read_capped(stream: asyncio.StreamReader | None, cap: int, name: str) -> bytearray:
    """The whole stream, a chunk at a time, so a flood fails at the cap instead of filling memory."""
    data = bytearray()
    if stream is None:
        return data
    while chunk := await stream.read(_READ_SIZE):
        data += chunk
        if len(data) > cap:
            raise _OutputTooLarge(name)
    return data


async def _feed(stream: asyncio.StreamWriter | None, data: bytes) -> None:
    if stream is None:
        return
    # a command that does not read all of its stdin is not an error (communicate() agrees)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        stream.write(data)
        await stream.drain()
    stream.close()


async def _collect(proc: asyncio.subprocess.Process, stdin: bytes | None, cap: int) -> tuple[bytearray, bytearray]:
    """Feed stdin and read both pipes at once (either may fill while the other is read), then
    wait for the exit; the first error stops the others."""
    out = asyncio.ensure_future(_read_capped(proc.stdout, cap, "stdout"))
    err = asyncio.ensure_future(_read_capped(proc.stderr, cap, "stderr"))
    tasks: list[asyncio.Future[Any]] = [out, err]
    if stdin is not None:
        tasks.append(asyncio.ensure_future(_feed(proc.stdin, stdin)))
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await proc.wait()
    return out.result(), err.result()


@contextlib.contextmanager
def _value_files(command: ShellCommand) -> Iterator[dict[str, str]]:
    """Values too big for the environment, each in a file only this user can read, removed after."""
    if not command.files:
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="planflow-values-") as folder:
        paths = {}
        for name, value in command.files.items():
            path = os.path.join(folder, name)
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(value)
            paths[f"{name}_FILE"] = path
        yield paths


async def run(params: dict[str, Any], ctx: NodeContext) -> dict[str, Any]:
    command: ShellCommand = params["command"]
    with _value_files(command) as value_files:
        return await _run(params, ctx, command, _environment(params.get("env") or {}, {**command.env, **value_files}))


async def _run(
    params: dict[str, Any], ctx: NodeContext, command: ShellCommand, env: dict[bytes, bytes]
) -> dict[str, Any]:
    stdin = params.get("stdin")
    data = as_text(stdin).encode() if stdin is not None else None
    cwd = ctx.run.path(params["cwd"]) if params.get("cwd") else ctx.run.cwd
    cap = params.get("max_output") or DEFAULT_MAX_OUTPUT
    timeout = params.get("timeout")
    # Held from before the spawn until after the reap: the run's cap on live processes.
    async with ctx.run.process_slot():
        spawn = asyncio.ensure_future(
            asyncio.create_subprocess_exec(
                "bash",
                "-c",
                command.script,
                stdin=asyncio.subprocess.PIPE if data is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=cwd,
                env=env,
                start_new_session=True,  # its own process group, so a timeout or Ctrl-C kills children too
            )
        )
        try:
            proc = await asyncio.shield(spawn)
        except (OSError, ValueError) as exc:
            raise NodeFailure(f"cannot start bash: {exc}") from None
        except asyncio.CancelledError:
            # Cancelled while the process was being started: it may exist already, in a session
            # of its own that nothing else would kill. Let the start finish, then kill it.
            with contextlib.suppress(Exception):
                await _kill_and_reap(await spawn)
            raise
        try:
            out, err = await asyncio.wait_for(_collect(proc, data, cap), timeout)
        except TimeoutError:
            await _kill_and_reap(proc)
            raise NodeFailure(f"command timed out after {timeout} s") from None
        except _OutputTooLarge as exc:
            await _kill_and_reap(proc)
            raise NodeFailure(
                f"command's {exc.stream} exceeded max_output ({cap} bytes); the command was killed. "
                "Raise the shell node's max_output param to allow more, or write the output to a file"
            ) from None
        except BaseException:  # cancelled (Ctrl-C, fail_fast, a stop signal)
            await _kill_and_reap(proc)
            raise
    stdout = out.decode("utf-8", errors="replace")
    stderr = err.decode("utf-8", errors="replace")
    del out, err
    if proc.returncode != 0:
        detail = stderr.strip()[-500:] or stdout.strip()[-200:]
        raise NodeFailure(f"command exited with {proc.returncode}" + (f": {detail}" if detail else ""))
    return {
        "stdout": stdout,
        "stderr": stderr,
        "exit_code": proc.returncode,
        "lines": stdout.splitlines(),
        "json": parse_json_or_none(stdout),
    }
