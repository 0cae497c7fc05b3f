"""Prompt templates: files in planflow/prompts, rendered strictly.

Placeholders are `{{name}}` (the prompts are full of `${…}` workflow templates, so the usual
`$name` or `{name}` syntaxes would collide). A placeholder with no value, or a value with no
placeholder, is an error: a prompt never goes out half-filled, and a renamed variable cannot
silently drop a section.
"""

from __future__ import annotations

import re
from importlib import resources

PLACEHOLDER = re.compile(r"\{\{([a-z_][a-z0-9_]*)\}\}")


class PromptError(ValueError):
    """A prompt template and the values given for it do not match."""


def load(name: str) -> str:
    try:
        return resources.files("planflow.prompts").joinpath(f"{name}.md").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"no prompt template named '{name}' in planflow/prompts") from None


def render_text(template: str, name: str, values: dict[str, str]) -> str:
    wanted = set(PLACEHOLDER.findall(template))
    missing = sorted(wanted - set(values))
    unused = sorted(set(values) - wanted)
    if missing or unused:
        parts = []
        if missing:
            parts.append(f"missing values for {', '.join(missing)}")
        if unused:
            parts.append(f"values with no placeholder: {', '.join(unused)}")
        raise PromptError(f"prompt '{name}': " + "; ".join(parts))
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def render(name: str, **values: str) -> str:
    return render_text(load(name), name, values)
