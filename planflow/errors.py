"""The root of planflow's errors a person must act on. Each class says its exit status; the CLI
maps them in one place (`cli/main.py`), so no command decides codes of its own or prints a
traceback. Imported by every layer but `ir`, so it imports nothing of ours but the statuses."""

from __future__ import annotations

from planflow.exit_status import ExitStatus


class PlanflowError(Exception):
    exit_status: ExitStatus = ExitStatus.FAILED
