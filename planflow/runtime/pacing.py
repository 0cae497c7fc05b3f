"""The run's gate in front of every llm call: requests and tokens per minute per model, a
concurrency that backs off on 429s (AIMD), budgets, and the run's totals.

One `LLMGate` per run (`RunContext.llm`), shared by every node and batch, so two batches on the
same model share its limits. An llm item does, per attempt:

    async with gate.call(model_id, model_name, ceiling, prompt_text) as call:  # waits, or BudgetExceeded
        ...the request...
        call.used(input_tokens, output_tokens)

and the gate's `retry` policy (transient.py) drives the attempts around that. http items use
the retry policy only: a URL is not a model.

Limits come from, first to last: `--rpm`/`--tpm` (every model), `PLANFLOW_RPM`/`PLANFLOW_TPM`
(every model), and `$PLANFLOW_HOME/limits.json` (per model, see limits.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NoReturn

from aiolimiter import AsyncLimiter

from planflow.runtime.errors import BudgetExceeded, InputError
from planflow.runtime.limits import ModelLimits, load_limits
from planflow.runtime.output_tokens import output_tokens_per_call
from planflow.runtime.prices import count_tokens, price_for, provider_model_name
from planflow.runtime.transient import RetryPolicy, classify

# What an answer is assumed to cost before it exists (--max-cost; tpm until the first answer):
# the same figure as --estimate's (estimate.DEFAULT_OUTPUT_TOKENS, PLANFLOW_ESTIMATE_OUTPUT_TOKENS),
# so a budget and the estimate before it agree. A test keeps the two equal.
ASSUMED_OUTPUT_TOKENS = 256
# A limiter lets at most this share of a minute's budget through at once: a full minute's burst
# at the start of a run is what providers that count in short windows answer with 429s.
BURST_SHARE_OF_MINUTE = 1 / 600
# A 429's wait holds every call to the model, but not for longer than this: "retry in an hour"
# (a spent daily quota) should fail each item at its next answer, not hang the run for an hour.
MAX_HOLD_OFF_SECONDS = 60.0


def _paced(per_minute: float) -> AsyncLimiter:
    """A leaky bucket holding a tenth of a second's budget (at least one request)."""
    capacity = max(1.0, per_minute * BURST_SHARE_OF_MINUTE)
    return AsyncLimiter(capacity, capacity * 60.0 / per_minute)


class TokenPace:
    """Tokens per minute, paid as they are used: a call may start once the tokens of the calls
    admitted before it have been paid for (within a tenth of a second), and then owes its own,
    however many. Not aiolimiter: its bucket refuses an amount above its capacity and cannot go
    into debt, so a bucket small enough to avoid a burst at the start (what short-window
    providers answer with 429s) undercounts every large call. Corrections with the real usage
    move the debt either way, and waiting calls see them: they look again at least every
    `tolerance` seconds rather than sleeping on a debt that has since shrunk."""

    def __init__(self, per_minute: float) -> None:
        self.seconds_per_token = 60.0 / per_minute
        self.tolerance = 0.1
        self.paid_until = 0.0  # monotonic time at which every token owed so far is paid for

    def try_take(self, tokens: int) -> float:
        """Owe `tokens` and return 0 if the call may start now, else how long to wait first."""
        now = time.monotonic()
        self.paid_until = max(self.paid_until, now)
        delay = self.paid_until - self.tolerance - now
        if delay > 0:
            return delay
        self.paid_until += tokens * self.seconds_per_token
        return 0.0

    async def take(self, tokens: int) -> None:
        while (delay := self.try_take(tokens)) > 0:
            await asyncio.sleep(min(delay, self.tolerance))

    def correct(self, tokens: int) -> None:
        self.paid_until += tokens * self.seconds_per_token


