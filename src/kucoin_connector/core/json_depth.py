"""How deeply a JSON text nests, measured on the text (no decode, no recursion).

A generic JSON decode keeps the whole tree and recurses once per level: msgspec raises
``RecursionError`` near the interpreter's limit, ujson refuses beyond 1024 levels, and
whatever is decoded can blow up later in code that walks or prints it. No exchange
message nests deeper than a handful of levels, so every generic decode of a frame first
asks ``json_too_deep``: a deeper text is refused at the edge as a ``ParseError``.

Cost: two ``count`` calls (C speed) for an ordinary frame, which cannot nest deeper than
the number of brackets it opens; the exact scan (strings removed, then a running sum over
the brackets left) runs only for frames that open more than ``limit`` brackets.
"""

from __future__ import annotations

import re
from itertools import accumulate

__all__ = ["MAX_JSON_DEPTH", "json_too_deep"]

MAX_JSON_DEPTH = 32

# A JSON string (escapes included), in the unrolled, linear-time form; then any character
# that is not a bracket.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STRING_BYTES = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_NOT_BRACKET_BYTES = re.compile(rb"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_STEP_BYTES = {ord(k): v for k, v in _STEP.items()}


def json_too_deep(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if ``text`` nests arrays/objects more than ``limit`` levels deep (brackets
    inside strings do not count). Malformed text is measured as well as it can be."""
    if isinstance(text, str):
        if text.count("[") + text.count("{") <= limit:
            return False
        brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
        steps = map(_STEP.__getitem__, brackets)
    else:
        if text.count(b"[") + text.count(b"{") <= limit:
            return False
        raw = _NOT_BRACKET_BYTES.sub(b"", _STRING_BYTES.sub(b"", text))
        steps = map(_STEP_BYTES.__getitem__, raw)
    return max(accumulate(steps), default=0) > limit
