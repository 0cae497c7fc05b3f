"""http node against a loopback server: HEAD of a big resource, a broken content-encoding."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.runtime.helpers import run_doc, workflow

HITS: dict[str, int] = {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        HITS[self.path] = HITS.get(self.path, 0) + 1
        self.send_response(200)
        self.send_header("Content-Length", "60000000")  # a 60 MB download; HEAD sends no body
        self.end_headers()

    def do_GET(self):
        HITS[self.path] = HITS.get(self.path, 0) + 1
        body = b"this is not gzip data"
        self.send_response(200)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_head_of_a_large_resource_is_not_refused_by_max_bytes(server, tmp_path):
    doc = workflow(
        {"id": "h", "type": "http", "params": {"url": f"{server}/big.iso", "method": "HEAD"}},
        outputs={"len": "${h.headers.content-length}", "size": "${h.size}"},
    )
    out = run_doc(doc, cwd=tmp_path)
    # HEAD has no body: size 0, and the declared length is what the user asked for
    assert out.status == "ok", out.error
    assert out.outputs == {"len": "60000000", "size": 0}


def test_undecodable_content_encoding_is_not_retried_as_transient(server, tmp_path, monkeypatch):
    monkeypatch.setenv("PLANFLOW_RETRY_DEADLINE", "3")  # default is 600 s of retries
    doc = workflow({"id": "h", "type": "http", "params": {"url": f"{server}/bad-gzip"}}, outputs={"s": "${h.size}"})
    out = run_doc(doc, cwd=tmp_path)
    assert out.status == "failed"
    # a body that cannot be decoded will not decode on a second try
    assert HITS["/bad-gzip"] == 1, (HITS, out.error)
