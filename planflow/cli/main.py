"""Top-level click group. Commands import what they need when they run, so start-up stays fast."""

from __future__ import annotations

import click

from planflow import __version__
from planflow.cli.run_cmd import run_command
from planflow.cli.validate_cmd import schema_command, validate_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="planflow")
def cli() -> None:
    """Turn plain-language requests into workflows you can review, save and run."""


cli.add_command(run_command)
cli.add_command(validate_command)
cli.add_command(schema_command)


def main() -> None:
    cli()
