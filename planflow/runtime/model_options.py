"""An llm step's options, checked against its model before anything runs.

A model that does not take an option the step sets (a `temperature` for a model without one, a
`schema` for a model without structured output) is refused, naming node, option and model: not
dropped, because the review has shown the option and what runs must be what was shown, and a
dropped `schema` would leave the step's `json` output empty. Found mid-run, it used to fail
after earlier steps had run, with pydantic's raw `extra_forbidden`.
"""

from __future__ import annotations

from typing import Any

from planflow.ir.models import Node
from planflow.runtime.errors import ModelUnavailable


class ModelOptionError(ModelUnavailable):
    """The step's model cannot take one of the step's options."""


def check_llm_options(node: Node, model_id: str, model: Any) -> None:
    if node.params.get("schema") is not None and not getattr(model, "supports_schema", False):
        raise ModelOptionError(
            f"node {node.id}: params.schema: model {model_id} does not support structured output (schemas); "
            "choose a model that does, or drop the schema and parse the response yourself"
        )
    temperature = node.params.get("temperature")
    if temperature is None:
        return
    fields = getattr(getattr(model, "Options", None), "model_fields", {})
    if "temperature" not in fields:
        takes = ", ".join(sorted(fields)) or "no options"
        raise ModelOptionError(
            f"node {node.id}: params.temperature: model {model_id} does not take a temperature "
            f"(it takes: {takes}); remove params.temperature or choose a model that takes it"
        )
    if isinstance(temperature, str):
        return  # a template: its value is checked by the model when the call is made
    try:
        model.Options(temperature=temperature)
    except Exception as exc:  # pydantic's ValidationError: a range or type the model refuses
        detail = str(exc).splitlines()[2].strip() if len(str(exc).splitlines()) > 2 else str(exc)
        raise ModelOptionError(
            f"node {node.id}: params.temperature: model {model_id} refuses {temperature!r}: {detail}"
        ) from None
