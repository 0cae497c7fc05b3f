"""Where a step's template values come from, in words, for the review.

A reviewer reading `cat ${f}` or `writes: out/${summ.response}.md` needs to know whether `${f}`
is something they chose (an input, a listed item) or something no one has seen yet (a model's
answer, a command's output), because that decides how much the step can surprise them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from planflow.ir import Workflow
from planflow.ir.models import Node
from planflow.ir.templates import Ref, TemplateSyntaxError, iter_strings, parse_template

__all__ = ["value_sources"]


def _refs(value: object) -> Iterable[Ref]:
    for _, text in iter_strings(value):
        if "${" in text:
            try:
                yield from parse_template(text).refs
            except TemplateSyntaxError:  # the validator reports it; the review shows the text
                continue


def _origin(root: str, workflow: Workflow, nodes: Mapping[str, Node]) -> str:
    """What a name is: an input, or a step and its type."""
    if root in workflow.inputs:
        return f"input {root}"
    if root in nodes:
        return f"step {root}"
    return "unknown"


def value_sources(
    node: Node, workflow: Workflow, nodes: Mapping[str, Node], params: Iterable[str]
) -> list[tuple[str, str]]:
    """(template, where its value comes from) for each name the given params of the node refer
    to, in the order they first appear: `("${f}", "each item of ${find.files} (step find)")`."""
    seen: dict[str, str] = {}
    alias = node.batch.as_ if node.batch is not None else None
    for ref in _refs([node.params[name] for name in params if name in node.params]):
        if ref.root == alias and node.batch is not None:
            key = "${" + ref.root + "}"
            items = node.batch.items
            if isinstance(items, list):
                about = f"each of the {len(items)} listed items"
            else:
                origins = sorted({_origin(r.root, workflow, nodes) for r in _refs(items)})
                about = f"each item of {items}" + (f" ({', '.join(origins)})" if origins else "")
        elif ref.root in workflow.inputs:
            key, about = "${" + ref.root + "}", f"input {ref.root}"
        elif ref.root in nodes:
            key, about = ref.text, f"output of step {ref.root} ({nodes[ref.root].type})"
        else:
            key, about = ref.text, "not defined in this workflow"
        seen.setdefault(key, about)
    return list(seen.items())
