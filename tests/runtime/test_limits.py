"""Limits bad input cannot blow through: output caps on shell and http items, and one cap on
the processes alive at once across a whole run."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from planflow.runtime.context import RunContext, default_max_processes
from planflow.runtime.errors import InputError
from tests.cli.stopping import alive
from tests.runtime.helpers import run_doc, workflow


def shell(command: str, **params) -> dict:
    return {"id": "s", "type": "shell", "params": {"command": command, **params}}


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_output_past_max_output_fails_the_item_and_kills_its_processes(tmp_path, stream):
    redirect = ">&2" if stream == "stderr" else ""
    command = f"echo $$ > bash.pid; sh -c 'echo $$ > yes.pid; exec yes' {redirect}"
    # a cap well above the pipe reader's buffer, so the reader has stopped with it full
    out = run_doc(workflow(shell(command, max_output=1_000_000)), cwd=tmp_path)
    assert out.status == "failed"
    message = out.error["message"]
    assert f"command's {stream} exceeded max_output (1000000 bytes)" in message
    assert "Raise the shell node's max_output param" in message
    pids = [int((tmp_path / name).read_text()) for name in ("bash.pid", "yes.pid")]
    assert [pid for pid in pids if alive(pid)] == []


def test_output_within_max_output_is_kept_whole(tmp_path):
    out = run_doc(workflow(shell("head -c 30000 /dev/zero | tr '\\0' x", max_output=30_000)), cwd=tmp_path)
    assert out.status == "ok", out.error
    assert out.nodes["s"]["stdout"] == "x" * 30_000


@contextlib.contextmanager
def body_server() -> Iterator[str]:
    """aiohttp on 127.0.0.1: /sized/N sends N bytes with a Content-Length, /stream/N sends them
    chunked (no length declared), /error/N sends them with status 500."""

    async def sized(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * int(request.match_info["n"]))

    async def error(request: web.Request) -> web.Response:
        return web.Response(status=500, body=b"boom" + b"x" * int(request.match_info["n"]))

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        left = int(request.match_info["n"])
        while left > 0:
            await response.write(b"y" * min(left, 4096))
            left -= 4096
        await response.write_eof()
        return response

    app = web.Application()
    app.add_routes([web.get("/sized/{n}", sized), web.get("/stream/{n}", stream), web.get("/error/{n}", error)])
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _get(url: str, **params):
    return run_doc(workflow({"id": "h", "type": "http", "params": {"url": url, **params}}))


def test_a_response_past_max_bytes_fails_the_item_clearly():
    with body_server() as base:
        declared = _get(f"{base}/sized/20000", max_bytes=10_000)
        streamed = _get(f"{base}/stream/20000", max_bytes=10_000)
        within = _get(f"{base}/stream/10000", max_bytes=10_000)
    for out in (declared, streamed):
        assert out.status == "failed"
        assert "exceeds max_bytes (10000 bytes)" in out.error["message"]
        assert "raise the http node's max_bytes param" in out.error["message"]
    assert "20000 bytes declared" in declared.error["message"]
    assert within.status == "ok" and within.nodes["h"]["body"] == "y" * 10_000


def test_a_failing_status_with_a_huge_body_reports_the_status_not_the_cap(monkeypatch):
    monkeypatch.setenv("PLANFLOW_RETRY_DEADLINE", "0")  # a 500 is transient: no retries here
    with body_server() as base:
        out = _get(f"{base}/error/200000", max_bytes=1000)
    assert out.status == "failed" and "returned HTTP 500: boomxxx" in out.error["message"]


def _peak(log: Path) -> int:
    running = peak = 0
    for line in log.read_text().split():
        running += 1 if line == "start" else -1
        peak = max(peak, running)
    return peak


def test_sibling_batches_share_one_cap_on_live_processes(tmp_path):
    log = tmp_path / "log"
    batches = [
        {
            "id": f"b{n}",
            "type": "shell",
            # one short O_APPEND write each: the file orders the starts and ends as they happened
            "params": {"command": f"echo start >> {log}; sleep 0.1; echo end >> {log}"},
            "batch": {"items": list(range(6)), "parallel": True, "max_concurrent": 6},
        }
        for n in range(4)
    ]
    out = run_doc(workflow(*batches, edges=[]), cwd=tmp_path, max_processes=3)
    assert out.status == "ok", out.error
    assert log.read_text().split().count("start") == 24
    assert 1 < _peak(log) <= 3  # 4 batches x 6 would otherwise have 24 at once


def test_the_process_cap_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PLANFLOW_MAX_PROCESSES", "5")
    assert RunContext().max_processes == 5
    monkeypatch.setenv("PLANFLOW_MAX_PROCESSES", "lots")
    with pytest.raises(InputError, match="PLANFLOW_MAX_PROCESSES must be a whole number"):
        default_max_processes()
    monkeypatch.delenv("PLANFLOW_MAX_PROCESSES")
    assert default_max_processes() >= 8
