"""Name rules: what may become one path component, and what may name a store entry.

Two rules, one place. :func:`plain_name_problem` is the check behind every name
that becomes a path component (backend names, catalogue files, files listed in
a manifest). :func:`store_name_problem` adds what a *store entry* needs on top:
every way into the store (import, pull, a backend's own import, an int8 set)
goes through it, so nothing is created that ``ocrkit models list`` and ``audit``
would not show, or would show under a name nobody can type back.
"""

from __future__ import annotations

import os
from pathlib import PureWindowsPath

from .errors import InvalidModelNameError

__all__ = [
    "PARTIAL_SUFFIXES",
    "plain_name_problem",
    "store_name_problem",
    "is_listed",
    "check_plain_name",
    "check_store_name",
]

#: Suffixes of downloads and copies in progress: never a model, never listed.
PARTIAL_SUFFIXES = (".part", ".tmp", ".lock")


def plain_name_problem(name: object) -> str | None:
    """Why *name* is not one plain directory entry (``None`` if it is).

    Refused: non-strings, empty, ``.``/``..``, path separators of any platform,
    NUL, absolute paths and drive letters.
    """
    if not isinstance(name, str) or not name:
        return "a name must be a non-empty string"
    if name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        return "path separators, NUL and '..' are not allowed in a name"
    if os.path.isabs(name) or PureWindowsPath(name).drive:  # drive letters on every platform
        return "absolute paths and drive letters are not names"
    return None


def is_listed(name: str) -> bool:
    """Whether the store lists an entry called *name*: hidden entries (staging,
    removals in progress) and partial downloads are not models."""
    return not name.startswith(".") and not name.endswith(PARTIAL_SUFFIXES)


def store_name_problem(name: object) -> str | None:
    """Why *name* cannot name a new store entry (``None`` if it can): a plain name
    that the store lists, printable, without leading or trailing whitespace."""
    problem = plain_name_problem(name)
    if problem or not isinstance(name, str):
        return problem
    if not name.strip():
        return "a name must not be blank"
    if name != name.strip():
        return "a name must not start or end with whitespace"
    if not name.isprintable():
        return "a name must not contain control characters or line breaks"
    if name.startswith("."):
        return "a name starting with '.' is hidden: `ocrkit models list` would never show it"
    if name.endswith(PARTIAL_SUFFIXES):
        return f"names ending in {'/'.join(PARTIAL_SUFFIXES)} are reserved for downloads in progress"
    return None


def check_plain_name(name: str, what: str) -> None:
    """Raise :class:`InvalidModelNameError` unless *name* is one plain directory entry."""
    _raise_for(name, what, plain_name_problem(name))


def check_store_name(name: str, what: str = "model name") -> None:
    """Raise :class:`InvalidModelNameError` unless *name* can name a new store entry."""
    _raise_for(name, what, store_name_problem(name))


def _raise_for(name: str, what: str, problem: str | None) -> None:
    if problem:
        raise InvalidModelNameError(
            f"invalid {what} {name!r}: {problem}; give a plain name as shown by `ocrkit models list`"
        )
