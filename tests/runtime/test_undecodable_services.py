"""A listed file name's undecodable byte (\\udcff) in an http request or an llm prompt: a request
never silently drops it (the item fails, naming the param), a body sends the bytes, a prompt
goes out with U+FFFD."""

from __future__ import annotations

import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from tests.runtime.helpers import run_doc, workflow

RAW = b"a\xff.txt"


class _Seen(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[bytes, bytes]]] = []

    def do_GET(self):
        raw_header = next((v for k, v in self.headers.items() if k.lower() == "x-f"), "").encode("latin-1")
        self.seen.append((self.path.encode("latin-1"), raw_header))
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_POST(self):
        self.seen.append((self.path.encode("latin-1"), self.rfile.read(int(self.headers["content-length"]))))
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Seen.seen = []
    srv = HTTPServer(("127.0.0.1", 0), _Seen)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", _Seen.seen
    srv.shutdown()


def _run(tmp_path, node):
    (tmp_path / os.fsdecode(RAW)).write_text("hello\n")
    doc = workflow(
        {"id": "ls", "type": "list_files", "params": {"dir": ".", "pattern": "a*.txt"}},
        node,
        outputs={"n": "${ls.count}"},
    )
    return run_doc(doc, cwd=tmp_path)


@pytest.mark.parametrize(
    "where",
    ["path", "query", "header"],
)
def test_http_never_silently_drops_a_byte_of_the_value(tmp_path, server, where):
    # yarl (URL, query) and aiohttp (headers) would drop the byte without a word and ask for another
    # resource (/f/./a.txt): the item fails instead, naming the param
    base, seen = server
    params = {"url": base + "/f"}
    if where == "path":
        params["url"] = base + "/f/${ls.files[0]}"
    elif where == "query":
        params["params"] = {"q": "${ls.files[0]}"}
    else:
        params["headers"] = {"X-F": "${ls.files[0]}"}
    result = _run(tmp_path, {"id": "h", "type": "http", "params": params})
    param = {"path": "url", "query": "params", "header": "headers"}[where]
    assert result.error is not None and f"params.{param} holds a byte that is not UTF-8" in result.error["message"]
    assert seen == []  # no request went out for another resource


def test_http_body_with_a_file_name_is_not_blamed_on_the_url(tmp_path, server):
    base, seen = server
    result = _run(
        tmp_path,
        {"id": "h", "type": "http", "params": {"url": base + "/f", "method": "POST", "body": "${ls.files[0]}"}},
    )
    assert result.error is None, result.error
    assert seen == [(b"/f", b"./" + RAW)]  # the body carries the name's exact bytes


def test_llm_prompt_naming_a_listed_file(tmp_path, scale_model, openai_server):
    # a UTF-8 request cannot carry the byte: the prompt goes out with U+FFFD in its place
    (tmp_path / os.fsdecode(RAW)).write_text("hello\n")
    doc = workflow(
        {"id": "ls", "type": "list_files", "params": {"dir": ".", "pattern": "a*.txt"}},
        {
            "id": "l",
            "type": "llm",
            "batch": {"items": "${ls.files}", "as": "f"},
            "params": {"prompt": "Summarize ${f}"},
        },
        outputs={"r": "${l.results}"},
    )
    result = run_doc(doc, cwd=tmp_path, model=scale_model)
    assert result.error is None, result.error
    assert [r["response"] for r in result.outputs["r"]] == ["echo: Summarize ./a\ufffd.txt"]
