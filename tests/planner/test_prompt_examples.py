"""The worked examples in the system prompt: a model copies them, so each must be a valid plan."""

from __future__ import annotations

import json
import re

import pytest

from planflow.ir import validate_document
from planflow.planner.prompting import load


def prompt_examples() -> dict[str, dict]:
    text = load("system").split("# Examples", 1)[1]
    found = re.findall(r"^Request: ([^\n]+)\n(\{.*?)(?=\n\nRequest: |\Z)", text, flags=re.S | re.M)
    return {request: json.loads(body) for request, body in found}


def test_the_prompt_has_its_examples():
    examples = prompt_examples()
    assert len(examples) == 3
    types = {n["type"] for doc in examples.values() for n in doc["nodes"]}
    assert {"list_files", "llm", "shell", "http"} <= types


@pytest.mark.parametrize("request_text", sorted(prompt_examples()))
def test_each_prompt_example_is_a_valid_plan(specs, request_text):
    report = validate_document(prompt_examples()[request_text], specs)
    assert report.valid, report.to_dict()
