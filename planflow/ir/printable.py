"""Text that is safe to print: what a hostile document puts in a message must not break output.

A lone surrogate (JSON "\\ud800") cannot be encoded, so printing it raises; control characters
(an ANSI escape in a param name) would act on the terminal. Both are shown as escapes instead.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def escape_char(char: str) -> str:
    """One character as the escape that shows it: \\n, \\xNN, \\uXXXX or \\UXXXXXXXX."""
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` with every unprintable character (controls, surrogates, format marks) as \\xNN,
    \\uXXXX or \\UXXXXXXXX; printable text, accents and CJK included, is returned as it is."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else escape_char(c) for c in text)
