"""Replay fails loudly whichever way a recording and the planner disagree."""

from __future__ import annotations

import pytest
import yaml

from evals import runner
from evals.case import load_cases
from evals.local_model import local_model

RECORDED = runner.CASSETTES / "local-qwen"  # the committed recordings, before a test redirects CASSETTES


@pytest.fixture
def cassettes(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "CASSETTES", tmp_path)
    (tmp_path / "local-qwen").mkdir()
    return tmp_path / "local-qwen"


def _two_call_case():
    """A recorded case whose planner made two requests (a first answer and a repair)."""
    for case in load_cases():
        recorded = yaml.safe_load((RECORDED / f"{case.id}.yaml").read_text())
        if len(recorded["interactions"]) == 2 and not case.expect.cannot_plan:
            return case, recorded
    raise AssertionError("no two-call recording to test with")


def test_a_request_missing_from_the_recording_is_a_stale_recording(cassettes):
    case, recorded = _two_call_case()
    recorded["interactions"] = recorded["interactions"][:1]  # the planner will ask once more
    (cassettes / f"{case.id}.yaml").write_text(yaml.safe_dump(recorded))
    with local_model(), pytest.raises(runner.ReplayMismatch, match="request the recording does not hold"):
        runner.run_case(case, "local-qwen", mode="replay", max_repairs=1)


def test_a_recorded_request_the_planner_never_makes_is_a_stale_recording(cassettes):
    case, recorded = _two_call_case()
    recorded["interactions"].append(recorded["interactions"][-1])  # one answer more than asked for
    (cassettes / f"{case.id}.yaml").write_text(yaml.safe_dump(recorded))
    with local_model(), pytest.raises(runner.ReplayMismatch, match="differ from the recording"):
        runner.run_case(case, "local-qwen", mode="replay", max_repairs=1)