class AdaptiveConcurrency:
    """How many calls to one model may be in flight: unbounded (the batches' own limits apply)
    until a 429, then halved (at least 1), then one more per `limit` successes (about one
    round trip), unbounded again once back at the largest concurrency a batch asked for.
    Only the first 429 of a round counts: fifty calls refused together halve the limit once."""

    def __init__(self) -> None:
        self.limit: int | None = None
        self.in_flight = 0
        self.ceiling = 1
        self.generation = 0  # bumped at each decrease; a 429 from an older round is ignored
        self._successes = 0
        self._freed = asyncio.Event()

    async def acquire(self, ceiling: int) -> int:
        self.ceiling = max(self.ceiling, ceiling)
        while self.limit is not None and self.in_flight >= self.limit:
            self._freed.clear()
            await self._freed.wait()
        self.in_flight += 1
        return self.generation

    def release(self, generation: int, rate_limited: bool, succeeded: bool) -> None:
        if rate_limited and generation == self.generation:
            self.limit = max(1, min(self.limit or self.in_flight, self.in_flight) // 2)
            self.generation += 1
            self._successes = 0
        elif succeeded and self.limit is not None:
            self._successes += 1
            if self._successes >= self.limit:
                self._successes = 0
                self.limit += 1
                if self.limit >= self.ceiling:
                    self.limit = None
        self.in_flight -= 1
        self._freed.set()  # every waiter looks again; the check and the count share no await


class ModelPace:
    """One model's shared state: its limiters, its adaptive concurrency, the tokens owed."""

    def __init__(self, limits: ModelLimits, assumed_output: int = ASSUMED_OUTPUT_TOKENS) -> None:
        self.limits = limits
        self.assumed_output = assumed_output
        self.requests = _paced(limits.rpm) if limits.rpm else None
        self.tokens = TokenPace(limits.tpm) if limits.tpm else None
        self.concurrency = AdaptiveConcurrency()
        self.resume_at = 0.0  # a 429 said "not before then" (monotonic): it holds for every call
        self._answers = 0
        self._output_tokens = 0

    async def wait_for_resume(self) -> None:
        while (delay := self.resume_at - time.monotonic()) > 0:
            await asyncio.sleep(delay)

    def hold_off(self, seconds: float | None) -> None:
        if seconds:
            seconds = min(seconds, MAX_HOLD_OFF_SECONDS)
            self.resume_at = max(self.resume_at, time.monotonic() + seconds)

    def expected_output(self) -> int:
        """For pacing: the mean answer so far, the assumed size before the first."""
        if not self._answers:
            return self.assumed_output
        return -(-self._output_tokens // self._answers)

    def answered(self, output_tokens: int) -> None:
        self._answers += 1
        self._output_tokens += output_tokens

    async def take_tokens(self, estimate: int) -> None:
        if self.tokens is not None:
            await self.tokens.take(estimate)

    def correct_tokens(self, tokens: int) -> None:
        if self.tokens is not None:
            self.tokens.correct(tokens)


@dataclass
class CallRecord:
    """What one attempt reports back: the usage the provider gave."""

    input_tokens: int | None = None
    output_tokens: int | None = None

    def used(self, input_tokens: int | None, output_tokens: int | None) -> None:
        self.input_tokens, self.output_tokens = input_tokens, output_tokens


@dataclass
class LLMGate:
    limits: dict[str, ModelLimits] = field(default_factory=dict)  # by model id or provider name
    default_limits: ModelLimits = field(default_factory=ModelLimits)  # --rpm/--tpm, PLANFLOW_RPM/TPM
    max_llm_calls: int | None = None
    max_cost: Decimal | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    assumed_output_tokens: int = ASSUMED_OUTPUT_TOKENS
    # the run's state, shared by every call
    _paces: dict[str, ModelPace] = field(default_factory=dict, init=False, repr=False)
    _calls: int = field(default=0, init=False)  # requests sent, retries included
    _input_tokens: int = field(default=0, init=False)
    _output_tokens: int = field(default=0, init=False)
    _cost: Decimal = field(default=Decimal(0), init=False)
    _unpriced: set[str] = field(default_factory=set, init=False)  # models used without a known price
    # estimates of the calls in flight, so fifty at once cannot overspend --max-cost
    _reserved_cost: Decimal = field(default=Decimal(0), init=False)
    _sending: int = field(default=0, init=False)  # calls admitted and not yet answered
    _all_answered: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _an_answer: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def __post_init__(self) -> None:
        self._all_answered.set()

    @classmethod
    def from_environment(
        cls,
        rpm: float | None = None,
        tpm: float | None = None,
        max_llm_calls: int | None = None,
        max_cost: Decimal | None = None,
    ) -> LLMGate:
        """Explicit values (the CLI's) over PLANFLOW_RPM/PLANFLOW_TPM, over limits.json."""
        defaults = ModelLimits(
            rpm if rpm is not None else _env_rate("PLANFLOW_RPM"),
            tpm if tpm is not None else _env_rate("PLANFLOW_TPM"),
        )
        return cls(
            load_limits(), defaults, max_llm_calls, max_cost, RetryPolicy.from_environment(), output_tokens_per_call()
        )

    def limits_for(self, model_id: str, model_name: str) -> ModelLimits:
        entry = self.limits.get(model_id) or self.limits.get(model_name) or ModelLimits()
        return ModelLimits(self.default_limits.rpm or entry.rpm, self.default_limits.tpm or entry.tpm)

    def check_budgets_apply(self, handle: Any) -> None:
        """Before the run: --max-cost needs a price for each model it will call (InputError,
        a usage error, when there is none). A model named through a template is checked at its
        first call instead, which then stops the run before sending anything."""
        name = provider_model_name(handle.model_id, handle.model)
        if self.max_cost is not None and price_for(name) is None:
            raise InputError(
                f"--max-cost cannot be kept: no price is known for model {name!r} "
                "(drop --max-cost, or use --max-llm-calls)"
            )

    def _pace(self, model_id: str, model_name: str) -> ModelPace:
        if model_id not in self._paces:
            self._paces[model_id] = ModelPace(self.limits_for(model_id, model_name), self.assumed_output_tokens)
        return self._paces[model_id]

    @contextlib.asynccontextmanager
    async def call(self, model_id: str, model_name: str, ceiling: int, text: str) -> AsyncIterator[CallRecord]:
        """One request to the model: waits for a slot and the limits, then checks the budgets
        (raising BudgetExceeded before anything is sent), then yields; the caller reports the
        usage on the record. `ceiling`: the calling batch's own concurrency; `text`: what the
        prompt sends (system and prompt), counted only where a limit or budget needs it,
        because the tokenizer's tables take about a second to load."""
        pace = self._pace(model_id, model_name)
        needs_count = pace.tokens is not None or self.max_cost is not None
        input_tokens = count_tokens(model_name, text) if needs_count else 0
        refusal = self._refusal(model_name, input_tokens)
        if refusal is not None and refusal[1]:  # the items queued behind a budget stop meet it at once
            await self._stop(refusal[0])
        generation = await pace.concurrency.acquire(ceiling)
        record = CallRecord()
        rate_limited = succeeded = False
        reserved = Decimal(0)
        try:
            await pace.wait_for_resume()
            if pace.requests is not None:
                await pace.requests.acquire()
            paced_tokens = input_tokens + pace.expected_output()
            await pace.take_tokens(paced_tokens)
            reserved = await self._admit(model_name, input_tokens)
            try:
                yield record
            except Exception as exc:
                verdict = classify(exc)
                if verdict is not None and verdict.rate_limited:
                    rate_limited = True
                    pace.hold_off(verdict.retry_after)
                raise
            finally:
                self._answered()
            succeeded = True
            self._account(pace, model_name, paced_tokens, record, text)
        finally:
            self._reserved_cost -= reserved
            pace.concurrency.release(generation, rate_limited, succeeded)

    async def _admit(self, model_name: str, input_tokens: int) -> Decimal:
        """The budgets' check for the call about to be sent; returns the cost reserved for it.
        Where only the reservations of calls in flight stand in the way, it waits for their
        answers (real costs replace the estimates) and looks again."""
        while (refusal := self._refusal(model_name, input_tokens)) is not None:
            message, final = refusal
            if final:
                await self._stop(message)
            self._an_answer.clear()
            await self._an_answer.wait()
        estimate = self._cost_estimate(model_name, input_tokens)
        self._reserved_cost += estimate
        self._calls += 1
        self._sending += 1
        self._all_answered.clear()
        return estimate

    def _cost_estimate(self, model_name: str, input_tokens: int) -> Decimal:
        price = price_for(model_name) if self.max_cost is not None else None
        return price.cost(input_tokens, self.assumed_output_tokens) if price is not None else Decimal(0)

    async def _stop(self, message: str) -> NoReturn:
        """Waits for the calls already sent first: they are paid for, so their answers must land
        (and count in the message) before the stop cancels anything."""
        await self._all_answered.wait()
        raise BudgetExceeded(f"{message}; {self._spent()}")

    def _refusal(self, model_name: str, input_tokens: int) -> tuple[str, bool] | None:
        """Why this call may not be sent, and whether that is final (spending only grows) or
        only until the calls in flight have answered."""
        if self.max_llm_calls is not None and self._calls + 1 > self.max_llm_calls:
            return f"--max-llm-calls {self.max_llm_calls} reached", True
        if self.max_cost is None:
            return None
        if price_for(model_name) is None:
            return (
                f"--max-cost cannot be kept: no price is known for model {model_name!r} "
                "(drop --max-cost, or use --max-llm-calls); nothing was sent to it"
            ), True
        estimate = self._cost_estimate(model_name, input_tokens)
        if self._cost + estimate > self.max_cost:
            return f"--max-cost ${self.max_cost} reached: the next call (about ${estimate:.6f}) could pass it", True
        if self._cost + self._reserved_cost + estimate > self.max_cost:
            return "the calls in flight could take the cost past --max-cost", False
        return None

    def _answered(self) -> None:
        self._an_answer.set()
        self._sending -= 1
        if self._sending == 0:
            self._all_answered.set()

    def _account(self, pace: ModelPace, model_name: str, paced_tokens: int, record: CallRecord, text: str) -> None:
        used_in = record.input_tokens if record.input_tokens is not None else count_tokens(model_name, text)
        used_out = record.output_tokens if record.output_tokens is not None else self.assumed_output_tokens
        self._input_tokens += used_in
        self._output_tokens += used_out
        pace.answered(used_out)
        pace.correct_tokens(used_in + used_out - paced_tokens)
        price = price_for(model_name)
        if price is None:
            self._unpriced.add(model_name)
        else:
            self._cost += price.cost(used_in, used_out)

    def totals(self) -> dict[str, Any]:
        """Run totals for the journal. llm_calls counts requests sent (retries included); the
        tokens and cost, answered calls. cost_usd is None when a model used has no known price."""
        return {
            "llm_calls": self._calls,
            "input_tokens": self._input_tokens,
            "output_tokens": self._output_tokens,
            "cost_usd": None if self._unpriced else float(self._cost),
        }

    def _spent(self) -> str:
        cost = "cost unknown" if self._unpriced else f"${self._cost:.6f}"
        return (
            f"spent so far: {self._calls} llm calls, {self._input_tokens} input and "
            f"{self._output_tokens} output tokens, {cost}"
        )


def _env_rate(name: str) -> float | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        rate = float(value)
    except ValueError:
        rate = 0.0
    if not 0 < rate < float("inf"):
        raise InputError(f"{name} must be a positive number (per minute), got {value!r}")
    return rate
