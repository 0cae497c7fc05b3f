"""'Did you mean' and 'names in scope' hints that cost the same for 20 names or 50,000.

A hint must not cost more than the mistake it explains: difflib against every node id, or a
listing of every name, per unknown reference made 20,000 broken nodes quadratic (and the
listings gigabytes long).
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Iterable

# Below this many names a suggestion compares against all of them, as difflib always did.
FULL_SEARCH = 200
# Above it, only against this many neighbours on each side in sorted order: they share the
# longest prefixes, which catches shortened, lengthened and late-misspelt names, not an early typo.
NEIGHBOURS = 8
LISTED = 20  # names shown in a listing before "(and N more)"
_LONGEST = 100  # longer names are not real attempts at one of ours: no suggestion


def _close(name: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return close[0] if close else None


class Names:
    """A fixed set of names, sorted once, answering suggestion and listing questions."""

    def __init__(self, names: Iterable[str]) -> None:
        self.sorted = sorted(set(names))
        self.known = set(self.sorted)
        self._longest = max(map(len, self.sorted), default=0)
        self._memo: dict[str, str | None] = {}

    def __len__(self) -> int:
        return len(self.sorted)

    def closest(self, name: str, extra: str | None = None) -> str | None:
        """The most similar name (difflib's ratio >= 0.6), `extra` counted among them."""
        if len(name) > _LONGEST:
            return None
        if name not in self._memo:
            self._memo[name] = _close(name, self._candidates(name))
        best = self._memo[name]
        if extra is not None and extra not in self.known:
            return _close(name, [c for c in (best, extra) if c is not None])
        return best

    def _candidates(self, name: str) -> list[str]:
        if len(self.sorted) <= FULL_SEARCH:
            return self.sorted
        at = bisect.bisect_left(self.sorted, name)
        return self.sorted[max(0, at - NEIGHBOURS) : at + NEIGHBOURS]

    def prefix_relatives(self, name: str, limit: int = 2) -> list[str]:
        """Up to `limit` names that start with `name` or that `name` starts with."""
        found: list[str] = []
        at = bisect.bisect_left(self.sorted, name)
        while at < len(self.sorted) and len(found) < limit and self.sorted[at].startswith(name):
            found.append(self.sorted[at])
            at += 1
        for end in range(1, min(len(name), self._longest) + 1):
            if len(found) >= limit:
                break
            if name[:end] in self.known and name[:end] not in found:
                found.append(name[:end])
        return found

    def listing(self, label: str, extra: str | None = None) -> str:
        """`label: a, b, c` over at most LISTED names, or `there are no <label>`."""
        shown = self.sorted[: LISTED + 1]
        total = len(self.sorted)
        if extra is not None and extra not in self.known:
            shown = sorted([*shown, extra])
            total += 1
        return listing(label, shown[:LISTED], total)


def listing(label: str, names: list[str], total: int | None = None) -> str:
    """`label: a, b` (sorted), with '(and N more)' when only some of `total` names are given."""
    if not names:
        return f"there are no {label}"
    unique = sorted(set(names))
    total = len(unique) if total is None else total
    shown = unique[:LISTED]
    more = total - len(shown)
    return f"{label}: {', '.join(shown)}" + (f" (and {more:,} more)" if more > 0 else "")
