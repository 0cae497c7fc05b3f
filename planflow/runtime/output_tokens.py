"""The output size an llm call is assumed to have before it exists: one figure for the estimate
(`run --estimate`) and the pacing of budgets, in a module of its own so that pacing, which the
run context imports, need not import the estimate, which imports the context."""

from __future__ import annotations

import os

from planflow.runtime.errors import InputError

__all__ = ["DEFAULT_OUTPUT_TOKENS", "OUTPUT_TOKENS_VARIABLE", "output_tokens_per_call"]

# What a call is assumed to answer, in tokens: a paragraph or a short JSON object. Responses
# cannot be known before they exist; PLANFLOW_ESTIMATE_OUTPUT_TOKENS sets another figure.
DEFAULT_OUTPUT_TOKENS = 256
OUTPUT_TOKENS_VARIABLE = "PLANFLOW_ESTIMATE_OUTPUT_TOKENS"


def output_tokens_per_call(explicit: int | None = None) -> int:
    """The assumed output size: `explicit`, else PLANFLOW_ESTIMATE_OUTPUT_TOKENS, else the default."""
    if explicit is not None:
        if explicit < 0:
            raise InputError(f"output tokens per call must be 0 or more, got {explicit}")
        return explicit
    value = os.environ.get(OUTPUT_TOKENS_VARIABLE, "").strip()
    if not value:
        return DEFAULT_OUTPUT_TOKENS
    if not value.isdigit():
        raise InputError(f"{OUTPUT_TOKENS_VARIABLE} must be a whole number of tokens, got {value!r}")
    return int(value)
