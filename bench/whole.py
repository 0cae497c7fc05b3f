"""Whole-process figures: `planflow run` as a user starts it, beside the thing it is compared with.

The machine is shared and noisy, so every comparison interleaves its commands (A B, then B A,
so neither always runs first) and reports medians of several rounds and their ratio.

python bench/whole.py shell [ROUNDS]     # 1,000 echo items at parallel 10 vs xargs -P10
python bench/whole.py startup [ROUNDS]   # one-step shell run vs one-step llm run

--before CHECKOUT adds `planflow run` from another checkout (`git worktree add /tmp/old main`),
run with the same Python, interleaved with the rest: a before/after in one measurement.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SHELL_ITEMS = 1000
SHELL_PARALLEL = 10
# What the issue measured: one bash per item, the item in its command text, 10 at a time.
XARGS = f"seq {SHELL_ITEMS} | xargs -P{SHELL_PARALLEL} -I{{}} bash -c 'echo {{}}'"
LOOPBACK_MODEL = "bench-loopback"


BEFORE: str | None = None  # a checkout whose planflow is also measured (--before)


def wall(argv: list[str], cwd: str, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def before_env(env: Any) -> dict[str, str]:
    assert BEFORE is not None
    return {**env, "PYTHONPATH": BEFORE}


def interleaved(commands: dict[str, Any], rounds: int) -> dict[str, list[float]]:
    """name -> seconds per round; each command is a no-argument callable returning seconds.
    Odd rounds run the commands in reverse order."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            times[name].append(commands[name]())
    return times


def summary(name: str, seconds: list[float]) -> str:
    return f"{name} {statistics.median(seconds):.2f}s (runs {', '.join(f'{s:.2f}' for s in seconds)})"


def planflow_run(workflow: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "planflow", "run", str(workflow), *(options or ("-q",))]


def one_node(node: dict[str, Any], inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"ir_version": "0.1.0", "inputs": inputs or {}, "nodes": [node]}


def shell_ratio(rounds: int = 5) -> tuple[float, dict[str, list[float]]]:
    """`planflow run` of 1,000 echo items at parallel 10 over the xargs line above."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "echo.json")
        doc = one_node(
            {
                "id": "b",
                "type": "shell",
                "params": {"command": "echo ${item}"},
                "batch": {"items": "${items}", "parallel": True, "max_concurrent": SHELL_PARALLEL},
            },
            {"items": {"type": "array", "default": list(range(1, SHELL_ITEMS + 1))}},
        )
        path.write_text(json.dumps(doc))
        commands = {
            "planflow run": lambda: wall(planflow_run(path), tmp),
            "xargs": lambda: wall(["bash", "-c", XARGS], tmp),
        }
        if BEFORE:
            commands["planflow run (before)"] = lambda: wall(planflow_run(path), tmp, before_env(os.environ))
        times = interleaved(commands, rounds)
    return statistics.median(times["planflow run"]) / statistics.median(times["xargs"]), times


class _ChatCompletions(BaseHTTPRequestHandler):
    """Answers /v1/chat/completions with one short reply, streamed or whole as asked."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        message = {"role": "assistant", "content": "ok"}
        usage = {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
        if request.get("stream"):
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": LOOPBACK_MODEL}
            events = [
                {**chunk, "choices": [{"index": 0, "delta": message, "finish_reason": None}]},
                {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage},
            ]
            body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"
            content_type = "text/event-stream"
        else:
            reply = {
                "id": "c",
                "object": "chat.completion",
                "created": 0,
                "model": LOOPBACK_MODEL,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": usage,
            }
            body = json.dumps(reply).encode()
            content_type = "application/json"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@contextlib.contextmanager
def loopback_llm(folder: str) -> Iterator[dict[str, str]]:
    """An OpenAI-compatible server on 127.0.0.1 and an llm user folder whose
    extra-openai-models.yaml names it: the environment for a `planflow run` that asks it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    user = Path(folder, "llm-user")
    user.mkdir()
    port = server.server_address[1]
    user.joinpath("extra-openai-models.yaml").write_text(
        f"- model_id: {LOOPBACK_MODEL}\n  model_name: {LOOPBACK_MODEL}\n  api_base: http://127.0.0.1:{port}/v1\n"
    )
    try:
        yield {**os.environ, "LLM_USER_PATH": str(user), "PLANFLOW_MODEL": LOOPBACK_MODEL}
    finally:
        server.shutdown()
        server.server_close()


def _runner(flow: Path, cwd: str, env: dict[str, str]) -> Any:
    return lambda: wall(planflow_run(flow), cwd, env)


def startup_ratio(rounds: int = 7) -> tuple[float, dict[str, list[float]]]:
    """A one-step llm run (model on a loopback server: start-up, model resolution, one call)
    over a one-step shell run (`echo hi`)."""
    with tempfile.TemporaryDirectory() as tmp, loopback_llm(tmp) as env:
        shell_flow = Path(tmp, "shell.json")
        shell_flow.write_text(json.dumps(one_node({"id": "s", "type": "shell", "params": {"command": "echo hi"}})))
        llm_flow = Path(tmp, "llm.json")
        llm_flow.write_text(json.dumps(one_node({"id": "a", "type": "llm", "params": {"prompt": "Say ok."}})))
        check = subprocess.run(planflow_run(llm_flow, "--json"), cwd=tmp, env=env, capture_output=True, text=True)
        assert json.loads(check.stdout)["status"] == "ok", check.stdout + check.stderr
        # the llm step after a 1 s shell step: what the model's imports could overlap with
        after_flow = Path(tmp, "after.json")
        after = one_node({"id": "s", "type": "shell", "params": {"command": "sleep 1"}})
        after["nodes"].append({"id": "a", "type": "llm", "params": {"prompt": "Say ok."}})
        after["edges"] = [{"from": "s", "to": "a"}]
        after_flow.write_text(json.dumps(after))
        flows = {"shell step": shell_flow, "llm step": llm_flow, "sleep 1 then llm step": after_flow}
        commands = {name: _runner(flow, tmp, env) for name, flow in flows.items()}
        # the floor under any llm step: llm's OpenAI plugin imports this whole package as it loads
        commands["python -c 'import openai'"] = lambda: wall([sys.executable, "-c", "import openai"], tmp, env)
        if BEFORE:
            commands.update({f"{name} (before)": _runner(flow, tmp, before_env(env)) for name, flow in flows.items()})
        times = interleaved(commands, rounds)
    return statistics.median(times["llm step"]) / statistics.median(times["shell step"]), times


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--before" in args:
        at = args.index("--before")
        BEFORE = str(Path(args[at + 1]).resolve())
        del args[at : at + 2]
    section = args[0] if args else "shell"
    count = int(args[1]) if len(args) > 1 else 7
    os.environ.setdefault("PLANFLOW_HOME", tempfile.mkdtemp())
    if section == "shell":
        ratio, times = shell_ratio(count)
        print(f"whole-process `planflow run` / `{XARGS}`: ratio {ratio:.2f} (target <= 1.5)")
    else:
        ratio, times = startup_ratio(count)
        print(f"one-step llm run / one-step shell run: ratio {ratio:.2f} (target <= 2.0)")
    for name, seconds in times.items():
        print("  " + summary(name, seconds))
    for name, seconds in times.items():
        base = "xargs" if section == "shell" else "shell step" + (" (before)" if name.endswith("(before)") else "")
        if name not in (base, "planflow run"):
            print(f"  {name} / {base}: ratio {statistics.median(seconds) / statistics.median(times[base]):.2f}")
