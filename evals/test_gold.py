"""Every case's gold answer, in place of the model, through the real planner, the runner's
execution on the fixture and the scorer: each must score perfectly (evals/gold_replay.py)."""

from __future__ import annotations

import json

import pytest

from evals.case import load_cases
from evals.gold_replay import GOLD_PLANS, gold_plan_path, imperfections, load_gold_plan, replay_gold, run_gold_plan
from evals.scoring import aggregate
from planflow.ir import validate_document
from planflow.runtime.registry import default_registry

CASES = load_cases()
DOABLE = [c for c in CASES if not c.expect.cannot_plan]

# Cases whose right plan leaves failed items: the run is "partial", and that is the answer.
PARTIAL_BY_DESIGN = {"broken-links": "the links that fail are what the request asks for"}


def test_every_case_has_one_gold_answer_and_every_answer_a_case():
    assert sorted(p.stem for p in GOLD_PLANS.glob("*.json")) == sorted(c.id for c in CASES)
    for case in CASES:
        answer = load_gold_plan(case.id)
        if case.expect.cannot_plan:
            assert set(answer) == {"cannot_plan"} and answer["cannot_plan"].strip(), case.id
        else:
            assert "cannot_plan" not in answer, case.id
            assert validate_document(answer, default_registry().specs()).valid, (
                f"planflow validate {gold_plan_path(case.id)}"
            )


@pytest.fixture(scope="module")
def replayed():
    return {case.id: replay_gold(case) for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_the_gold_answer_scores_perfectly(case, replayed):
    record = replayed[case.id]
    assert not imperfections(case, record), f"{case.id}: {imperfections(case, record)} ({record['error']})"
    planner_calls = [text for who, text in record["asked"] if who == "planner"]
    # a plan is accepted at once; a refusal is challenged once and holds
    assert len(planner_calls) == (2 if case.expect.cannot_plan else 1), case.id
    if not case.expect.cannot_plan:
        assert record["workflow"] == json.loads(gold_plan_path(case.id).read_text()), "the planner kept it as given"


def test_the_gold_answers_score_perfectly_as_a_suite(replayed):
    summary = aggregate(list(replayed.values()))
    assert summary["refusal_rate_on_impossible"] == 1.0 and summary["refusal_rate_on_doable"] == 0.0
    assert summary["failure_rate_on_impossible"] == 0.0
    for key in ["valid_plan_rate", "first_call_valid_rate", "node_type_f1", "edge_f1", "batch_correct_rate"]:
        assert summary[key] == 1.0, key
    assert summary["expectations_met_rate"] == summary["execution_success_rate"] == 1.0


@pytest.mark.parametrize("case", [c for c in DOABLE if c.expect.execution is None], ids=lambda c: c.id)
def test_a_gold_plan_with_no_execution_check_still_runs_on_its_fixture(case):
    status, error = run_gold_plan(case)
    assert status == ("partial" if case.id in PARTIAL_BY_DESIGN else "ok"), error


def score_answer(case, answer):
    """The runner's record for `case` with `answer` (a plan) as the model's reply."""
    from evals.gold_replay import ScriptedModel, scripted_model
    from evals.runner import run_case

    with scripted_model(ScriptedModel(json.dumps(answer))):
        return run_case(case, "gold")


def test_the_replay_has_teeth_a_wrong_answer_is_not_perfect():
    """The same path with a subtly wrong plan (md5 for sha256) falls short, naming the figure."""
    case = next(c for c in CASES if c.id == "checksums-release")
    wrong = load_gold_plan(case.id)
    wrong["nodes"][1]["params"]["command"] = "md5sum ${file}"
    assert imperfections(case, score_answer(case, wrong)) == ["execution_ok: 0.0, wanted 1.0"]


# A near miss for each counting case: the plan counts the wrong thing, and the digits it writes
# must not meet the check by chance (the checks once accepted any "3" anywhere in the file).
NEAR_MISSES = {
    "error-lines-per-log": ("grep -c ERROR ${file} || true", "wc -l < ${file}"),
    "line-count-logs": ("wc -l < ${file}", "wc -c < ${file}; echo 3 2"),
    "wc-words-each-txt": ("wc -w < ${file}", "wc -l < ${file}"),
    "file-sizes-csv": ("wc -c < ${file}", "wc -l < ${file}"),
    "essay-word-count": ("wc -w < ${essay}", "wc -l < ${essay}"),
}


@pytest.mark.parametrize("case_id", sorted(NEAR_MISSES))
def test_a_counting_check_fails_a_plan_that_counts_the_wrong_thing(case_id):
    case = next(c for c in CASES if c.id == case_id)
    right, wrong_command = NEAR_MISSES[case_id]
    wrong = load_gold_plan(case.id)
    (shell,) = [n for n in wrong["nodes"] if n["params"].get("command") == right]
    shell["params"]["command"] = wrong_command
    assert imperfections(case, score_answer(case, wrong)) == ["execution_ok: 0.0, wanted 1.0"]


def test_the_page_sizes_check_needs_the_sizes():
    case = next(c for c in CASES if c.id == "page-sizes")
    wrong = load_gold_plan(case.id)
    wrong["nodes"][1]["params"]["content"] = "${fetch.count}"  # 3 pages fetched, no sizes
    assert imperfections(case, score_answer(case, wrong)) == ["execution_ok: 0.0, wanted 1.0"]


@pytest.mark.parametrize("case", [c for c in DOABLE if c.gold is not None], ids=lambda c: c.id)
def test_a_gold_plan_has_its_gold_graphs_shape_exactly(case):
    """F1s of 1 leave room for a batch flag that differs (a batch and a plain node of one type
    still match): every node pairs with a gold node of the same type, batching and parallelism."""
    from evals.scoring import NodeShape, match_nodes, shapes, similarity
    from planflow.ir import Workflow

    predicted = shapes(Workflow.model_validate(load_gold_plan(case.id)))
    gold = [NodeShape(n.id, n.type, n.batch, n.parallel) for n in case.gold.nodes]
    matching = match_nodes(predicted, gold)
    assert len(matching) == len(predicted) == len(gold), case.id
    by_id = {g.id: g for g in gold}
    assert all(similarity(p, by_id[matching[p.id]]) == pytest.approx(1.0) for p in predicted), case.id
