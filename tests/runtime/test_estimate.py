"""The estimate runs only side-effect-free steps, counts what would reach each prompt, prices it,
and never calls a model (the loopback server behind the models counts zero requests)."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from planflow.ir import validate_document
from planflow.runtime.context import RunContext
from planflow.runtime.errors import InputError
from planflow.runtime.estimate import DEFAULT_OUTPUT_TOKENS, OUTPUT_TOKENS_VARIABLE, Estimate, estimate_workflow
from planflow.runtime.models import ModelCache
from planflow.runtime.prices import count_tokens, price_for
from planflow.runtime.registry import default_registry
from tests.conftest import ROOT, load_example
from tests.counting_server import PRICED_MODEL, PRICED_NAME, UNPRICED_MODEL, UNPRICED_NAME, counting_models
from tests.runtime.helpers import run_doc, workflow

SUMMARY_PROMPT = "Summarize this document in two sentences:\n\n"


@pytest.fixture
def server():
    with counting_models() as counted:
        yield counted


def estimate(doc: dict[str, Any], inputs: dict[str, Any] | None = None, cwd: Path | None = None, model=None, **kw):
    result = validate_document(doc, default_registry().specs())
    assert result.valid, [str(i) for i in result.issues]
    run = RunContext(cwd=cwd or Path.cwd(), models=ModelCache(model))
    return asyncio.run(estimate_workflow(result.workflow, inputs or {}, run, **kw))


def make_folder(folder: Path, count: int) -> list[str]:
    """`count` markdown files of different sizes and scripts; returns their contents in name order."""
    folder.mkdir()
    contents = []
    for i in range(count):
        text = f"# Note {i}\n\n" + "Le café coûte 3 € — naïve 中文 " * (i % 7) + "word " * (i % 50) + "\n"
        (folder / f"note-{i:04d}.md").write_text(text)
        contents.append(text)
    return contents


def test_a_thousand_files_are_counted_exactly_and_priced_and_no_model_is_called(tmp_path, server):
    contents = make_folder(tmp_path / "notes", 1000)
    report = tmp_path / "report.md"
    doc = load_example("summarize-docs")
    result = estimate(doc, {"folder": str(tmp_path / "notes"), "report_path": str(report)}, model=PRICED_MODEL)

    (step,) = result.steps
    expected = sum(count_tokens(PRICED_NAME, SUMMARY_PROMPT + text) for text in contents)
    assert (step.node_id, step.model_id, step.model_name) == ("summarize", PRICED_MODEL, PRICED_NAME)
    assert (step.items, step.calls, step.input_tokens) == (1000, 1000, expected)
    assert step.tokens_exact and not step.lower_bound
    assert step.output_tokens == 1000 * DEFAULT_OUTPUT_TOKENS
    price = price_for(PRICED_NAME)
    assert price is not None and price.input_per_token > 0
    assert step.cost == price.input_per_token * expected + price.output_per_token * 1000 * DEFAULT_OUTPUT_TOKENS
    assert result.cost == step.cost and result.complete and result.priced
    assert result.ran == ("list", "read")
    assert set(result.not_run) == {"summarize", "report"}
    assert server.requests == 0
    assert not report.exists()  # the write_file step did not run


def test_the_counting_server_does_see_a_real_run(tmp_path, server):
    """The control for every "zero requests" above: the same models, run for real, reach it."""
    make_folder(tmp_path / "notes", 2)
    doc = load_example("summarize-docs")
    inputs = {"folder": str(tmp_path / "notes"), "report_path": str(tmp_path / "r.md")}
    result = run_doc(doc, inputs, model=PRICED_MODEL)
    assert result.status == "ok", result.error
    assert server.requests == 2


def mixed_flow() -> dict[str, Any]:
    """Counts from a listing, from a shell step (not run), and prompts that mix both."""
    return workflow(
        {"id": "list", "type": "list_files", "params": {"dir": "${folder}", "pattern": "*.md"}},
        {"id": "read", "type": "read_file", "batch": {"items": "${list.files}", "as": "f"}, "params": {"path": "${f}"}},
        {"id": "touch", "type": "shell", "params": {"command": "touch ${marker} && printf 'a\\nb\\n'"}},
        {
            "id": "each_line",
            "type": "llm",
            "batch": {"items": "${touch.lines}", "as": "line", "parallel": True},
            "params": {"prompt": "Classify ${line} among ${read.count} files", "model": PRICED_MODEL},
        },
        {
            "id": "once",
            "type": "llm",
            "params": {
                "prompt": "Notes: ${touch.stdout}\nFirst: ${read.results[0].content}",
                "system": "You are terse.",
                "model": UNPRICED_MODEL,
            },
        },
        {
            "id": "per_file",
            "type": "llm",
            "batch": {"items": "${read.results}", "as": "doc"},
            "params": {"prompt": "${doc.content}", "system": "Title for ${doc.path}", "model": "${chosen}"},
        },
        {"id": "save", "type": "write_file", "params": {"path": "${out}", "content": "${each_line.results}"}},
        edges=[
            ("list", "read"),
            ("touch", "each_line"),
            ("read", "each_line"),
            ("touch", "once"),
            ("read", "once"),
            ("read", "per_file"),
            ("each_line", "save"),
        ],
        inputs={
            "folder": {"type": "string"},
            "marker": {"type": "string"},
            "out": {"type": "string"},
            "chosen": {"type": "string", "default": PRICED_MODEL},
        },
    )


def test_steps_with_effects_do_not_run_and_what_depends_on_them_is_unknown_or_a_floor(tmp_path, server):
    contents = make_folder(tmp_path / "notes", 5)
    marker, out = tmp_path / "marker", tmp_path / "out.json"
    result = estimate(mixed_flow(), {"folder": str(tmp_path / "notes"), "marker": str(marker), "out": str(out)})
    steps = {s.node_id: s for s in result.steps}

    each_line = steps["each_line"]  # its items are the shell step's lines: unknown
    assert (each_line.items, each_line.calls, each_line.input_tokens, each_line.cost) == (None, None, None, None)
    assert each_line.lower_bound
    assert any("touch" in note and "shell steps do not run" in note for note in each_line.notes)
    floor = count_tokens(PRICED_NAME, "Classify  among 5 files")  # the item unknown, the count known
    assert f"at least {floor:,} input tokens per call" in each_line.notes

    once = steps["once"]  # one call; the shell's text missing, the file's text known
    expected = count_tokens(UNPRICED_NAME, f"Notes: \nFirst: {contents[0]}") + count_tokens(
        UNPRICED_NAME, "You are terse."
    )
    assert (once.items, once.calls, once.input_tokens, once.lower_bound) == (1, 1, expected, True)
    assert once.model_name == UNPRICED_NAME and once.price is None and once.cost is None
    assert not once.tokens_exact  # no tokenizer: ~4 bytes a token
    assert expected == sum(-(-len(t.encode()) // 4) for t in (f"Notes: \nFirst: {contents[0]}", "You are terse."))

    per_file = steps["per_file"]  # the model comes from an input; system and prompt both counted
    paths = sorted(str(p) for p in (tmp_path / "notes").iterdir())
    expected = sum(
        count_tokens(PRICED_NAME, text) + count_tokens(PRICED_NAME, f"Title for {path}")
        for text, path in zip(contents, paths, strict=True)
    )
    assert (per_file.model_id, per_file.items, per_file.calls, per_file.input_tokens) == (PRICED_MODEL, 5, 5, expected)
    assert not per_file.lower_bound and per_file.cost is not None

    assert not result.complete and not result.priced
    assert result.calls == 6 and result.input_tokens == once.input_tokens + per_file.input_tokens
    assert result.ran == ("list", "read")
    assert result.not_run["save"] == "write_file steps do not run in an estimate"
    assert not marker.exists() and not out.exists()  # neither the shell nor the write_file step ran
    assert server.requests == 0


@pytest.mark.parametrize("name", ["summarize-docs", "word-counts", "pipeline", "fetch-urls"])
def test_every_bundled_example_estimates_without_effects(name, tmp_path, monkeypatch, server):
    monkeypatch.chdir(ROOT)  # the examples' default folders are relative to the repository
    doc = load_example(name)
    report = tmp_path / "report"
    inputs: dict[str, Any] = {"report_path": str(report)}
    if name == "fetch-urls":  # URLs at the counting server: the http step must not reach it
        urls = tmp_path / "urls.json"
        urls.write_text(json.dumps([f"{server.base}/a", f"{server.base}/b"]))
        inputs["urls_file"] = str(urls)
    result = estimate(doc, inputs, cwd=ROOT, model=PRICED_MODEL)
    assert server.requests == 0 and not report.exists()
    if name != "summarize-docs":
        assert result.steps == () and result.calls == 0 and result.cost == 0
        return
    docs = sorted((ROOT / "docs").glob("*.md"))
    (step,) = result.steps
    expected = sum(count_tokens(PRICED_NAME, SUMMARY_PROMPT + p.read_text()) for p in docs)
    assert (step.items, step.calls, step.input_tokens) == (len(docs), len(docs), expected)


def test_the_ran_steps_match_what_each_example_can_learn(monkeypatch):
    monkeypatch.chdir(ROOT)
    ran = {name: estimate(load_example(name), cwd=ROOT).ran for name in ("word-counts", "pipeline", "fetch-urls")}
    assert ran == {"word-counts": ("list",), "pipeline": ("sources",), "fetch-urls": ("urls",)}


def test_the_default_model_is_the_runs_model(tmp_path, server):
    make_folder(tmp_path / "notes", 3)
    doc = load_example("summarize-docs")
    result = estimate(doc, {"folder": str(tmp_path / "notes")}, model=UNPRICED_MODEL)
    (step,) = result.steps
    assert step.model_id == UNPRICED_MODEL and step.price is None and step.calls == 3
    assert any("no price for local-thing-7b" in note for note in step.notes)


def test_output_size_is_an_assumption_the_user_can_change(tmp_path, monkeypatch, server):
    make_folder(tmp_path / "notes", 3)
    doc = load_example("summarize-docs")
    monkeypatch.setenv(OUTPUT_TOKENS_VARIABLE, "40")
    assert estimate(doc, {"folder": str(tmp_path / "notes")}, model=PRICED_MODEL).output_tokens == 120
    assert estimate(doc, {"folder": str(tmp_path / "notes")}, model=PRICED_MODEL, output_tokens=7).output_tokens == 21
    monkeypatch.setenv(OUTPUT_TOKENS_VARIABLE, "lots")
    with pytest.raises(InputError, match=OUTPUT_TOKENS_VARIABLE):
        estimate(doc, {"folder": str(tmp_path / "notes")})


def test_a_failing_read_makes_counts_unknown_and_says_why(tmp_path, server):
    doc = load_example("summarize-docs")
    result = estimate(doc, {"folder": str(tmp_path / "missing")}, model=PRICED_MODEL)
    (step,) = result.steps
    assert step.items is None and not result.complete
    assert "list" in result.not_run and "failed in the estimate" in result.not_run["list"]
    assert any("step list failed" in note for note in result.notes)


def test_items_that_would_fail_are_not_counted_as_calls(tmp_path, server):
    (tmp_path / "a.md").write_text("alpha")
    doc = workflow(
        {
            "id": "ask",
            "type": "llm",
            "batch": {"items": [{"t": "x"}, {"u": 1}, {"t": "y"}], "as": "it", "error_handling": "continue"},
            "params": {"prompt": "Say ${it.t}"},
        }
    )
    (step,) = estimate(doc, model=PRICED_MODEL).steps
    assert (step.items, step.calls) == (3, 2)
    assert step.input_tokens == 2 * count_tokens(PRICED_NAME, "Say x")
    assert any("1 of 3 item(s) would fail" in note and "no field 't'" in note for note in step.notes)


def test_bad_inputs_fail_as_a_run_would():
    with pytest.raises(InputError, match="unknown input"):
        estimate(load_example("summarize-docs"), {"nope": 1})


def test_an_unknown_model_is_noted_not_fatal(tmp_path):
    (step,) = estimate(workflow({"id": "ask", "type": "llm", "params": {"prompt": "hi", "model": "no-such"}})).steps
    assert step.price is None and step.calls == 1
    assert any("llm knows no model 'no-such'" in note for note in step.notes)


def test_the_estimate_serialises_to_json(server):
    result: Estimate = estimate(workflow({"id": "ask", "type": "llm", "params": {"prompt": "hi"}}), model=PRICED_MODEL)
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["total"]["calls"] == 1 and payload["steps"][0]["input_tokens"] == count_tokens(PRICED_NAME, "hi")
    assert Decimal(str(payload["total"]["cost_usd"])).quantize(Decimal("1e-12")) == result.cost.quantize(
        Decimal("1e-12")
    )


def test_a_read_that_loses_items_keeps_the_rest_and_says_so(tmp_path, server):
    (tmp_path / "a.md").write_text("alpha")
    (tmp_path / "b.md").write_bytes(b"\xff\xfe not UTF-8")  # listed, but read_file refuses it
    doc = load_example("summarize-docs")
    doc["nodes"][1]["batch"]["error_handling"] = "continue"
    result = estimate(doc, {"folder": str(tmp_path)}, cwd=tmp_path, model=PRICED_MODEL)
    (step,) = result.steps
    assert (step.items, step.calls) == (2, 1)
    assert step.input_tokens == count_tokens(PRICED_NAME, SUMMARY_PROMPT + "alpha")
    assert any("1 of 2 items failed" in note for note in result.notes)
    assert any("1 of 2 item(s) would fail before calling the model" in note for note in step.notes)


# join only computes: an estimate runs it, so a prompt built from a join of files is exact
def test_estimate_runs_join_so_a_prompt_from_it_is_counted(tmp_path):
    (tmp_path / "docs").mkdir()
    for name in ("a", "b"):
        (tmp_path / "docs" / f"{name}.md").write_text(f"text of {name} " * 50)
    doc = workflow(
        {"id": "ls", "type": "list_files", "params": {"dir": "docs", "pattern": "*.md"}},
        {"id": "rd", "type": "read_file", "params": {"path": "${f}"}, "batch": {"items": "${ls.files}", "as": "f"}},
        {
            "id": "all",
            "type": "join",
            "params": {"text": "${r.content}"},
            "batch": {"items": "${rd.results}", "as": "r"},
        },
        {"id": "sum", "type": "llm", "params": {"prompt": "Summarize: ${all.text}"}},
    )
    with counting_models():
        result = estimate(doc, cwd=tmp_path, model=PRICED_MODEL)
    (step,) = result.steps
    assert "all" in result.ran, result.not_run
    assert not step.lower_bound, step.notes
