"""A response header's Latin-1 byte: aiohttp decodes headers with surrogateescape, so `headers`
holds \\udce9, and shell stdin gets it as JSON that parses back to it."""

from __future__ import annotations

import json
import socket
import threading

from tests.runtime.helpers import run_doc, workflow


def _server():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()

    def serve():
        conn, _ = sock.accept()
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-N: caf\xe9\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        conn.close()
        sock.close()

    threading.Thread(target=serve, daemon=True).start()
    return sock.getsockname()[1]


def test_response_headers_reach_a_command(tmp_path):
    port = _server()
    doc = workflow(
        {"id": "h", "type": "http", "params": {"url": f"http://127.0.0.1:{port}/"}},
        {"id": "s", "type": "shell", "params": {"command": "cat", "stdin": "${h.headers}"}},
        outputs={"o": "${s.stdout}"},
    )
    result = run_doc(doc, cwd=tmp_path)
    assert result.error is None, result.error
    assert json.loads(result.outputs["o"])["x-n"] == "caf\udce9"  # the header's own byte, escaped in JSON
