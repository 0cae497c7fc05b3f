"""Top-level click group. Commands import what they need when they run, so start-up stays fast."""

from __future__ import annotations

import codecs
import sys
from typing import Any

import click
from click_default_group import DefaultGroup

from planflow import __version__
from planflow.cli.exit_codes import ExitStatus
from planflow.cli.failure import report_error
from planflow.cli.node_types_cmd import node_types_command
from planflow.cli.plan_cmd import do_command, plan_command
from planflow.cli.request_guard import near_command, subcommands
from planflow.cli.resume_cmd import resume_command
from planflow.cli.run_cmd import run_command
from planflow.cli.runs_cmd import runs_command
from planflow.cli.show_cmd import list_command, save_command, show_command
from planflow.cli.validate_cmd import schema_command, validate_command


class _Commands(DefaultGroup):
    """Anything that is not a subcommand goes to `do` (plan a request), except a near-miss of a
    subcommand followed by more words (`planflow runn x.json`), which gets "did you mean".
    Every error of every command ends here: printed one way, with its own exit status."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["planflow_json"] = "--json" in args  # known before any subcommand parses
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as exc:
            report_error(exc, ctx.meta["planflow_json"])

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if len(args) > 1 and args[0] not in self.commands:
            near = near_command(args[0], subcommands(self))
            if near is not None:
                raise click.UsageError(f"no such command {args[0]!r}; did you mean `planflow {near}`?", ctx)
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (SystemExit, KeyboardInterrupt, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except click.ClickException as exc:
            if not ctx.meta.get("planflow_json"):
                raise
            report_error(exc, True)
        except Exception as exc:
            report_error(exc, bool(ctx.meta.get("planflow_json")))


@click.group(cls=_Commands, default="do", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="planflow")
def cli() -> None:
    """Turn plain-language requests into workflows you can review, save and run.

    \b
      planflow "count the words in every .txt file here"   plan, review, confirm, run
      planflow plan "…" -o flow.json                        plan only
      planflow run flow.json name=value                     run a workflow file or saved name
    """


for command in (
    do_command,
    plan_command,
    run_command,
    runs_command,
    resume_command,
    node_types_command,
    show_command,
    save_command,
    list_command,
    validate_command,
    schema_command,
):
    cli.add_command(command)


def _print_any_text() -> None:
    """What the terminal's encoding cannot hold (a file name's undecodable byte, an emoji on a
    latin-1 terminal) is printed as a JSON escape, `\\udcff`, instead of crashing the output; inside
    a `--json` string that escape is the same character."""
    codecs.register_error("planflow.json-escape", _json_escape)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="planflow.json-escape")


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    import json  # only when something cannot be printed: start-up stays lean

    # JSON's own escapes: \\u00e9, a UTF-16 pair past the BMP, \\udcff for a name's byte
    return json.dumps(error.object[error.start : error.end])[1:-1], error.end


def main() -> None:
    """click's standalone mode turns Ctrl-C into "Aborted!" and exit 1; a stop is 130 here."""
    _print_any_text()
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        raise SystemExit(ExitStatus.INTERRUPTED) from None
