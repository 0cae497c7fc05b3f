"""Peak memory of `planflow run` when an item's output floods: shell stdout and http bodies.

python bench/caps.py                   # default caps (50 MB): each item fails at its cap
PLANFLOW_SRC=/tmp/old python bench/caps.py   # the same flows against another checkout

Each case runs `python -m planflow run FLOW --json` as its own process and reads that process's
peak RSS from wait4(), so the bench's own server does not count.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
SOURCE = os.environ.get("PLANFLOW_SRC", str(ROOT))
CHUNK = b"x" * (1 << 20)


def serve() -> str:
    """/chunked/N streams N MB with no length declared; /sized/N declares its length."""

    async def body(request: web.Request) -> web.StreamResponse:
        megabytes = int(request.match_info["n"])
        response = web.StreamResponse()
        if request.match_info["kind"] == "sized":
            response.content_length = megabytes * len(CHUNK)
        else:
            response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for _ in range(megabytes):
                await response.write(CHUNK)
        except (ConnectionError, RuntimeError):
            pass  # the client gave up at its cap
        return response

    app = web.Application()
    app.add_routes([web.get("/{kind}/{n}", body)])
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
    threading.Thread(target=loop.run_forever, daemon=True).start()
    return f"http://127.0.0.1:{runner.addresses[0][1]}"


def measure(name: str, node: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        flow = Path(folder) / "flow.json"
        flow.write_text(json.dumps({"ir_version": "0.1.0", "nodes": [node]}))
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "planflow", "run", str(flow), "--json"],
            cwd=folder,
            env={**os.environ, "PYTHONPATH": SOURCE},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        stdout = process.stdout.read() if process.stdout else b""
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
    try:
        payload = json.loads(stdout)
        outcome = payload["status"] + (f": {payload['error']['message'][:90]}" if payload["error"] else "")
    except ValueError:
        outcome = f"no JSON (exit {os.waitstatus_to_exitcode(status)})"
    print(f"{name:<40} peak RSS {usage.ru_maxrss / 1024:7.0f} MB  {seconds:5.1f} s  {outcome}", flush=True)


def main() -> None:
    base = serve()
    measure("shell: 1 GB of stdout", {"id": "s", "type": "shell", "params": {"command": "head -c 1G /dev/zero"}})
    measure("http: 500 MB body, chunked", {"id": "h", "type": "http", "params": {"url": f"{base}/chunked/500"}})
    measure("http: 500 MB body, length declared", {"id": "h", "type": "http", "params": {"url": f"{base}/sized/500"}})
    under = "yes 0123456789abcdef0123456789abcdef0123456789abcdef | head -c 40M"  # 51-byte lines
    measure("shell: 40 MB of stdout (under the cap)", {"id": "s", "type": "shell", "params": {"command": under}})
    measure("http: 40 MB body (under the cap)", {"id": "h", "type": "http", "params": {"url": f"{base}/chunked/40"}})


if __name__ == "__main__":
    main()
