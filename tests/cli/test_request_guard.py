"""A mistyped command is not an LLM request: no model is asked, the user gets "did you mean"."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from planflow.cli import cli
from tests.conftest import EXAMPLES
from tests.fakes import QueueModel, registered_models


class Spy(QueueModel):
    model_id = "spy"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([str(EXAMPLES / "pipeline" / "workflow.json")], "is a file, not a request: did you mean `planflow run "),
        (["runn x.json"], "'runn' is not a command: did you mean `planflow run x.json`?"),
        (["runn", "x.json"], "no such command 'runn'; did you mean `planflow run`?"),
        (["valdate"], "'valdate' is not a command: did you mean `planflow validate`?"),
        (["hello"], "'hello' is one word, not a request"),
        (["   "], "the request is empty"),
        (["plan", "x.json"], "'x.json' is a file, not a request"),
    ],
)
def test_refused_without_asking_any_model(monkeypatch, args, message):
    monkeypatch.setenv("PLANFLOW_MODEL", "spy")
    model = Spy()
    with registered_models(model):
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert model.asked == []


def test_a_sentence_goes_to_the_planner(monkeypatch):
    monkeypatch.setenv("PLANFLOW_MODEL", "spy")
    model = Spy("not json at all")
    with registered_models(model):
        CliRunner().invoke(cli, ["count the words in every txt file", "--no-context"])
    assert len(model.asked) >= 1
