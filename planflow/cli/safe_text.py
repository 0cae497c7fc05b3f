"""Make text from a workflow safe to print on a terminal: one function, used for every string the
review shows.

A plan comes from a model or a file someone else wrote, so any string in it may try to move the
cursor, clear the screen, set the window title (ANSI escapes), overwrite a line (`\\r`), reorder
what the reader sees (bidi overrides) or hide text (zero-width characters). Each such character
is shown as a visible escape instead (`\\x1b`, `\\r`, `\\u202e`), so the review shows what will
run, not what the plan's author wanted it to look like.

Escaped: every control character (C0, DEL, C1, which includes U+0085), every format character
(bidi embeddings, overrides, isolates and marks, zero-width characters, the BOM, soft hyphen,
tags), line and paragraph separators (U+2028, U+2029) and lone surrogates. A newline is escaped
too: callers that show multi-line text split it on "\\n" first and put each line in a gutter.
Backslashes are left as they are, so a regex or `printf` in a command reads naturally.
"""

from __future__ import annotations

import re

from planflow.ir.printable import escape_char

__all__ = ["escape_controls", "split_lines"]

_UNSAFE = re.compile(
    "["
    "\x00-\x1f\x7f-\x9f"  # C0, DEL, C1 (includes U+0085 NEXT LINE)
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"  # format characters (Cf)
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"  # bidi, zero-width
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"  # tag characters
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff"  # lone surrogates (from JSON "\\ud800" escapes)
    "]"
)


def _escape(match: re.Match[str]) -> str:
    return escape_char(match.group(0))


def escape_controls(text: str) -> str:
    """The text with every character that could change how a terminal shows it made visible."""
    return _UNSAFE.sub(_escape, text)


def split_lines(text: str) -> list[str]:
    """Lines of text split on "\\n" only, each escaped; a trailing newline keeps its empty line
    out. `str.splitlines` is not used: it also splits on \\r, \\x0b, \\x1c, U+2028…, which must
    show as escapes, not as line breaks."""
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return [escape_controls(line) for line in lines]
