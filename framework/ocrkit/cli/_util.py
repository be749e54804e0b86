"""Small output helpers shared by the command modules: tables, JSON, backend choice."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from .._registry import Registry
from ..errors import UnknownBackendError
from ..store import ModelStore

__all__ = ["print_json", "print_table", "store_backends"]


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Left-aligned columns; the last column is not padded (paths, reasons)."""
    table = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    for row in table:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths)] + [row[-1]]
        print("  ".join(cells).rstrip())


def store_backends(registry: Registry, store: ModelStore, backend: str | None) -> list[str]:
    """The backends a store command works on.

    ``--backend`` given: that one, if a plugin provides it or the store has a
    directory for it (models of an uninstalled plugin can still be managed).
    Otherwise every registered backend and every directory in the store.
    """
    on_disk = sorted(p.name for p in store.root.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if store.root.is_dir() else []
    known = registry.backend_names()
    if backend is not None:
        if backend in known or backend in on_disk:
            return [backend]
        raise UnknownBackendError(backend, known + on_disk)
    return sorted(set(known) | set(on_disk))
