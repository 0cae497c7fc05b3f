"""The gate's own rules: what counts as a refusal, and a baseline that may only get worse with a reason."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from evals import __main__ as cli
from evals import baseline, report
from evals.case import load_cases
from evals.figures import COSTS, FIGURES, HIGHER_IS_BETTER, INFORMATIONAL, LOWER_IS_BETTER, worse_figures
from evals.gold_replay import ScriptedModel, scripted_model
from evals.runner import run_case
from evals.scoring import aggregate

IMPOSSIBLE = next(c for c in load_cases() if c.expect.cannot_plan)
DOABLE = next(c for c in load_cases() if not c.expect.cannot_plan and c.expect.execution is None)


def result(case_id, *, impossible, valid=False, refused=False, **figures):
    record = {
        "id": case_id,
        "category": "impossible" if impossible else "pipeline",
        "cannot_plan_expected": impossible,
        "valid": valid,
        "first_call_valid": valid,
        "refused": refused,
        "outcome": "planned" if valid else "refused" if refused else "failed",
        "llm_calls": 2,
        "repairs": 1,
        "input_tokens": 100,
        "output_tokens": 10,
        "fixes": [],
        "node_type_f1": None if impossible else 1.0 if valid else 0.0,
        "edge_f1": None if impossible else 1.0 if valid else 0.0,
        "batch_correct": None,
        "expectations_met": None if impossible else 1.0 if valid else 0.0,
        "execution_ok": None,
        "error": None,
    }
    return record | figures


# 1. Refusals


def test_failing_to_plan_an_impossible_case_is_not_a_refusal():
    results = [
        result("a", impossible=True, refused=True),
        result("b", impossible=True),  # no valid plan, no cannot_plan answer
        result("c", impossible=True),
        result("d", impossible=True),
        result("e", impossible=False, refused=True),
        result("f", impossible=False, valid=True),
    ]
    summary = aggregate(results)
    assert summary["refusal_rate_on_impossible"] == 0.25
    assert summary["failure_rate_on_impossible"] == 0.75
    assert summary["refusal_rate_on_doable"] == 0.5


def test_the_runner_counts_only_a_cannot_plan_answer_as_a_refusal():
    """Through the real planner: a model answering junk on an impossible case fails, it does not refuse."""
    with scripted_model(ScriptedModel("I would rather not say.")):
        failed = run_case(IMPOSSIBLE, "gold", max_repairs=1)
    assert (failed["outcome"], failed["refused"], failed["valid"]) == ("failed", False, False)
    with scripted_model(ScriptedModel('{"cannot_plan": "no node can click on a screen"}')):
        refused = run_case(IMPOSSIBLE, "gold", max_repairs=1)
    assert (refused["outcome"], refused["refused"]) == ("refused", True)
    # the planner challenges a first refusal once, from the repair budget
    assert (refused["llm_calls"], refused["repairs"]) == (2, 1)
    assert aggregate([failed])["refusal_rate_on_impossible"] == 0.0
    assert aggregate([refused])["refusal_rate_on_impossible"] == 1.0


def test_a_refused_doable_case_counts_against_the_planner():
    with scripted_model(ScriptedModel('{"cannot_plan": "not with these nodes"}')):
        record = run_case(DOABLE, "gold", max_repairs=1)
    assert record["refused"] and not record["valid"]
    assert aggregate([record])["refusal_rate_on_doable"] == 1.0


# 2. Which way is worse, and the baseline rule


def test_every_figure_has_one_direction_or_is_informational():
    summary = aggregate([result("a", impossible=True), result("b", impossible=False)])
    directed = HIGHER_IS_BETTER + LOWER_IS_BETTER
    assert len(set(directed)) == len(directed)
    assert set(summary) == set(directed) | set(INFORMATIONAL)
    assert set(FIGURES) == set(summary) - {"cases"}
    assert set(COSTS) <= set(LOWER_IS_BETTER)


def test_worse_means_a_lower_quality_or_a_higher_cost():
    before = {"valid_plan_rate": 0.5, "input_tokens_per_plan": 100.0, "refusal_rate_on_doable": 0.2, "cases": 40}
    better = {"valid_plan_rate": 0.6, "input_tokens_per_plan": 90.0, "refusal_rate_on_doable": 0.1, "cases": 30}
    worse = {"valid_plan_rate": 0.4, "input_tokens_per_plan": 120.0, "refusal_rate_on_doable": 0.3, "cases": 40}
    assert worse_figures(before, better) == []
    assert worse_figures(before, worse) == [
        "valid_plan_rate: 0.500 -> 0.400",
        "refusal_rate_on_doable: 0.200 -> 0.300",
        "input_tokens_per_plan: 100.000 -> 120.000",
    ]
    assert worse_figures(before, {**worse, "valid_plan_rate": None}) == worse_figures(before, worse)[1:]


@pytest.fixture
def gate(tmp_path, monkeypatch):
    """`python -m evals run` on fake results, with its baselines and reports in a temp folder."""
    monkeypatch.setattr(baseline, "BASELINES", tmp_path / "baselines")
    monkeypatch.setattr(report, "REPORTS", tmp_path / "reports")
    outcome = {"results": []}
    monkeypatch.setattr(cli, "run_cases", lambda *args: outcome["results"])

    def run(results, *args):
        outcome["results"] = results
        return CliRunner().invoke(cli.main, ["run", "-m", "fake", "--max-repairs", "1", *args])

    return run


GOOD = [result("a", impossible=True, refused=True), result("b", impossible=False, valid=True)]
WORSE = [result("a", impossible=True), result("b", impossible=False, valid=True, input_tokens=150)]


def test_a_baseline_may_not_get_worse_without_a_reason(gate):
    assert gate(GOOD, "--update-baseline").exit_code == 0
    before = baseline.load_baseline("fake")
    refused = gate(WORSE, "--update-baseline")
    assert refused.exit_code == 1
    assert "refusal_rate_on_impossible: 1.000 -> 0.000" in refused.output
    assert "input_tokens_per_plan: 100.000 -> 125.000" in refused.output
    assert "--accept" in refused.output
    assert baseline.load_baseline("fake") == before, "a refused update leaves the baseline as it was"
    md = sorted((baseline.BASELINES.parent / "reports" / "fake").glob("*.md"))[-1]
    assert "Not updated" in md.read_text() and "refusal_rate_on_impossible: 1.000 -> 0.000" in md.read_text()


def test_accepted_worse_figures_are_stored_with_their_reason_and_shown(gate):
    assert gate(GOOD, "--update-baseline").exit_code == 0
    accepted = gate(WORSE, "--update-baseline", "--accept", "the refusals were failures all along")
    assert accepted.exit_code == 0, accepted.output
    stored = baseline.load_baseline("fake")
    assert stored["summary"]["refusal_rate_on_impossible"] == 0.0
    assert stored["accepted"] == [
        {
            "date": stored["accepted"][0]["date"],
            "reason": "the refusals were failures all along",
            "worse": ["refusal_rate_on_impossible: 1.000 -> 0.000", "input_tokens_per_plan: 100.000 -> 125.000"],
        }
    ]
    md = sorted((baseline.BASELINES.parent / "reports" / "fake").glob("*.md"))[-1]
    text = md.read_text()
    assert "Accepted: the refusals were failures all along" in text
    assert "- accepted worse refusal_rate_on_impossible: 1.000 -> 0.000" in text
    # later reports keep showing what the baseline has accepted, and why
    later = report.markdown(json.loads(md.with_suffix(".json").read_text()) | {"baseline": None}, [], None)
    assert "the refusals were failures all along (refusal_rate_on_impossible: 1.000 -> 0.000;" in later


def test_accept_needs_update_baseline_and_a_reason_and_a_baseline_the_whole_suite(gate):
    assert gate(GOOD, "--accept", "why").exit_code == 2
    assert gate(GOOD, "--update-baseline", "--accept", " ").exit_code == 2
    subset = gate(GOOD, "--update-baseline", "--cases", "copy-*")
    assert subset.exit_code == 2 and "every case" in subset.output
    assert not baseline.baseline_path("fake").exists()
