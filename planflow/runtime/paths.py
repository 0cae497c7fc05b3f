"""Containment: a path that comes from data must stay inside the folders the user saw.

The review shows every literal path and every input, so a person can judge them. A path taken
from another step's output (a model's answer, an HTTP body, a command's stdout, a file's
content, a listing) was seen by nobody: a prompt-injected `../../etc/passwd` or a symlink in the
working folder pointing elsewhere would otherwise be read or written without anyone agreeing.

So, decided once per node when the workflow is compiled:
- a path param is *data-derived* when its template refers to a step (`${summ.response}`), or to
  a batch alias whose `items` refer to a step (`${f}` over `${find.files}`); inputs, literals and
  aliases over inline or input items are not (the review showed them);
- at run time such a value must resolve, after symlinks, inside the working folder or inside a
  folder the review showed: a string input value, a literal path param, or a path param built
  only from inputs. `--allow-outside` lifts the rule for one run.

The check runs in the node itself (the first line of read_file, write_file and list_files), so it
sees the file system the item really runs on, also on a Ray worker.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planflow.ir.models import Node, Workflow
from planflow.ir.node_spec import NodeTypeSpec
from planflow.ir.templates import (
    TemplateSyntaxError,
    UnresolvedReference,
    follow_path,
    iter_strings,
    parse_template,
    resolve_value,
)
from planflow.runtime.errors import NodeFailure

if TYPE_CHECKING:
    from planflow.runtime.context import NodeContext

__all__ = [
    "PathOutsideFolder",
    "PathPolicy",
    "data_derived_paths",
    "ensure_inside",
    "is_inside",
    "real_path",
    "shown_roots",
]


@dataclass(frozen=True)
class PathPolicy:
    """One node's containment rule; plain data, so it travels to remote workers as it is."""

    checked: frozenset[str] = frozenset()  # path params whose values come from data
    roots: tuple[str, ...] = ()  # real paths the review showed, besides the working folder
    allow_outside: bool = False

    @functools.cached_property
    def _root_set(self) -> frozenset[str]:
        return frozenset(self.roots)

    def allows(self, real: str) -> bool:
        """Is the real path one of the roots or below one? Walks up the path, so the cost is
        its depth, not the number of roots (an input may list thousands of files)."""
        roots = self._root_set
        while real not in roots:
            parent = os.path.dirname(real)
            if parent == real:
                return False
            real = parent
        return True


class PathOutsideFolder(NodeFailure):
    """A data-derived path resolves outside every allowed folder; retrying cannot help."""

    retryable = False


def real_path(cwd: Path | str, value: str) -> str:
    """Where a node would really touch `value`: relative to the run's folder, `~` expanded (as
    RunContext.path does), symlinks followed."""
    return os.path.realpath(Path(cwd) / Path(value).expanduser())


def is_inside(path: str, root: str) -> bool:
    """Is the real path `path` the real path `root` or below it? (Both already realpath'ed.)"""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def ensure_inside(params: Mapping[str, Any], ctx: NodeContext) -> None:
    """Refuse a data-derived path that escapes; called first by every node that touches files."""
    policy = ctx.paths
    if policy.allow_outside or not policy.checked:
        return
    cwd = ctx.run.cwd
    for name in sorted(policy.checked):
        value = params.get(name)
        if not isinstance(value, str):
            continue
        try:
            real = real_path(cwd, value)
        except ValueError:  # an embedded NUL byte
            raise PathOutsideFolder(f"{name} {value!r} (from another step's output) is not a valid path") from None
        if is_inside(real, os.path.realpath(cwd)) or policy.allows(real):
            continue
        raise PathOutsideFolder(
            f"{name} {value!r} comes from another step's output and resolves to {real}, outside the "
            f"working folder ({os.path.realpath(cwd)}) and the folders the review showed; "
            "pass --allow-outside to allow it"
        )


# -- compile time -----------------------------------------------------------------------------


def _roots_of(value: Any) -> set[str]:
    """The names a value's templates refer to; an unparsable one counts as referring to all."""
    roots: set[str] = set()
    for _, text in iter_strings(value):
        if "${" not in text:
            continue
        try:
            roots.update(ref.root for ref in parse_template(text).refs)
        except TemplateSyntaxError:
            roots.add("*")
    return roots


def data_derived_paths(node: Node, spec: NodeTypeSpec, step_ids: Iterable[str]) -> frozenset[str]:
    """The node's path params whose values come from another step's output, directly or through
    its batch alias."""
    data = set(step_ids) | {"*"}
    if node.batch is not None and _roots_of(node.batch.items) & data:
        data.add(node.batch.as_)
    return frozenset(
        p.name for p in spec.params if p.is_path and p.name in node.params and _roots_of(node.params[p.name]) & data
    )


def shown_roots(
    workflow: Workflow, values: Mapping[str, Any], cwd: Path, specs: Mapping[str, NodeTypeSpec]
) -> tuple[str, ...]:
    """Real paths of the folders (and files) the user saw before the run: every string in the
    input values, every literal path param, every path param built only from inputs."""
    candidates: list[str] = [text for value in values.values() for _, text in iter_strings(value)]
    lookup_names = set(values)
    for node in workflow.nodes:
        spec = specs.get(node.type)
        if spec is None:
            continue
        for param in spec.params:
            if not param.is_path:
                continue
            value = node.params.get(param.name, param.default)
            if not isinstance(value, str) or not _roots_of(value) <= lookup_names:
                continue
            try:
                resolved = resolve_value(value, lambda ref: follow_path(values[ref.root], ref))
            except UnresolvedReference:
                continue  # fails the same way when the node runs, with a better message
            if isinstance(resolved, str):
                candidates.append(resolved)
    # the working folder is always allowed; counting it here drops every root inside it
    roots: set[str] = {os.path.realpath(cwd)}
    for text in candidates:
        if "\x00" not in text:
            roots.add(real_path(cwd, text))
    return _outermost(roots)


def _outermost(roots: set[str]) -> tuple[str, ...]:
    """Drop roots inside other roots, so less travels with each batch. Sorted by components, a
    root's descendants come right after it, so one pass comparing with the last kept will do."""
    kept: list[str] = []
    for root in sorted(roots, key=lambda r: r.split(os.sep)):
        if not kept or not is_inside(root, kept[-1]):
            kept.append(root)
    return tuple(kept)
