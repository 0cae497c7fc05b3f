"""What the CLI says where a new user first trips: missing names, taken names, folders,
Ctrl-C before a run has started."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from planflow.cli import cli, main
from planflow.cli.exit_codes import ExitStatus
from tests.conftest import EXAMPLES

WORD_COUNTS = str(EXAMPLES / "word-counts" / "workflow.json")


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("command", ["run", "show", "validate"])
def test_a_missing_name_says_no_such_file_or_saved_workflow(command):
    result = invoke(command, "nosaved")
    assert result.exit_code == 1
    assert "no such file or saved workflow: nosaved (`planflow list` shows the saved ones)" in result.output


def test_validate_takes_a_saved_name_like_run_and_show():
    assert invoke("save", WORD_COUNTS, "wc").exit_code == 0
    result = invoke("validate", "wc")
    assert result.exit_code == 0 and "wc: valid" in result.output


def test_validate_of_a_folder_exits_1_like_run(tmp_path):
    assert invoke("validate", str(tmp_path)).exit_code == 1
    assert invoke("run", str(tmp_path)).exit_code == 1


def test_save_over_a_taken_name_needs_force():
    assert invoke("save", WORD_COUNTS, "wc").exit_code == 0
    taken = invoke("save", WORD_COUNTS, "wc")
    assert taken.exit_code == 2 and "a saved workflow named 'wc' exists already" in taken.output
    assert "--force" in taken.output
    assert invoke("save", WORD_COUNTS, "wc", "--force").exit_code == 0


def test_plan_and_save_over_a_taken_name_is_refused_before_any_model_is_asked(monkeypatch):
    assert invoke("save", WORD_COUNTS, "wc").exit_code == 0
    monkeypatch.setenv("PLANFLOW_MODEL", "no-such-model")  # asking it would exit 3, not 2
    result = invoke("count the words in every file", "--save", "wc", "--yes")
    assert result.exit_code == 2 and "exists already" in result.output


@pytest.mark.parametrize("raised", [KeyboardInterrupt(), click.exceptions.Abort()])
def test_ctrl_c_before_a_run_starts_exits_130(monkeypatch, capsys, raised):
    def interrupted(**kwargs):
        raise raised

    monkeypatch.setattr(cli, "main", interrupted)
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == ExitStatus.INTERRUPTED
    assert "Aborted!" not in capsys.readouterr().err


def test_usage_errors_keep_exit_2_through_main(monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["planflow", "run"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2 and "Missing argument 'WORKFLOW'" in capsys.readouterr().err


def test_schema_json_is_printed_through_main(monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["planflow", "schema", "--generic"])
    main()
    assert json.loads(capsys.readouterr().out)["$defs"]["Node"]
