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


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


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


def _close_transport(proc: asyncio.subprocess.Process) -> None:
    # Closing the transport now, while the loop runs, stops its __del__ from touching a closed
    # loop later; asyncio offers no public handle for it.
    transport = getattr(proc, "_transport", None)
    if transport is not None:
        transport.close()


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
    cwd = ctx.run.path(params["cwd"]) if params.get("cwd") else ctx.run.cwd
    spawn = asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            "bash",
            "-c",
            command.script,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
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
        # Cancelled while the process was being started: it may exist already, in a session of
        # its own that nothing else would kill. Let the start finish, then kill it.
        with contextlib.suppress(Exception):
            started = await spawn
            _kill_group(started)
            _close_transport(started)
        raise
    try:
        data = as_text(stdin).encode() if stdin is not None else None
        out, err = await asyncio.wait_for(proc.communicate(data), params.get("timeout"))
    except TimeoutError:
        _kill_group(proc)
        await proc.communicate()  # drains and closes the pipes of the killed group
        raise NodeFailure(f"command timed out after {params.get('timeout')} s") from None
    except BaseException:  # cancelled (Ctrl-C, fail_fast): kill now, cannot await here
        _kill_group(proc)
        _close_transport(proc)
        raise
    stdout = out.decode("utf-8", errors="replace")
    stderr = err.decode("utf-8", errors="replace")
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
