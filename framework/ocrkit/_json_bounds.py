"""JSON from outside (an option value, a journal line), parsed with a bound on its
nesting, and JSON lines that hold any file name.

``json.loads`` of 3,000 ``[`` raises ``RecursionError``, and a value nested a few
hundred levels deep parses but breaks whoever walks it next (hashing, pickling,
the backend). Nothing ocrkit reads nests deeper than a few levels, so
:func:`loads_bounded` refuses more than :data:`MAX_JSON_DEPTH` with a
``json.JSONDecodeError`` (a ``ValueError``) before parsing.

File names are bytes on POSIX; Python holds the ones that are not UTF-8 with lone
surrogates (``os.fsdecode``), which a UTF-8 file cannot hold. :func:`dumps_line`
writes them as ``\\udcXX`` escapes, which :func:`json.loads` reads back into the
same string, so ``os.fsencode`` gives back the same bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "json_depth", "loads_bounded", "dumps_line", "escape_lone_surrogates"]

#: Deepest nesting of arrays and objects accepted.
MAX_JSON_DEPTH = 32

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def json_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in *text*, brackets inside strings not counted."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def loads_bounded(text: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads(text)``, or ``json.JSONDecodeError`` when it nests deeper than *max_depth*."""
    # Cheap first: a text with few brackets cannot nest deeply (every journal line).
    if text.count("[") + text.count("{") > max_depth and json_depth(text) > max_depth:
        raise json.JSONDecodeError(f"nested deeper than {max_depth} levels", text, 0)
    return json.loads(text)


def escape_lone_surrogates(json_text: str) -> str:
    """JSON text (as ``json.dumps(..., ensure_ascii=False)`` makes it) with each lone
    surrogate written as its ``\\uXXXX`` escape: encodable as UTF-8, read back the same."""
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


def dumps_line(record: Any) -> str:
    """*record* as one JSON line (no newline), readable UTF-8 for any file name."""
    return escape_lone_surrogates(json.dumps(record, ensure_ascii=False))
