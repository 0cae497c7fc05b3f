"""Tokens and prices for llm calls: what a prompt costs before it is sent, and what a call cost.

Token counts: OpenAI models are counted with their own BPE (cl100k/o200k) through `bpe-openai`,
which ships the tables inside the wheel; tiktoken downloads them on first use, which fails on a
machine without internet. Other models are approximated as one token per 4 bytes of UTF-8
(the usual rule of thumb for English text; non-Latin text runs higher), and say so.

Prices come from genai-prices' bundled snapshot (no network): None where it has no entry.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

BYTES_PER_TOKEN = 4  # the approximation for models without a known tokenizer


@dataclass(frozen=True)
class Price:
    """USD per token, input and output, for one model."""

    model: str
    input_per_token: Decimal
    output_per_token: Decimal

    def cost(self, input_tokens: int, output_tokens: int) -> Decimal:
        return self.input_per_token * input_tokens + self.output_per_token * output_tokens


def provider_model_name(model_id: str, model: Any = None) -> str:
    """The provider's own name for an `llm` model: an extra-openai-models entry's `model_name`
    (its `model_id` is only the local alias), else the id."""
    name = getattr(model, "model_name", None)
    return name if isinstance(name, str) and name else model_id


# Model families and their BPE, as tiktoken maps them; bpe-openai knows only a few names itself.
_ENCODING_BY_PREFIX = (
    (("gpt-5", "gpt-4.1", "gpt-4o", "chatgpt-4o", "o1", "o3", "o4", "gpt-oss"), "o200k_base"),
    (("gpt-4", "gpt-3.5", "text-embedding-3", "text-embedding-ada-002"), "cl100k_base"),
)


@functools.lru_cache(maxsize=256)
def _encoding(model_name: str) -> Any:
    try:
        with warnings.catch_warnings():  # its resource loading uses a deprecated importlib call
            warnings.simplefilter("ignore", DeprecationWarning)
            import bpe_openai

            for prefixes, encoding in _ENCODING_BY_PREFIX:
                if model_name.startswith(prefixes):
                    return bpe_openai.get_encoding(encoding)
            return bpe_openai.encoding_for_model(model_name)
    except Exception:  # an unknown model, or the package missing: approximate
        return None


def counts_exactly(model_name: str) -> bool:
    """Whether token counts for this model come from its own tokenizer, not the approximation."""
    return _encoding(model_name) is not None


def count_tokens(model_name: str, text: str) -> int:
    encoding = _encoding(model_name)
    if encoding is not None:
        return len(encoding.encode(text, disallowed_special=()))
    return -(-len(text.encode("utf-8", "surrogatepass")) // BYTES_PER_TOKEN)


@functools.lru_cache(maxsize=256)
def price_for(model_name: str) -> Price | None:
    try:
        from genai_prices import Usage, calc_price

        one_in = calc_price(Usage(input_tokens=1_000_000, output_tokens=0), model_ref=model_name)
        one_out = calc_price(Usage(input_tokens=0, output_tokens=1_000_000), model_ref=model_name)
    except Exception:  # LookupError for an unknown model; anything else means no price either
        return None
    million = Decimal(1_000_000)
    return Price(model_name, Decimal(one_in.total_price) / million, Decimal(one_out.total_price) / million)
