"""The shell node: `bash -c COMMAND` in a process group of its own, output read with a cap.

Every way out (success, exit code, timeout, output cap, cancellation by fail_fast or Ctrl-C)
ends with the process reaped before this returns, so no process outlives its item. Processes
start on spawn threads, off the event loop (see _process: starting them on the loop's thread
was most of a shell batch's time).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from typing import Any

from planflow.runtime.context import NodeContext
from planflow.runtime.errors import NodeFailure
from planflow.runtime.nodes._process import Child, OutputTooLarge, feed, kill_and_reap, read_capped, start
from planflow.runtime.nodes._util import as_text, parse_json_or_none
from planflow.runtime.shell_binding import ShellCommand
from planflow.runtime.specs import DEFAULT_MAX_OUTPUT

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


async def _collect(child: Child, stdin: bytes | None, cap: int) -> tuple[bytearray, bytearray]:
    """Feed stdin and read both pipes at once (either may fill while the other is read), then
    wait for the exit; the first error stops the others."""
    out = asyncio.ensure_future(read_capped(child.stdout, cap, "stdout"))
    err = asyncio.ensure_future(read_capped(child.stderr, cap, "stderr"))
    tasks: list[asyncio.Future[Any]] = [out, err]
    if stdin is not None:
        tasks.append(asyncio.ensure_future(feed(child, stdin)))
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await child.wait()
    child.close_pipes()
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
    # surrogateescape, as for the command and env: a listed file name's bytes reach it exactly
    data = as_text(stdin).encode("utf-8", "surrogateescape") if stdin is not None else None
    cwd = ctx.run.path(params["cwd"]) if params.get("cwd") else ctx.run.cwd
    cap = params.get("max_output") or DEFAULT_MAX_OUTPUT
    timeout = params.get("timeout")
    # Held from before the spawn until after the reap: the run's cap on live processes.
    async with ctx.run.process_slot():
        try:
            child = await start(["bash", "-c", command.script], env, cwd, with_stdin=data is not None)
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            raise NodeFailure(f"cannot start bash: {exc}") from None
        try:
            out, err = await asyncio.wait_for(_collect(child, data, cap), timeout)
        except TimeoutError:
            await kill_and_reap(child)
            raise NodeFailure(f"command timed out after {timeout} s") from None
        except OutputTooLarge as exc:
            await kill_and_reap(child)
            raise NodeFailure(
                f"command's {exc.stream} exceeded max_output ({cap} bytes); the command was killed. "
                "Raise the shell node's max_output param to allow more, or write the output to a file"
            ) from None
        except BaseException:  # cancelled (Ctrl-C, fail_fast, a stop signal)
            await kill_and_reap(child)
            raise
    returncode = child.returncode
    stdout = out.decode("utf-8", errors="replace")
    stderr = err.decode("utf-8", errors="replace")
    del out, err
    if returncode != 0:
        detail = stderr.strip()[-500:] or stdout.strip()[-200:]
        raise NodeFailure(f"command exited with {returncode}" + (f": {detail}" if detail else ""))
    return {
        "stdout": stdout,
        "stderr": stderr,
        "exit_code": returncode,
        "lines": stdout.splitlines(),
        "json": parse_json_or_none(stdout),
    }
