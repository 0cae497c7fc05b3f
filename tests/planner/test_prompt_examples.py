"""The worked examples in the system prompt: a model copies them, so each must be a valid plan,
and the ones that run offline must do what their request says."""

from __future__ import annotations

import json
import re

import pytest

from planflow.ir import validate_document
from planflow.planner.prompting import load
from tests.runtime.helpers import run_doc


def prompt_examples() -> dict[str, dict]:
    text = load("system").split("# Examples", 1)[1]
    found = re.findall(r"^Request: ([^\n]+)\n(\{.*?)(?=\n\nRequest: |\Z)", text, flags=re.S | re.M)
    return {request: json.loads(body) for request, body in found}


def test_the_prompt_has_its_examples():
    examples = prompt_examples()
    assert len(examples) == 3
    types = {n["type"] for doc in examples.values() for n in doc["nodes"]}
    assert {"join", "list_files", "llm", "shell", "http"} <= types  # join is shown, not only described


@pytest.mark.parametrize("request_text", sorted(prompt_examples()))
def test_each_prompt_example_is_a_valid_plan(specs, request_text):
    report = validate_document(prompt_examples()[request_text], specs)
    assert report.valid, report.to_dict()


def test_the_join_example_writes_one_line_per_file_in_order(tmp_path):
    (doc,) = [d for r, d in prompt_examples().items() if "first line of each .csv" in r]
    (tmp_path / "data").mkdir()
    (tmp_path / "data/b.csv").write_text("id,price\n1,2\n")
    (tmp_path / "data/a.csv").write_text("name;$(touch pwned)\n")  # a hostile first line stays data
    (tmp_path / "data/skip.txt").write_text("not a csv\n")
    out = run_doc(doc, cwd=tmp_path)
    assert out.status == "ok"
    assert (tmp_path / "heads.txt").read_text() == "data/a.csv: name;$(touch pwned)\ndata/b.csv: id,price"
    assert not (tmp_path / "pwned").exists()
