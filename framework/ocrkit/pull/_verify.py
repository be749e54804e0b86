"""Re-check what is in the store against the catalogue's digests.

A model file can rot after it was pulled (disk errors, a hand edit, a copy
from elsewhere under the same name). ``verify_store`` hashes every model in
the store and says, per model: OK (matches a catalogue entry), MISMATCH (the
catalogue knows that name but the bytes differ) or UNKNOWN (not in the
catalogue: nothing to compare with, which is not an error).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..store import ModelStore
from ._catalog import Catalog, load_catalog
from ._pull import _Digests, as_store, installed_state

__all__ = ["VerifyResult", "verify_store", "OK", "MISMATCH", "UNKNOWN"]

OK, MISMATCH, UNKNOWN = "OK", "MISMATCH", "UNKNOWN"


@dataclass(frozen=True)
class VerifyResult:
    backend: str
    name: str
    path: Path
    status: str  # OK | MISMATCH | UNKNOWN
    entries: tuple[str, ...] = ()  # the catalogue entries it matched (OK) or was compared with
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "name": self.name,
            "path": str(self.path),
            "status": self.status,
            "entries": list(self.entries),
            "detail": self.detail,
        }


def _backends(store: ModelStore) -> list[str]:
    if not store.root.is_dir():
        return []
    return sorted(p.name for p in store.root.iterdir() if p.is_dir() and not p.name.startswith("."))


def verify_store(
    backend: str | None = None,
    *,
    store: ModelStore | str | os.PathLike[str] | None = None,
    catalog: Catalog | str | os.PathLike[str] | None = None,
) -> list[VerifyResult]:
    """One :class:`VerifyResult` per model in the store (of *backend*, or of every backend)."""
    model_store = as_store(store)
    cat = load_catalog(catalog)
    results: list[VerifyResult] = []
    for name_of_backend in [backend] if backend else _backends(model_store):
        directory = model_store.path(name_of_backend, create=False)
        digests = _Digests()
        for name in model_store.list_local(name_of_backend):
            path = directory / name
            candidates = cat.for_target(name_of_backend, name)
            if not candidates:
                results.append(VerifyResult(
                    name_of_backend, name, path, UNKNOWN, detail=f"not in the catalogue {cat.source}"
                ))
                continue
            problems = {e.name: installed_state(e, path, digests) for e in candidates}
            matched = tuple(n for n, problem in problems.items() if problem is None)
            if matched:
                results.append(VerifyResult(name_of_backend, name, path, OK, matched))
            else:
                detail = "; ".join(f"vs {n}: {problem}" for n, problem in problems.items())
                results.append(VerifyResult(
                    name_of_backend, name, path, MISMATCH, tuple(problems), detail
                ))
    return results
