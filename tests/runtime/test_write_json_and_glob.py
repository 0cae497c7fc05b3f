"""write_file's JSON content holding a listed name's undecodable byte reads back; a glob's literal
`..` beside a template is refused in the plan."""

from __future__ import annotations

import os

from planflow.ir import validate_document
from planflow.runtime.registry import default_registry
from tests.runtime.helpers import run_doc, workflow


def test_write_file_of_a_listing_is_json_that_reads_back(tmp_path):
    # a list is written as JSON with the byte as its \\udcff escape: UTF-8, and it reads back to the same names
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / os.fsdecode(b"a\xff.txt")).write_text("x")
    doc = workflow(
        {"id": "ls", "type": "list_files", "params": {"dir": "d"}},
        {"id": "w", "type": "write_file", "params": {"path": "files.json", "content": "${ls.files}"}},
        {"id": "r", "type": "read_file", "params": {"path": "files.json"}},
        outputs={"back": "${r.json}", "listed": "${ls.files}"},
    )
    result = run_doc(doc, cwd=tmp_path)
    assert result.error is None, result.error
    assert result.outputs["back"] == result.outputs["listed"] == ["d/" + os.fsdecode(b"a\xff.txt")]


def test_a_literal_dotdot_beside_a_template_is_refused_in_the_plan():
    # "../${ext}" reaches outside dir whatever ext is: the literal text around a template is checked
    doc = workflow(
        {"id": "ls", "type": "list_files", "params": {"dir": "docs", "pattern": "../*.${ext}"}},
        inputs={"ext": {"type": "string", "default": "md"}},
        outputs={"f": "${ls.files}"},
    )
    result = validate_document(doc, default_registry().specs())
    assert not result.valid
    assert any(i.path == "params.pattern" for i in result.issues)
