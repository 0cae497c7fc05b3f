"""`--rpm`, `--tpm`, `--max-llm-calls`, `--max-cost`: the options that shape a run's llm calls,
shared by `planflow run` and the plan-and-run command. The decorator adds them and hands the
command one `gate` argument (a planflow.runtime.pacing.LLMGate) in their place."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import click

_OPTIONS = (
    click.option(
        "--rpm",
        type=click.FloatRange(min=0, min_open=True),
        help="Requests per minute for each model (else PLANFLOW_RPM, else limits.json in PLANFLOW_HOME).",
    ),
    click.option(
        "--tpm",
        type=click.FloatRange(min=0, min_open=True),
        help="Tokens per minute, input plus output, for each model (else PLANFLOW_TPM, else limits.json).",
    ),
    click.option(
        "--max-llm-calls",
        type=click.IntRange(min=0),
        metavar="N",
        help="Stop the run before the llm call that would make more than N (retries count).",
    ),
    click.option(
        "--max-cost",
        type=click.FloatRange(min=0),
        metavar="USD",
        help="Stop the run before the llm call that could take the cost past USD (needs known prices).",
    ),
)


def gate_from_options(rpm: float | None, tpm: float | None, max_llm_calls: int | None, max_cost: float | None) -> Any:
    """The run's LLMGate. A bad PLANFLOW_RPM/TPM, PLANFLOW_RETRY_DEADLINE or limits.json raises
    InputError, which cli/main.py reports as a usage error (exit 2)."""
    from planflow.runtime.pacing import LLMGate

    gate: Any = LLMGate.from_environment(
        rpm, tpm, max_llm_calls, Decimal(str(max_cost)) if max_cost is not None else None
    )
    # what was asked for: the journal keeps it, so a resume paces alike
    given = (("rpm", rpm), ("tpm", tpm), ("max_llm_calls", max_llm_calls), ("max_cost", max_cost))
    gate.given = {k: v for k, v in given if v is not None}
    return gate


def pacing_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the four options; the command receives `gate=` instead of them."""

    @functools.wraps(command)
    def with_gate(
        *args: Any,
        rpm: float | None,
        tpm: float | None,
        max_llm_calls: int | None,
        max_cost: float | None,
        **kwargs: Any,
    ) -> Any:
        return command(*args, gate=gate_from_options(rpm, tpm, max_llm_calls, max_cost), **kwargs)

    for option in reversed(_OPTIONS):
        with_gate = option(with_gate)
    return with_gate
