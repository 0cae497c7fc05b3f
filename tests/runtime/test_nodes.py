"""Each built-in node type, with the params and outputs of the design."""

from __future__ import annotations

import json

import pytest

from tests.fakes import FakeAsyncModel, FakeSyncModel, KeyedModel, http_server, registered_models
from tests.runtime.helpers import run_doc, workflow


def node(id: str, type: str, **params):
    return {"id": id, "type": type, "params": params}


def test_shell_outputs(tmp_path):
    out = run_doc(workflow(node("s", "shell", command="echo '{\"a\": [1, 2]}'; echo err >&2")), cwd=tmp_path)
    assert out.status == "ok"
    s = out.nodes["s"]
    assert s["stdout"] == '{"a": [1, 2]}\n' and s["stderr"] == "err\n" and s["exit_code"] == 0
    assert s["lines"] == ['{"a": [1, 2]}'] and s["json"] == {"a": [1, 2]}


def test_shell_stdin_env_cwd(tmp_path):
    (tmp_path / "sub").mkdir()
    doc = workflow(
        node("s", "shell", command='cat; echo "$GREETING"; pwd', stdin={"k": 1}, env={"GREETING": "hi"}, cwd="sub")
    )
    s = run_doc(doc, cwd=tmp_path).nodes["s"]
    assert s["lines"] == ["{", '  "k": 1', "}hi", str(tmp_path / "sub")]


def test_shell_nonzero_exit_fails_the_node_with_stderr():
    out = run_doc(workflow(node("s", "shell", command="echo boom >&2; exit 3")))
    assert out.status == "failed"
    assert out.error == {"node": "s", "message": "command exited with 3: boom"}


def test_shell_timeout_kills_the_command():
    out = run_doc(workflow(node("s", "shell", command="sleep 5", timeout=0.2)))
    assert out.status == "failed" and "timed out after 0.2 s" in out.error["message"]


def test_read_file(tmp_path):
    (tmp_path / "a.json").write_text("[1, 2, 3]")
    (tmp_path / "b.txt").write_text("plain text")
    out = run_doc(workflow(node("a", "read_file", path="a.json"), node("b", "read_file", path="b.txt")), cwd=tmp_path)
    assert out.nodes["a"] == {"content": "[1, 2, 3]", "path": "a.json", "json": [1, 2, 3]}
    assert out.nodes["b"]["json"] is None


def test_read_missing_file_is_a_clear_failure(tmp_path):
    out = run_doc(workflow(node("a", "read_file", path="nope.txt")), cwd=tmp_path)
    assert out.error == {"node": "a", "message": "no such file: nope.txt"}


def test_write_file_text_json_and_append(tmp_path):
    doc = workflow(
        node("t", "write_file", path="out/a.txt", content="hello"),
        node("j", "write_file", path="b.json", content={"x": [1]}),
        node("ap", "write_file", path="out/a.txt", content=" world", append=True),
    )
    out = run_doc(doc, cwd=tmp_path)
    assert out.nodes["t"] == {"path": "out/a.txt", "bytes": 5}
    assert (tmp_path / "out/a.txt").read_text() == "hello world"
    assert json.loads((tmp_path / "b.json").read_text()) == {"x": [1]}
    assert list(tmp_path.rglob("*.partial")) == []


