"""The eval suite in CI: cases are well formed, every case replays, and scores hold the baseline."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from evals.baseline import baseline_path, load_baseline
from evals.case import CASES_DIR, SCHEMA_PATH, case_schema_text, load_cases
from evals.figures import worse_figures
from evals.runner import cassette_path, run_cases
from evals.scoring import aggregate
from planflow.runtime.registry import default_registry

MODEL = "local-qwen"
CASES = load_cases()


def test_there_are_at_least_forty_cases_across_every_category():
    assert len(CASES) >= 40
    assert {c.category for c in CASES} == {
        "bulk_files",
        "llm_over_files",
        "http_fanout",
        "aggregate",
        "pipeline",
        "inputs",
        "impossible",
    }


def test_case_schema_is_current_and_every_case_file_follows_it():
    assert SCHEMA_PATH.read_text() == case_schema_text(), "regenerate evals/case.schema.json"
    schema = json.loads(SCHEMA_PATH.read_text())
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        assert data["$schema"] == "../case.schema.json", path.name
        jsonschema.validate(data, schema)


def test_gold_graphs_use_real_types_and_their_own_ids():
    types = set(default_registry().specs())
    for case in CASES:
        expect = case.expect
        named = set(expect.required_types) | set(expect.forbidden_types)
        named |= {expect.batch.node_type} if expect.batch else set()
        assert named <= types, case.id
        if case.gold:
            ids = {n.id for n in case.gold.nodes}
            assert {n.type for n in case.gold.nodes} <= types, case.id
            assert all(a in ids and b in ids for a, b in case.gold.edges), case.id


def test_the_suite_plans_with_the_built_in_catalog_only():
    """The catalog is part of every recorded prompt: an installed plugin must not change it."""
    import os

    assert os.environ["PLANFLOW_PLUGINS"] == "0"


def test_every_case_has_a_cassette():
    missing = [c.id for c in CASES if not cassette_path(MODEL, c.id).exists()]
    assert not missing, f"record them: python -m evals run -m {MODEL} --record --cases NAME ({missing})"


@pytest.fixture(scope="module")
def replayed():
    """Every case replayed; a request that differs from its recording (a prompt or planner
    change) fails here, loudly, with the command that re-records the case."""
    from evals.local_model import local_model

    with local_model():
        results = run_cases(CASES, MODEL, mode="replay", max_repairs=load_baseline(MODEL)["max_repairs"])
    stale = [r["replay_mismatch"] for r in results if "replay_mismatch" in r]
    assert not stale, "stale recordings:\n" + "\n".join(stale)
    return aggregate(results), results


def test_replay_holds_the_committed_baseline(replayed):
    summary, _ = replayed
    baseline = load_baseline(MODEL)
    worse = worse_figures(baseline["summary"], summary)
    assert not worse, (
        f"worse than the baseline in {baseline_path(MODEL)}: {worse}; if that is right, re-take it with "
        f"python -m evals run -m {MODEL} --replay --max-repairs {baseline['max_repairs']} --update-baseline "
        '--accept "why"'
    )


def test_replay_scores_every_case(replayed):
    _, results = replayed
    assert [r["id"] for r in results] == [c.id for c in CASES]
    for result in results:
        assert result["llm_calls"] >= 1, result["id"]
