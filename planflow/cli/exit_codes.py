"""The exit statuses, for the CLI's modules (defined in `planflow/exit_status.py`)."""

from planflow.exit_status import ExitStatus

__all__ = ["ExitStatus"]