def test_list_files_sorted_pattern_recursive(tmp_path):
    for name in ["b.md", "a.md", "c.txt", "sub/d.md"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    doc = workflow(
        node("flat", "list_files", dir=".", pattern="*.md"),
        node("deep", "list_files", dir=".", pattern="*.md", recursive=True),
        node("all", "list_files"),
    )
    out = run_doc(doc, cwd=tmp_path).nodes
    assert out["flat"] == {"files": ["./a.md", "./b.md"], "count": 2}
    assert out["deep"]["files"] == ["./a.md", "./b.md", "./sub/d.md"]
    assert out["all"]["count"] == 3  # files only, not the folder


@pytest.mark.parametrize(
    ("exclude", "expected"),
    [
        ("*.summary.txt", ["./a.txt", "./sub/b.txt"]),  # by name, at any depth
        (["sub/*", "*.summary.txt"], ["./a.txt"]),  # by the path inside dir
        ([], ["./a.summary.txt", "./a.txt", "./sub/b.txt"]),
    ],
)
def test_list_files_exclude_leaves_out_an_earlier_run_s_outputs(tmp_path, exclude, expected):
    for name in ["a.txt", "a.summary.txt", "sub/b.txt"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    doc = workflow(node("l", "list_files", dir=".", pattern="*.txt", recursive=True, exclude=exclude))
    assert run_doc(doc, cwd=tmp_path).nodes["l"]["files"] == expected


def test_list_files_exclude_from_a_template_must_be_globs(tmp_path):
    doc = workflow(node("l", "list_files", exclude="${skip}"))
    doc["inputs"] = {"skip": {"type": "integer", "default": 3}}
    out = run_doc(doc, cwd=tmp_path)
    assert out.error == {"node": "l", "message": "param 'exclude' must be a glob or a list of globs, got 3"}


def test_list_missing_folder(tmp_path):
    out = run_doc(workflow(node("l", "list_files", dir="nope")), cwd=tmp_path)
    assert out.error["message"] == "no such folder: nope"


def test_list_files_on_a_file_says_so(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    out = run_doc(workflow(node("l", "list_files", dir="notes.txt")), cwd=tmp_path)
    assert out.error["message"].startswith("notes.txt is a file, not a folder: list_files lists a folder's files")


@pytest.mark.parametrize(
    ("path", "message"),
    [("", "params.path is empty: there is no file to write"), (".", "cannot write .: it is a folder")],
)
def test_write_file_to_an_empty_path_or_a_folder_says_which(tmp_path, path, message):
    out = run_doc(workflow(node("w", "write_file", path=path, content="x")), cwd=tmp_path)
    assert out.error["message"].startswith(message)


def test_http_get_json_text_and_post():
    with http_server() as base:
        doc = workflow(
            node("j", "http", url=f"{base}/json?x=1"),
            node("t", "http", url=f"{base}/page/7"),
            node("p", "http", url=f"{base}/post", method="POST", json={"a": 1}, headers={"X-Test": "yes"}),
            node("q", "http", url=f"{base}/json", params={"q": "a b"}),
        )
        out = run_doc(doc).nodes
    assert out["j"]["status"] == 200 and out["j"]["json"] == {"path": "/json?x=1", "ok": True}
    assert out["t"]["body"] == "<h1>page 7</h1>" and out["t"]["json"] is None
    assert json.loads(out["p"]["json"]["received"]) == {"a": 1} and out["p"]["json"]["header"] == "yes"
    assert out["q"]["json"]["path"] == "/json?q=a+b"
    assert out["t"]["headers"]["content-type"] == "text/html"
    assert out["t"]["size"] == len("<h1>page 7</h1>")


def test_http_size_counts_bytes_not_characters():
    with http_server() as base:
        out = run_doc(workflow(node("t", "http", url=f"{base}/page/%C3%A9"))).nodes["t"]
    assert out["body"] == "<h1>page \u00e9</h1>" and out["size"] == len(out["body"]) + 1


def test_http_error_status_fails_with_status_and_body():
    with http_server() as base:
        out = run_doc(workflow(node("h", "http", url=f"{base}/status/404")))
    assert out.status == "failed"
    assert "HTTP 404" in out.error["message"] and "status 404 body" in out.error["message"]


def test_http_connection_refused_is_a_clear_failure(monkeypatch):
    monkeypatch.setenv("PLANFLOW_RETRY_DEADLINE", "0")  # transient: no retries, to see the final message
    out = run_doc(workflow(node("h", "http", url="http://127.0.0.1:9/x", timeout=2)))
    assert out.status == "failed" and "GET http://127.0.0.1:9/x: ClientConnectorError" in out.error["message"]
    assert "gave up after 1 attempt" in out.error["message"]


def test_llm_uses_the_async_model_with_system_and_schema():
    model = FakeAsyncModel()
    with registered_models(model):
        doc = workflow(
            node("a", "llm", prompt="hello there", system="be brief", model="fake-async"),
            node("b", "llm", prompt="structured", model="fake-async", schema={"type": "object"}),
        )
        out = run_doc(doc).nodes
    assert out["a"] == {"response": "echo: hello there", "json": None, "usage": {"input": 2, "output": 2}}
    assert out["b"]["json"] == {"echo": "structured"}
    assert model.calls[0]["system"] == "be brief" and model.calls[0]["stream"] is False


def test_llm_model_choice_param_then_run_default_then_env(monkeypatch):
    first, second = FakeAsyncModel(), FakeSyncModel()
    second.model_id = "fake-sync"
    with registered_models(first, second):
        doc = workflow(node("a", "llm", prompt="p"))
        assert run_doc(doc, model="fake-async").nodes["a"]["response"] == "echo: p"
        monkeypatch.setenv("PLANFLOW_MODEL", "fake-sync")
        assert run_doc(doc).nodes["a"]["response"] == "sync: p"
        pinned = workflow(node("a", "llm", prompt="p", model="fake-async"))
        assert run_doc(pinned, model="fake-sync").nodes["a"]["response"] == "echo: p"


def test_llm_sync_model_runs_in_a_pool_sized_to_the_batch():
    model = FakeSyncModel(gather=12)
    with registered_models(model):
        doc = workflow(
            {
                "id": "a",
                "type": "llm",
                "params": {"prompt": "${item}", "model": "fake-sync"},
                "batch": {"items": list(range(12)), "parallel": True, "max_concurrent": 12},
            }
        )
        out = run_doc(doc)
    assert out.nodes["a"]["success_count"] == 12
    assert model.peak == 12  # not capped at the default executor's min(32, cores + 4) = 6 here


def test_unknown_model_fails_before_anything_runs(tmp_path):
    from planflow.runtime.errors import ModelUnavailable

    doc = workflow(
        node("w", "write_file", path="x.txt", content="x"), node("a", "llm", prompt="p", model="no-such-model")
    )
    with pytest.raises(ModelUnavailable, match="unknown model 'no-such-model'"):
        run_doc(doc, cwd=tmp_path)
    assert not (tmp_path / "x.txt").exists()


def test_missing_key_fails_before_anything_runs(monkeypatch):
    from planflow.runtime.errors import ModelUnavailable

    monkeypatch.delenv("FAKEPROVIDER_KEY", raising=False)
    with registered_models(KeyedModel()), pytest.raises(ModelUnavailable, match="llm keys set fakeprovider"):
        run_doc(workflow(node("a", "llm", prompt="p", model="fake-keyed")))
    monkeypatch.setenv("FAKEPROVIDER_KEY", "sekrit")
    with registered_models(KeyedModel()):
        assert run_doc(workflow(node("a", "llm", prompt="p", model="fake-keyed"))).nodes["a"]["response"] == (
            "keyed: sekrit"
        )


def test_llm_model_error_is_a_node_failure():
    with registered_models(FakeAsyncModel()):
        out = run_doc(workflow(node("a", "llm", prompt="please FAIL", model="fake-async")))
    assert out.status == "failed" and "told to fail" in out.error["message"]


def test_url_policy_refuses_before_any_request():
    from planflow.runtime.context import loopback_only

    assert loopback_only("http://127.0.0.1:8000/x") is None and loopback_only("http://localhost/") is None
    with http_server() as base:
        doc = workflow(node("ok", "http", url=f"{base}/json"), node("far", "http", url="https://example.org/"))
        out = run_doc(doc, url_policy=loopback_only)
    assert out.nodes["ok"]["status"] == 200
    assert out.error == {
        "node": "far",
        "message": "GET https://example.org/ refused: only loopback addresses may be reached here, not 'example.org'",
    }
