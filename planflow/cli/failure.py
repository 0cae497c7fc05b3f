"""How every command reports an error: raise it; `cli/main.py` prints it (one JSON object on
stdout as well when the command was given --json) and exits with the error's own status."""

from __future__ import annotations

import json
import os
import traceback
from typing import Any, NoReturn

import click

from planflow.errors import PlanflowError
from planflow.exit_status import ExitStatus


class CliError(PlanflowError):
    """A command's own refusal: a message, its status, and details for --json (issues…)."""

    def __init__(
        self, message: str, status: ExitStatus, details: dict[str, Any] | None = None, kind: str = "CommandError"
    ) -> None:
        super().__init__(message)
        self.exit_status = status
        self.details = details or {}
        self.kind = kind


def fail(
    message: str, status: ExitStatus, details: dict[str, Any] | None = None, kind: str = "CommandError"
) -> NoReturn:
    raise CliError(message, status, details, kind)


def error_object(message: str, kind: str, status: int, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """What `--json` prints when a command fails before it has a result of its own."""
    return {"status": "error", "error": {"type": kind, "message": message, "exit_status": status, **(details or {})}}


def report_error(exc: BaseException, as_json: bool) -> NoReturn:
    """Print `exc` the one way every command does, then exit with its status."""
    if isinstance(exc, PlanflowError):
        message, status = str(exc), exc.exit_status
        details = exc.details if isinstance(exc, CliError) else {}
        kind = exc.kind if isinstance(exc, CliError) else type(exc).__name__
    elif isinstance(exc, click.ClickException):
        message, status, details, kind = exc.format_message(), ExitStatus(exc.exit_code), {}, "UsageError"
    else:  # a bug: one line, not a traceback, unless asked for
        if os.environ.get("PLANFLOW_DEBUG"):
            traceback.print_exception(exc)
        message = f"internal error: {type(exc).__name__}: {exc} (PLANFLOW_DEBUG=1 shows where; please report it)"
        status, details, kind = ExitStatus.FAILED, {}, "InternalError"
    if as_json:
        click.echo(json.dumps(error_object(message, kind, int(status), details), indent=2, ensure_ascii=False))
    if isinstance(exc, click.ClickException) and not as_json:
        exc.show()
    else:
        click.echo(f"Error: {message}", err=True)
    raise SystemExit(status)
