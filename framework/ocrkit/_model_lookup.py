"""Finding models with the store and discovery together: which backend a store
command works on, which backend holds a name, what an import copies.

These ask the registry (installed plugins) as well as the files, so they live
beside the store rather than in it; the store itself knows only its files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ._records import ModelRecord
from .errors import ModelExistsError, ModelNotFoundError, OcrkitError, UnknownBackendError
from .store import ModelStore

if TYPE_CHECKING:  # handed in by the caller; imported for the annotations only
    from ._registry import Registry

__all__ = ["store_backends", "owning_backend", "backend_for_path", "backend_with_model", "resolve_import_source"]


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


def owning_backend(registry: Registry, store: ModelStore, name: str, backend: str | None) -> str:
    """The backend whose store holds *name*; ambiguous or missing names are errors."""
    candidates = store_backends(registry, store, backend)
    holders = []
    for b in candidates:
        try:
            store.resolve(b, name)
        except ModelNotFoundError:
            continue
        holders.append(b)
    if len(holders) == 1:
        return holders[0]
    if not holders:
        available = sorted({n for b in candidates for n in store.list_local(b)})
        where = f"the {backend} store" if backend else "the model store"
        raise ModelNotFoundError(f"no model {name!r} in {where} ({store.root})", available)
    raise OcrkitError(f"model {name!r} exists for several backends ({', '.join(holders)}); choose one with --backend")


def backend_for_path(registry: Registry, path: Path) -> str:
    """Guess the backend of a model file from its format (``.traineddata`` -> tesseract)."""
    suffixes = {p.suffix.lstrip(".") for p in ([path] if path.is_file() else path.rglob("*")) if p.is_file()}
    owners = sorted(
        s.name for s in registry.statuses()
        if s.info is not None and s.status != "broken" and suffixes & set(s.info.model_formats)
    )
    if len(owners) == 1:
        return owners[0]
    found = ", ".join(sorted(suffixes)) or "none"
    raise OcrkitError(
        f"cannot tell which backend {path} is for (file formats: {found}; "
        f"candidates: {', '.join(owners) or 'none'}); pass --backend"
    )


def backend_with_model(registry: Registry, store: ModelStore, name: str, backend: str | None) -> str:
    """The backend that has a model called *name* outside the store (``""``: none of several)."""
    backends = [backend] if backend else registry.backend_names()
    holders = [
        b for b in backends
        if any(r.name == name and r.source != "store" for r in registry.discover(b, store.path(b, create=False), errors=[]))
    ]
    if len(holders) == 1:
        return holders[0]
    if holders:
        raise OcrkitError(f"model {name!r} exists for several backends ({', '.join(holders)}); choose one with --backend")
    return backends[0] if len(backends) == 1 else ""


def resolve_import_source(
    registry: Registry, store: ModelStore, backend: str, model: str | ModelRecord | os.PathLike[str]
) -> ModelRecord:
    """The record to import for *model*: a record, an existing path, or a discovered name.

    A name picks the best-ranked record found outside the store; a name that only
    exists in the store is already imported.
    """
    if isinstance(model, ModelRecord):
        return model
    text = os.fspath(model)
    if isinstance(model, os.PathLike) or os.sep in text or Path(text).exists():
        return store.record_for_path(backend, text)
    found = registry.discover(backend, store.path(backend, create=False))
    named = [r for r in found if r.name == text]
    outside = [r for r in named if r.source != "store"]
    if outside:
        return outside[0]
    if named:
        raise ModelExistsError(f"model {text!r} is already in the {backend} store ({named[0].path})")
    raise ModelNotFoundError(
        f"no model {text!r} for backend {backend!r} and no such file", sorted({r.name for r in found})
    )
