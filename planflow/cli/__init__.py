"""The `planflow` command: the only layer that prints or picks exit codes."""

from planflow.cli.main import cli, main

__all__ = ["cli", "main"]
