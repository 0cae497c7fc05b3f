"""Paths taken from step outputs stay inside the working folder or a folder the review showed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planflow.ir import validate_document
from planflow.runtime.paths import data_derived_paths, is_inside
from planflow.runtime.registry import default_registry
from tests.fakes import QueueModel, registered_models
from tests.runtime.helpers import run_doc, workflow


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the working folder (tmp_path/work) that a hostile path aims at."""
    (tmp_path / "work").mkdir()
    (tmp_path / "outside").mkdir()
    target = tmp_path / "outside" / "secret.txt"
    target.write_text("top secret")
    return target


def read_from_shell(text: str) -> dict:
    """A shell step prints a path, a read_file step reads it: the path is data."""
    return workflow(
        {"id": "say", "type": "shell", "params": {"command": "printf '%s\\n' \"$P\"", "env": {"P": text}}},
        {"id": "read", "type": "read_file", "params": {"path": "${say.lines[0]}"}},
    )


@pytest.mark.parametrize("hostile", ["../outside/secret.txt", "ABSOLUTE"])
def test_a_path_from_shell_output_that_escapes_is_refused_naming_it(secret, hostile):
    work = secret.parent.parent / "work"
    path = str(secret) if hostile == "ABSOLUTE" else hostile
    out = run_doc(read_from_shell(path), cwd=work)
    assert out.status == "failed"
    assert out.error["node"] == "read"
    assert repr(path) in out.error["message"] and "--allow-outside" in out.error["message"]
    assert "top secret" not in str(out.nodes)


def test_etc_passwd_from_shell_output_is_refused(tmp_path):
    for hostile in ("../../etc/passwd", "/etc/passwd", "~/.bashrc"):
        out = run_doc(read_from_shell(hostile), cwd=tmp_path)
        assert out.status == "failed", hostile
        assert f"path {hostile!r} comes from another step's output" in out.error["message"]


def test_the_same_path_is_allowed_with_allow_outside(secret):
    work = secret.parent.parent / "work"
    out = run_doc(read_from_shell("../outside/secret.txt"), cwd=work, allow_outside=True)
    assert out.status == "ok", out.error
    assert out.nodes["read"]["content"] == "top secret"


def test_a_symlink_inside_the_folder_pointing_outside_is_refused(secret):
    work = secret.parent.parent / "work"
    (work / "innocent.txt").symlink_to(secret)
    out = run_doc(read_from_shell("innocent.txt"), cwd=work)
    assert out.status == "failed"
    assert "innocent.txt" in out.error["message"] and str(secret) in out.error["message"]
    assert run_doc(read_from_shell("innocent.txt"), cwd=work, allow_outside=True).status == "ok"


def test_an_llm_answer_cannot_pick_where_a_file_is_written(tmp_path):
    (tmp_path / "work").mkdir()
    doc = workflow(
        {"id": "name", "type": "llm", "params": {"prompt": "a file name", "model": "queue"}},
        {"id": "save", "type": "write_file", "params": {"path": "${name.response}", "content": "pwned"}},
    )
    with registered_models(QueueModel("../evil.sh")):
        out = run_doc(doc, cwd=tmp_path / "work")
    assert out.status == "failed" and "'../evil.sh'" in out.error["message"]
    assert not (tmp_path / "evil.sh").exists()
    with registered_models(QueueModel("fine.txt")):
        assert run_doc(doc, cwd=tmp_path / "work").status == "ok"
    assert (tmp_path / "work" / "fine.txt").read_text() == "pwned"


def test_each_escaping_item_of_a_batch_fails_on_its_own(secret, executor):
    """On Ray too: the rule travels with the item to the worker, which checks its own disk."""
    work = secret.parent.parent / "work"
    (work / "ok.txt").write_text("fine")
    doc = workflow(
        {"id": "say", "type": "shell", "params": {"command": "printf 'ok.txt\\n../outside/secret.txt\\n'"}},
        {
            "id": "read",
            "type": "read_file",
            "params": {"path": "${f}"},
            "batch": {"items": "${say.lines}", "as": "f", "error_handling": "continue"},
        },
    )
    out = run_doc(doc, cwd=work, executor=executor)
    assert out.status == "partial", out.error
    read = out.nodes["read"]
    assert read["results"][0]["content"] == "fine" and read["results"][1] is None
    (error,) = read["errors"]
    assert error["item"] == "../outside/secret.txt" and "--allow-outside" in error["error"]


def test_a_folder_to_list_taken_from_step_output_is_checked(secret):
    work = secret.parent.parent / "work"
    doc = workflow(
        {"id": "say", "type": "shell", "params": {"command": "echo ../outside"}},
        {"id": "ls", "type": "list_files", "params": {"dir": "${say.lines[0]}"}},
    )
    out = run_doc(doc, cwd=work)
    assert out.status == "failed" and "dir '../outside'" in out.error["message"]


