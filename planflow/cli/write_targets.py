"""Spot writes that leave the working folder, for a warning in the review.

`writes: /etc/cron.d/x` is easy to miss among ordinary steps; a plan from a model (or from
someone else) should not be able to slip one past the reader. Only targets known before the run
are judged here: a literal path, or one built only from inputs' defaults. A path taken from
another step's output is checked when it runs (planflow.runtime.paths), since nobody can know it
now; if its literal text climbs with `..`, the review says so too.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from planflow.ir import Workflow
from planflow.ir.models import Node
from planflow.ir.templates import Ref, TemplateSyntaxError, UnresolvedReference, follow_path, parse_template, render
from planflow.runtime.paths import is_inside, real_path

__all__ = ["outside_write_warning"]

_CLIMBS = re.compile(r"(^|[/\\])\.\.([/\\]|$)")


def outside_write_warning(node: Node, workflow: Workflow, cwd: Path) -> str | None:
    """The warning for a write_file step whose target is outside `cwd`, or None."""
    if node.type != "write_file" or not isinstance(node.params.get("path"), str):
        return None
    source: str = node.params["path"]
    try:
        template = parse_template(source)
    except TemplateSyntaxError:
        return None
    defaults = {name: spec.default for name, spec in workflow.inputs.items() if not spec.required}

    def lookup(ref: Ref) -> object:
        if ref.root not in defaults:
            raise UnresolvedReference(ref, "known only when the workflow runs")
        return follow_path(defaults[ref.root], ref)

    try:
        target = render(template, lookup)
    except UnresolvedReference:
        # Unknown until run time: judge the literal text around the templates.
        skeleton = "".join(p if isinstance(p, str) else "x" for p in template.parts)
        return f"write path climbs out with '..': {source}" if _CLIMBS.search(skeleton) else None
    if not isinstance(target, str) or "\x00" in target:
        return None
    real = real_path(cwd, target)
    if is_inside(real, os.path.realpath(cwd)):
        return None
    shown = target if target == real else f"{target} (resolves to {real})"
    return f"writes outside the working folder: {shown}"
