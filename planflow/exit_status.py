"""Exit codes, one per kind of outcome, so scripts can tell them apart."""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    FAILED = 1  # invalid workflow, or a run that failed
    USAGE = 2  # bad command-line arguments or inputs (click's own code for usage errors)
    NO_MODEL = 3  # no model configured, or its key is missing
    PLAN_FAILED = 4  # the planner could not produce a valid plan within its budget
    PARTIAL = 5  # the run finished, but `continue` batches lost items (status "partial")
    STOPPED = 6  # a budget (--max-llm-calls, --max-cost) stopped the run; `planflow resume ID` goes on
    # Stopped from outside: 128 + the signal's number, as shells report a process it ended
    HUNG_UP = 129  # SIGHUP (the terminal went away)
    INTERRUPTED = 130  # Ctrl-C, SIGINT
    TERMINATED = 143  # SIGTERM (kill, a process manager, a CI timeout)