def test_a_path_from_an_input_outside_the_folder_is_the_users_choice(secret):
    work = secret.parent.parent / "work"
    doc = workflow(
        {"id": "read", "type": "read_file", "params": {"path": "${file}"}},
        inputs={"file": {"type": "string"}},
    )
    out = run_doc(doc, {"file": str(secret)}, cwd=work)
    assert out.status == "ok", out.error
    assert out.nodes["read"]["content"] == "top secret"


def test_files_listed_in_an_input_folder_outside_cwd_can_be_read(secret):
    work = secret.parent.parent / "work"
    doc = workflow(
        {"id": "find", "type": "list_files", "params": {"dir": "${folder}", "pattern": "*.txt"}},
        {"id": "read", "type": "read_file", "params": {"path": "${f}"}, "batch": {"items": "${find.files}", "as": "f"}},
        inputs={"folder": {"type": "string"}},
    )
    out = run_doc(doc, {"folder": str(secret.parent)}, cwd=work)
    assert out.status == "ok", out.error
    assert out.nodes["read"]["results"][0]["content"] == "top secret"


def test_files_listed_in_a_literal_folder_outside_cwd_can_be_read_but_not_their_symlinks(secret):
    work = secret.parent.parent / "work"
    elsewhere = secret.parent.parent / "elsewhere.txt"
    elsewhere.write_text("not shown")
    (secret.parent / "link.txt").symlink_to(elsewhere)
    doc = workflow(
        {"id": "find", "type": "list_files", "params": {"dir": str(secret.parent), "pattern": "*.txt"}},
        {
            "id": "read",
            "type": "read_file",
            "params": {"path": "${f}"},
            "batch": {"items": "${find.files}", "as": "f", "error_handling": "continue"},
        },
    )
    out = run_doc(doc, cwd=work)
    read = out.nodes["read"]
    assert [r and r["content"] for r in read["results"]] == [None, "top secret"]
    assert read["errors"][0]["item"].endswith("link.txt")


def test_which_params_are_data_derived_is_decided_from_the_templates():
    doc = workflow(
        {"id": "find", "type": "list_files", "params": {"dir": "${folder}"}},
        {"id": "each", "type": "read_file", "params": {"path": "${f}"}, "batch": {"items": "${find.files}", "as": "f"}},
        {"id": "inline", "type": "read_file", "params": {"path": "${g}"}, "batch": {"items": ["a", "b"], "as": "g"}},
        {"id": "given", "type": "read_file", "params": {"path": "${h}"}, "batch": {"items": "${names}", "as": "h"}},
        {"id": "mixed", "type": "write_file", "params": {"path": "out/${each.count}.txt", "content": "${folder}"}},
        {"id": "literal", "type": "write_file", "params": {"path": "out.txt", "content": "${each.results}"}},
        inputs={"folder": {"type": "string", "default": "."}, "names": {"type": "array", "default": []}},
    )
    result = validate_document(doc, default_registry().specs())
    assert result.valid, [str(i) for i in result.issues]
    specs = default_registry().specs()
    ids = {n.id for n in result.workflow.nodes}
    checked = {n.id: data_derived_paths(n, specs[n.type], ids) for n in result.workflow.nodes}
    assert checked == {
        "find": frozenset(),
        "each": {"path"},
        "inline": frozenset(),
        "given": frozenset(),
        "mixed": {"path"},
        "literal": frozenset(),
    }


def test_is_inside_does_not_match_a_sibling_with_the_same_prefix():
    assert is_inside("/a/b", "/a/b") and is_inside("/a/b/c", "/a/b") and is_inside("/x", os.sep)
    assert not is_inside("/a/bc", "/a/b")


def test_many_input_paths_outside_the_folder_stay_cheap(tmp_path):
    """An input listing 20,000 files elsewhere: roots are kept flat and checked by walking up."""
    from planflow.ir.models import Workflow
    from planflow.runtime.paths import PathPolicy, shown_roots

    names = [f"/data/set{i % 50}/f{i}.txt" for i in range(20_000)] + ["/data/set3", "/data/set3 b/x"]
    workflow = Workflow.model_validate(
        {
            "ir_version": "0.1.0",
            "inputs": {"files": {"type": "array"}},
            "nodes": [{"id": "n", "type": "list_files", "params": {"dir": "."}}],
        }
    )
    roots = shown_roots(workflow, {"files": names}, tmp_path, default_registry().specs())
    assert "/data/set3" in roots and "/data/set3 b/x" in roots
    assert not [r for r in roots if r.startswith("/data/set3/")]
    assert len(roots) == 20_000 - 20_000 // 50 + 3  # set3's files fold into /data/set3; cwd too
    policy = PathPolicy(frozenset({"path"}), roots)
    assert policy.allows("/data/set3/deep/er.txt") and policy.allows("/data/set7/f7.txt")
    assert not policy.allows("/data/set7/f8.txt") and not policy.allows("/data")
