"""Which model files live engines keep loaded, so the store refuses to delete them.

Every engine registers the files of its loaded models (:func:`mark_in_use`) and
clears them when freed; owners are held weakly, so an engine that is garbage
collected stops counting without a call.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import ModelInUseError

__all__ = ["mark_in_use", "in_use_paths", "check_not_in_use"]

_in_use_lock = threading.Lock()
_in_use: weakref.WeakKeyDictionary[Any, frozenset[Path]] = weakref.WeakKeyDictionary()


def mark_in_use(owner: Any, files: Iterable[Path]) -> None:
    """Record (or, with no files, clear) the model files *owner* keeps loaded."""
    resolved = frozenset(Path(f).resolve() for f in files)
    with _in_use_lock:
        if resolved:
            _in_use[owner] = resolved
        else:
            _in_use.pop(owner, None)


def in_use_paths() -> frozenset[Path]:
    with _in_use_lock:
        return frozenset(p for paths in _in_use.values() for p in paths)


def check_not_in_use(name: str, path: Path) -> None:
    """Raise :class:`ModelInUseError` if a live engine has *path* (or a file in it) loaded."""
    busy = in_use_paths()
    resolved = path.resolve()
    if resolved in busy or any(p.is_relative_to(resolved) for p in busy):
        raise ModelInUseError(
            f"model {name!r} ({path}) is loaded by a live engine; call free_resources() "
            "on that engine first"
        )
